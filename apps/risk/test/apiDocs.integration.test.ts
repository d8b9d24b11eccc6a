/**
 * `pnpm run docs` as CI runs it: every package's `docgen.json` is up to date
 * (generated from the package discovery, committed), and the API docs of every
 * package build with `@effect/docgen`, which fails on an export without a
 * description or `@since` and type-checks and runs every `@example`. The fast
 * per-export check is `apiDocs.test.ts`; this one keeps the examples honest.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { root, workspaceDirs } from "./utils/pack.js"

/** Runs scripts/docs.mjs asynchronously (a test worker blocked for a minute misses vitest's RPC deadline). */
const docs = (...args: Array<string>) =>
  new Promise<{ readonly status: number; readonly stdout: string; readonly stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [path.join(root, "scripts/docs.mjs"), ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ status: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    ))

describe("pnpm run docs", () => {
  it("every package's docgen.json is up to date (committed after the package discovery)", async () => {
    const run = await docs("--check")
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
  })

  it("builds the API docs of every package: every export documented, every @example type-checked and run", async () => {
    const run = await docs()
    expect(run.status, `${run.stdout}\n${run.stderr}`.slice(-4000)).toBe(0)
    const index = fs.readFileSync(path.join(root, "docs/api/README.md"), "utf8")
    for (const dir of workspaceDirs().filter((d) => fs.existsSync(path.join(root, d, "src/index.ts")))) {
      expect(index).toContain(path.basename(dir))
    }
  }, 600_000)
})
