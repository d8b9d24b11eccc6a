import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import { Audit, Locks } from "@tradeguard/rules"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Daemon from "../src/Daemon.js"
import * as OpsCommands from "../src/internal/opsCommands.js"
import type * as Readiness from "../src/Readiness.js"
import type * as Status from "../src/Status.js"
import { captured } from "./utils/console.js"

const configFile = (ops = "ops: { port: 0 }") => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-ops-daemon-"))
  const p = path.join(d, "config.yaml")
  fs.writeFileSync(p, [
    "authentication:",
    `  storage: { path: ${JSON.stringify(path.join(d, "token.enc"))} }`,
    `database: { path: ${JSON.stringify(path.join(d, "tradeguard.db"))} }`,
    "logging: { level: ERROR }",
    ops,
    "signalr: { reconnection: { delays: [100, 200, 400], maxDelayMs: 400 } }",
    "risk:",
    "  defaults:",
    "    dailyLossLimit: { amount: 1000 }"
  ].join("\n"))
  return { dir: d, file: p }
}

const fetchJson = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const r = await fetch(url, init)
    return { status: r.status, body: await r.json() as unknown }
  })

/** Polls `/readyz` until `ok` holds (at most `tries` times, 100 ms apart). */
const readyzUntil = (url: string, ok: (status: number, body: Readiness.Readiness) => boolean, tries = 150) =>
  Effect.gen(function*() {
    let last: { status: number; body: unknown } = { status: 0, body: undefined }
    for (let i = 0; i < tries; i++) {
      last = yield* fetchJson(`${url}/readyz`)
      if (ok(last.status, last.body as Readiness.Readiness)) return last
      yield* Effect.sleep("100 millis")
    }
    return assert.fail(`readyz never matched; last ${last.status} ${JSON.stringify(last.body)}`)
  })

