/**
 * The `tradeguard-sim` entry point as a real child process: it serves on a
 * free loopback port and prints where, answers a ping, and refuses bad
 * arguments with a usage line and exit code 2. (Run after `tsc -b`: it
 * starts the built `dist/src/bin.js`.)
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "src", "bin.js")

const run = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    if (!existsSync(bin)) return reject(new Error(`${bin} is missing: run \`pnpm build\` first`))
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

describe("simulator bin (child process)", () => {
  it("serves on a free port, prints it, and answers a ping", async () => {
    const child = spawn(process.execPath, [bin, "--port", "0", "--seed", "3"], { stdio: ["ignore", "pipe", "pipe"] })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ""
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString()
          const m = /simulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (m) resolve(m[1]!)
        })
        child.on("exit", (code) => reject(new Error(`exited ${code} before listening`)))
      })
      const ping = await fetch(`${url}/api/Status/ping`)
      assert.strictEqual(await ping.text(), "pong")
    } finally {
      child.kill("SIGTERM")
    }
  })

  it("--help prints the usage and exits 0", async () => {
    const r = await run(["--help"])
    assert.strictEqual(r.code, 0)
    assert.include(r.stdout, "usage: sim")
  })

  it("a bad option is one clear line, the usage, and exit code 2", async () => {
    const r = await run(["--port", "abc"])
    assert.strictEqual(r.code, 2)
    assert.include(r.stderr, "--port must be a non-negative integer, got abc")
    const u = await run(["--bogus", "1"])
    assert.strictEqual(u.code, 2)
    assert.include(u.stderr, "unknown option --bogus")
  })
})
