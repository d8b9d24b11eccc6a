import { defineWorkspace, mergeConfig } from "vitest/config"
import { shared } from "./vitest.shared.js"

const project = (dir: string) =>
  mergeConfig(shared, { root: `./${dir}`, test: { name: dir.split("/").pop()! } })

export default defineWorkspace([
  project("packages/gateway"),
  project("packages/simulator"),
  project("packages/resilience"),
  project("packages/realtime"),
  project("packages/runtime"),
  project("packages/orders"),
  project("packages/testing"),
  project("packages/store"),
  project("packages/rules"),
  project("apps/risk")
])
