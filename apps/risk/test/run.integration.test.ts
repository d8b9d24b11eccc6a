/**
 * `tradeguard run` and `tradeguard sim` as processes: what a user sees (the lines, the exit codes on a signal).
 * Uses the built `dist/src/bin.js` (the test command builds first).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = path.join(app, "dist/src/bin.js")

/** Starts `tradeguard ...args`; resolves once stdout has `line`, then sends `signal` and resolves with the exit. */
const untilThenSignal = (args: ReadonlyArray<string>, line: RegExp, env: NodeJS.ProcessEnv, signal: NodeJS.Signals) =>
  new Promise<{ code: number | null; out: string; err: string; sawLine: boolean }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...env, NO_COLOR: "1" } })
    let out = ""
    let err = ""
    let sawLine = false
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString()
      if (!sawLine && line.test(out)) {
        sawLine = true
        child.kill(signal)
      }
    })
    child.stderr.on("data", (b: Buffer) => (err += b.toString()))
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("exit", (code) => {
      clearTimeout(guard)
      resolve({ code, out, err, sawLine })
    })
  })

const config = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-run-"))
  const file = path.join(d, "config.yaml")
  fs.writeFileSync(file, [
    `authentication: { storage: { path: ${JSON.stringify(path.join(d, "token.enc"))} } }`,
    `database: { path: ${JSON.stringify(path.join(d, "tradeguard.db"))} }`,
    "logging: { level: WARNING }",
    "ops: { port: 0 }",
    "risk: { defaults: { dailyLossLimit: { amount: 1000 } } }"
  ].join("\n"))
  return file
}

describe("tradeguard run (process)", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`--simulator: guards the simulator's accounts; ${signal} exits 0`, async () => {
      const r = await untilThenSignal(["run", "--simulator", "--config", config()], /tradeguard running against/, {
        PATH: process.env["PATH"]
      }, signal)
      expect(r.sawLine).toBe(true)
      expect(r.out).toMatch(/simulator listening on http:\/\/127\.0\.0\.1:\d+/)
      expect(r.out).toMatch(/2 account\(s\) guarded \(100001, 100002\), mode enforce/)
      expect(r.code).toBe(0)
    }, 90_000)
  }

  it("without credentials: one error naming each missing variable, exit 1", async () => {
    const r = await untilThenSignal(["run", "--config", config()], /never/, { PATH: process.env["PATH"] }, "SIGTERM")
    expect(r.code).toBe(1)
    expect(r.err).toContain("PROJECTX_USERNAME")
    expect(r.err).toContain("PROJECTX_API_KEY")
    expect(r.err).toContain("openssl rand -hex 32")
  }, 60_000)

  it("sim --single-session serves until SIGTERM, exit 0", async () => {
    const r = await untilThenSignal(["sim", "--port", "0", "--seed", "2", "--single-session"], /simulator listening on/, {
      PATH: process.env["PATH"]
    }, "SIGTERM")
    expect(r.out).toMatch(/simulator listening on http:\/\/127\.0\.0\.1:\d+ \(seed 2, single session\)/)
    expect(r.code).toBe(0)
  }, 60_000)
})
