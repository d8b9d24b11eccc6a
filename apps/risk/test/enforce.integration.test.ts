/**
 * The acceptance run of the daemon as a process: `tradeguard sim` and `tradeguard run` as two children on
 * loopback; another client (REST straight to the simulator) opens a position, the simulator's admin endpoint moves
 * the price through the daily loss limit; the account is flat within 5 s, an order placed while locked is
 * cancelled, SIGTERM exits 0, and after a restart the lock still holds.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = path.join(app, "dist/src/bin.js")
const children: Array<ChildProcessWithoutNullStreams> = []
afterAll(() => children.forEach((c) => c.kill("SIGKILL")))

const start = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, ready: RegExp) =>
  new Promise<{ child: ChildProcessWithoutNullStreams; out: () => string; line: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env["PATH"], NO_COLOR: "1", ...env } })
    children.push(child)
    let out = ""
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString()
      const m = ready.exec(out)
      if (m !== null) resolve({ child, out: () => out, line: m[0] })
    })
    child.stderr.on("data", (b: Buffer) => (out += b.toString()))
    child.on("exit", (code) => reject(new Error(`exited ${code} before ready:\n${out}`)))
  })

const exitOf = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))

interface Snapshot {
  readonly positions: ReadonlyArray<{ readonly averagePrice: number }>
  readonly openOrders: ReadonlyArray<{ readonly id: number }>
}
interface Reply {
  readonly success: boolean
  readonly token: string
  readonly orderId: number
  readonly contracts: ReadonlyArray<{ readonly id: string; readonly symbolId: string }>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("tradeguard run enforces (processes, loopback)", () => {
  it("a breach of the daily loss limit: flat and locked within 5 s; locked orders cancelled; the lock survives a restart", async () => {
    const sim = await start(["sim", "--port", "0", "--seed", "5", "--tick-ms", "250"], {}, /listening on (http:\/\/127\.0\.0\.1:\d+)/)
    const base = /http:\/\/127\.0\.0\.1:\d+/.exec(sim.line)![0]
    const post = async (p: string, body: unknown, token?: string) => {
      const r = await fetch(`${base}${p}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body)
      })
      return r.json() as Promise<Reply>
    }
    const snapshot = async (accountId: number) => (await fetch(`${base}/admin/snapshot?accountId=${accountId}`)).json() as Promise<Snapshot>

    const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-enforce-"))
    const config = path.join(d, "config.yaml")
    fs.writeFileSync(config, [
      `api: { baseUrl: "${base}" }`,
      `authentication: { storage: { path: ${JSON.stringify(path.join(d, "token.enc"))} } }`,
      `database: { path: ${JSON.stringify(path.join(d, "tradeguard.db"))} }`,
      "logging: { level: WARNING }",
      "risk: { accounts: [100001], defaults: { dailyLossLimit: { amount: 200 } } }"
    ].join("\n"))
    const env = {
      PROJECTX_USERNAME: "demo",
      PROJECTX_API_KEY: "demo-api-key",
      TRADEGUARD_TOKEN_KEY: crypto.randomBytes(32).toString("hex"),
      TRADEGUARD_LEASE_DB: path.join(d, "leases.db")
    }
    const daemon = await start(["run", "--config", config], env, /tradeguard running against/)

    // Another front-end: its own login, REST straight to the simulator.
    const { token } = await post("/api/Auth/loginKey", { userName: "demo", apiKey: "demo-api-key" })
    const { contracts } = await post("/api/Contract/available", { live: false }, token)
    const mnq = contracts.find((c) => c.symbolId === "F.US.MNQ")
    const placed = await post("/api/Order/place", { accountId: 100001, contractId: mnq!.id, type: 2, side: 0, size: 5 }, token)
    expect(placed.success).toBe(true)
    await sleep(1000)
    const before = await snapshot(100001)
    expect(before.positions.length).toBe(1)
    const entry = before.positions[0]!.averagePrice

    // 5 MNQ at $2 a point: 100 points down is -$1000, far through -$200.
    const breachAt = Date.now()
    await post("/admin/price", { contractId: mnq!.id, price: entry - 100 })
    let flatAfter: number | undefined
    while (Date.now() - breachAt < 10_000) {
      const s = await snapshot(100001)
      if (s.positions.length === 0 && s.openOrders.length === 0) {
        flatAfter = Date.now() - breachAt
        break
      }
      await sleep(100)
    }
    expect(flatAfter).toBeDefined()
    expect(flatAfter!).toBeLessThan(5000)
    await post("/admin/price", { contractId: mnq!.id, price: null })

    // Locked: a resting order from the other front-end is cancelled.
    const lockedOrder = async () => {
      const r = await post("/api/Order/place", { accountId: 100001, contractId: mnq!.id, type: 1, side: 0, size: 1, limitPrice: entry - 500 }, token)
      expect(r.success).toBe(true)
      const t0 = Date.now()
      while (Date.now() - t0 < 10_000) {
        const s = await snapshot(100001)
        if (!s.openOrders.some((o) => o.id === r.orderId)) return Date.now() - t0
        await sleep(100)
      }
      return undefined
    }
    const cancelledAfter = await lockedOrder()
    expect(cancelledAfter).toBeDefined()
    expect(cancelledAfter!).toBeLessThan(5000)

    daemon.child.kill("SIGTERM")
    expect(await exitOf(daemon.child)).toBe(0)

    const again = await start(["run", "--config", config], env, /tradeguard running against/)
    const cancelledAfterRestart = await lockedOrder()
    expect(cancelledAfterRestart).toBeDefined()
    expect(cancelledAfterRestart!).toBeLessThan(5000)
    again.child.kill("SIGTERM")
    expect(await exitOf(again.child)).toBe(0)
    sim.child.kill("SIGTERM")
    process.stdout.write(`enforce: flat ${flatAfter} ms after the price move; locked order cancelled in ${cancelledAfter} ms, after a restart in ${cancelledAfterRestart} ms\n`)
  }, 120_000)
})
