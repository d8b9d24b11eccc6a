import { readdirSync, existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { coverageMinimum } from "./vitest.summary.js"

const root = path.dirname(fileURLToPath(import.meta.url))

/** Every workspace package with sources: `packages/<name>` and `apps/<name>`. */
const packages = ["packages", "apps"].flatMap((floor) =>
  readdirSync(path.join(root, floor), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, floor, d.name, "src")))
    .map((d) => `${floor}/${d.name}`)
)

/**
 * Coverage (on in `pnpm test`, off for a single `vitest run <file>`): every package's `src` must keep
 * 90 % of its lines and branches, each package on its own. A `bin.ts` is left out only because a test
 * runs it as a child process (`test/bin.integration.test.ts`); v8 sees only this process, so logic
 * stays in modules tested in-process and entry points stay thin.
 */
export default defineConfig({
  test: {
    coverage: {
      provider: "v8",
      include: packages.map((p) => `${p}/src/**`),
      exclude: ["**/bin.ts"],
      reporter: ["text-summary"],
      thresholds: Object.fromEntries(packages.map((p) => [`${p}/src/**`, { lines: coverageMinimum, branches: coverageMinimum }]))
    }
  }
})
