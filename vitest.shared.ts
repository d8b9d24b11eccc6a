import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { ViteUserConfig } from "vitest/config"

const root = path.dirname(fileURLToPath(import.meta.url))

/**
 * Workspace packages resolve to their TypeScript sources in tests (no build needed): the package to
 * its `src/index.ts`, a public subpath export (`@tradeguard/<name>/<Module>`) to `src/<Module>.ts`.
 * `internal/...` is no export (package.json), so it is no alias either.
 */
const alias = (name: string, dir: string) => [
  { find: new RegExp(`^@tradeguard/${name}$`), replacement: path.join(root, dir, "src", "index.ts") },
  { find: new RegExp(`^@tradeguard/${name}/(\\w+)$`), replacement: path.join(root, dir, "src", "$1.ts") }
]

export const shared: ViteUserConfig = {
  resolve: {
    alias: [
      ...alias("gateway", "packages/gateway"),
      ...alias("simulator", "packages/simulator"),
      ...alias("resilience", "packages/resilience"),
      ...alias("realtime", "packages/realtime"),
      ...alias("runtime", "packages/runtime"),
      ...alias("orders", "packages/orders"),
      ...alias("testing", "packages/testing"),
      ...alias("store", "packages/store"),
      ...alias("rules", "packages/rules"),
      ...alias("risk", "apps/risk")
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [path.join(root, "vitest.setup.ts")],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
}