describe("the daemon's ops endpoint (in process, embedded simulator)", () => {
  it.live("says starting with the step during start-up, then ready; hub_down while the user hub is refused, ready again after", () =>
    Effect.gen(function*() {
      const { dir, file } = configFile()
      const seen: Array<{ step: string; status: number; body: unknown }> = []
      let opsUrl: string | undefined
      const [started, lines] = yield* captured(Daemon.start({ config: file, simulator: true }, {}, {
        onPhase: (phase) =>
          phase._tag === "Starting" && opsUrl !== undefined
            ? Effect.map(fetchJson(`${opsUrl}/readyz`), (r) => void seen.push({ step: phase.step, ...r }))
            : Effect.void,
        extraReasons: Effect.succeed([])
      }).pipe(Effect.tap(() => Effect.void), (self) =>
        Effect.gen(function*() {
          // the ops line is printed before login: catch it as it comes
          const base = yield* Effect.console
          return yield* Effect.withConsole(self, {
            ...base,
            log: (...args: ReadonlyArray<unknown>) =>
              Effect.sync(() => {
                const m = /^ops listening on (http:\/\/\S+)$/.exec(args.map(String).join(" "))
                if (m !== null) opsUrl = m[1]
              }).pipe(Effect.zipRight(base.log(...args)))
          })
        })))
      assert.match(lines.out.join("\n"), /ops listening on http:\/\/127\.0\.0\.1:\d+/)
      assert.strictEqual(started.ops.url, opsUrl)
      assert.deepStrictEqual(seen.map((s) => s.step), ["token", "hubs", "reconciliation", "database", "order verification", "rules"])
      for (const s of seen) {
        assert.strictEqual(s.status, 503)
        assert.deepStrictEqual(s.body, { ready: false, reasons: [{ code: "starting", detail: s.step }] })
      }
      // the token was generated beside the database, 0600
      assert.strictEqual(started.ops.token.file, path.join(dir, "ops.token"))
      assert.strictEqual(fs.statSync(path.join(dir, "ops.token")).mode & 0o777, 0o600)

      const url = started.ops.url
      yield* readyzUntil(url, (status) => status === 200)
      const health = yield* Effect.promise(() => fetch(`${url}/healthz`).then((r) => r.status))
      assert.strictEqual(health, 200)

      // the simulator refuses the user hub and drops it: not ready, hub_down
      const admin = (p: string, body: unknown) =>
        Effect.promise(() =>
          fetch(`${started.baseUrl}${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        )
      yield* admin("/admin/hub/refuse", { hub: "user", durationMillis: 2500 })
      yield* admin("/admin/hub/drop", { hub: "user" })
      const down = yield* readyzUntil(url, (status, body) => status === 503 && body.reasons.some((r) => r.code === "hub_down"))
      const reason = (down.body as Readiness.Readiness).reasons.find((r) => r.code === "hub_down")!
      assert.match(reason.detail, /^user hub /)
      // ... and ready again once it reconnects
      yield* readyzUntil(url, (status) => status === 200)

      // the status: accounts with their rules, hubs, breakers, limiter, the last reconciliation
      const status = (yield* fetchJson(`${url}/status`)).body as Status.Status
      assert.isTrue(status.ready)
      assert.strictEqual(status.phase, "Running")
      assert.deepStrictEqual(status.accounts.map((a) => a.id), [...started.accounts])
      const account = status.accounts[0]!
      assert.strictEqual(account.lock, null)
      assert.isNumber(account.equity)
      assert.deepStrictEqual(account.rules.map((r) => [r.rule, r.limit]), [["dailyLossLimit", -1000]])
      assert.deepStrictEqual(status.hubs.map((h) => [h.hub, h.state]), [["user", "Connected"], ["market", "Connected"]])
      assert.isAtLeast(status.hubs[0]!.reconnects, 1)
      assert.deepStrictEqual(status.breakers.map((b) => b.state), ["Closed", "Closed", "Closed", "Closed"])
      assert.deepStrictEqual(status.limiter?.windows.map((w) => w.window).sort(), ["general", "history"])
      assert.isNotNull(status.lastReconciliation)
      // /metrics serves the daemon's own metrics once it runs
      const metrics = yield* Effect.promise(async () => {
        const r = await fetch(`${url}/metrics`)
        return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text() }
      })
      assert.strictEqual(metrics.status, 200)
      assert.include(metrics.type, "text/plain")
      assert.match(metrics.body, /^tradeguard_\w+/m)
      // tradeguard status prints it as tables
      const [, printed] = yield* captured(OpsCommands.status({ config: file, configGiven: true, ops: url, env: {}, json: false }))
      assert.include(printed.out.join("\n"), "ready: yes   phase: Running")
      assert.include(printed.out.join("\n"), `${started.accounts[0]}  `)

      // unlock through the endpoint: needs the token, ends the lock, audited
      const locks = Context.get(started.context, Locks.Locks)
      const id = started.accounts[0]!
      yield* locks.lock(id, "manual", "test lock", { _tag: "Manual" })
      const locked = (yield* fetchJson(`${url}/status`)).body as Status.Status
      assert.strictEqual(locked.accounts.find((a) => a.id === id)?.lock?.rule, "manual")
      const unlock = (token?: string) =>
        fetchJson(`${url}/unlock`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
          body: JSON.stringify({ account: id, reason: "spoke to the trader" })
        })
      assert.strictEqual((yield* unlock()).status, 401)
      assert.strictEqual((yield* unlock("wrong")).status, 401)
      const done = yield* unlock(fs.readFileSync(path.join(dir, "ops.token"), "utf8").trim())
      assert.deepStrictEqual(done, { status: 200, body: { account: id, unlocked: true } })
      assert.isUndefined(yield* locks.active(id))
      const records = yield* Context.get(started.context, Audit.Audit).list({ accountId: id })
      const last = records.at(-1)!
      assert.strictEqual(last.kind, "Unlock")
      assert.include(last.reason, "spoke to the trader")
      const after = (yield* fetchJson(`${url}/status`)).body as Status.Status
      assert.include(after.lastEnforcements.map((e) => e.kind), "Unlock")
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)), 90_000)

  it.live("refuses to start bound beyond loopback without the token, naming the variable, before logging in", () =>
    Effect.gen(function*() {
      const { file } = configFile("ops: { host: 0.0.0.0, port: 0, tokenEnv: MY_OPS_TOKEN }")
      const e = yield* Effect.flip(Effect.scoped(Daemon.start({ config: file, simulator: true }, {})))
      assert.strictEqual(e.code, 1)
      assert.include(e.message, "start-up failed at ops")
      assert.include(e.message, "MY_OPS_TOKEN")
      // with the variable it starts, and reads need the token
      const [started] = yield* captured(Daemon.start({ config: file, simulator: true }, { MY_OPS_TOKEN: "s3cret" }))
      assert.strictEqual(started.ops.token.source, "env")
      const url = `http://127.0.0.1:${started.ops.port}`
      assert.strictEqual((yield* fetchJson(`${url}/status`)).status, 401)
      assert.strictEqual((yield* fetchJson(`${url}/status`, { headers: { authorization: "Bearer s3cret" } })).status, 200)
      assert.strictEqual((yield* Effect.promise(() => fetch(`${url}/healthz`))).status, 200)
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)), 60_000)
})
