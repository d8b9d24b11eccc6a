/**
 * One daemon per database, as processes: a second `tradeguard run` on the database of a running one exits 1
 * naming the holder. Uses the built `dist/src/bin.js` (the test command builds first).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as SqlClient from "@effect/sql/SqlClient"
import { Database, StoreConfig } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"

const bin = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."), "dist/src/bin.js")

interface Run {
  readonly child: ChildProcess
  readonly out: () => string
  readonly err: () => string
  readonly exit: Promise<number | null>
}

const tradeguard = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Run => {
  const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env["PATH"], NO_COLOR: "1", ...env } })
  let out = ""
  let err = ""
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()))
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()))
  const guard = setTimeout(() => child.kill("SIGKILL"), 80_000)
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(guard)
      resolve(code)
    })
  )
  return { child, out: () => out, err: () => err, exit }
}

const until = async (run: Run, line: RegExp) => {
  while (!line.test(run.out())) {
    if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}: ${run.err()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const setup = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-lease-run-"))
  const db = path.join(d, "tradeguard.db")
  const config = path.join(d, "config.yaml")
  fs.writeFileSync(config, [
    `authentication: { storage: { path: ${JSON.stringify(path.join(d, "token.enc"))} } }`,
    `database: { path: ${JSON.stringify(db)} }`,
    "logging: { level: ERROR }",
    "ops: { port: 0 }",
    "risk: { defaults: { dailyLossLimit: { amount: 1000 } } }"
  ].join("\n"))
  return { db, config, env: { TRADEGUARD_LEASE_DB: path.join(d, "leases.db") } }
}

describe("tradeguard run: one daemon per database (process)", () => {
  it("a daemon whose lease another process took over logs an ERROR, stops and exits 1", async () => {
    const { config, db, env } = setup()
    const first = tradeguard(["run", "--simulator", "--config", config], env)
    try {
      await until(first, /tradeguard running against/)
      await Effect.runPromise(Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql`UPDATE leases SET owner = 'usurper', pid = 99999, host = 'elsewhere'`).pipe(
          Effect.provide(Database.layer(StoreConfig.make({ path: db })))
        )))
      expect(await first.exit).toBe(1)
      const logs = first.out() + first.err()
      expect(logs).toMatch(/ ERROR .*lost the lease of the database .*taken over by pid 99999 on elsewhere/)
    } finally {
      first.child.kill("SIGKILL")
    }
  }, 90_000)

  it("a second run on the same database exits 1 naming the first one's pid, host and since", async () => {
    const { config, db, env } = setup()
    const first = tradeguard(["run", "--simulator", "--config", config], env)
    try {
      await until(first, /tradeguard running against/)
      const second = tradeguard(["run", "--simulator", "--config", config], env)
      expect(await second.exit).toBe(1)
      expect(second.err()).toMatch(new RegExp(
        `^tradeguard run: another daemon holds the database ${db.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: ` +
          `pid ${first.child.pid} on ${os.hostname()} since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\n$`
      ))
      expect(second.out()).not.toContain("tradeguard running against")
    } finally {
      first.child.kill("SIGTERM")
    }
    expect(await first.exit).toBe(0)
  }, 90_000)
})
