/**
 * `bin.ts` as a process: what a user typing `tradeguard ...` sees (exit code,
 * stdout, stderr). Runs the built `dist/src/bin.js`, rebuilt first (`tsc -b`)
 * when a source is newer.
 */
import { execFile, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const root = path.resolve(app, "../..")
const bin = path.join(app, "dist/src/bin.js")

const newestSource = (dir: string): number =>
  Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs
  }))

interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const tradeguard = (...args: ReadonlyArray<string>) =>
  new Promise<Result>((resolve) =>
    execFile(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr })))

const expectNoRawCause = (r: Result) => {
  expect(r.stderr).not.toContain("level=ERROR")
  expect(r.stderr).not.toContain("cause=")
  expect(r.stderr).not.toContain("\"_tag\"")
}

beforeAll(() => {
  const stale = !fs.existsSync(bin) || fs.statSync(bin).mtimeMs < newestSource(path.join(app, "src"))
  if (stale) execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-b", app], { stdio: "inherit" })
}, 600_000)

describe.concurrent("tradeguard (bin.ts as a process)", { timeout: 120_000 }, () => {
  it("--help: the commands, exit 0", async () => {
    const r = await tradeguard("--help")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("config check [<file>]")
    expect(r.stdout).toContain("demo [--seed integer]")
  })

  it("config check of the shipped example: valid, exit 0", async () => {
    const r = await tradeguard("config", "check", "config.example.yaml")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("config.example.yaml: valid.")
    expect(r.stderr).toBe("")
  })

  it("config check of an invalid file: the problems by path on stderr, exit 1", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-bin-")), "config.yaml")
    fs.writeFileSync(file, "api:\n  baseUrl: \"not a url\"\n")
    const r = await tradeguard("config", "check", file)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${file}: invalid configuration`)
    expect(r.stderr).toContain("api.baseUrl: expected an absolute http/https URL")
    expectNoRawCause(r)
  })

  it("an unknown command: one message, exit 2, no raw JSON cause line", async () => {
    const r = await tradeguard("bogus")
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("Invalid subcommand for tradeguard")
    expectNoRawCause(r)
  })

  it("config check of a missing file: one line, exit 1, no raw JSON cause line", async () => {
    const r = await tradeguard("config", "check", "missing/config.yaml")
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe("missing/config.yaml: cannot read the configuration: no such file")
  })
})
