import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import { Audit, Locks } from "@tradeguard/rules"
import { Database, Leases } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as AppConfig from "../src/AppConfig.js"
import * as Cli from "../src/Cli.js"
import * as Lease from "../src/internal/lease.js"
import * as OpsCommands from "../src/internal/opsCommands.js"
import * as Ops from "../src/Ops.js"
import type * as Status from "../src/Status.js"
import { captured } from "./utils/console.js"

const tradeguard = (...args: ReadonlyArray<string>) =>
  captured(Cli.main(["node", "tradeguard", ...args])).pipe(
    Effect.map(([code, lines]) => ({ code, out: lines.out.join("\n"), err: lines.err.join("\n") })),
    Effect.provide(NodeContext.layer)
  )

/** A port nothing listens on. */
const freePort = () =>
  Effect.promise(() =>
    new Promise<number>((resolve) => {
      const s = net.createServer()
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as net.AddressInfo).port
        s.close(() => resolve(port))
      })
    })
  )

const setup = (port: number) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-opscli-"))
  const db = path.join(d, "tradeguard.db")
  const file = path.join(d, "config.yaml")
  fs.writeFileSync(file, [`database: { path: ${JSON.stringify(db)} }`, `ops: { port: ${port} }`].join("\n"))
  return { dir: d, db, file, config: Effect.runSync(AppConfig.parse(file, fs.readFileSync(file, "utf8"))) }
}

const at = Date.UTC(2026, 11, 2, 14, 5, 9)
const sample: Status.Status = {
  ready: false,
  reasons: [{ code: "hub_down", detail: "user hub Reconnecting: refused" }],
  phase: "Running",
  accounts: [{
    id: 465,
    mode: "enforce",
    equity: 49512.5,
    dayPnl: -487.5,
    enforcing: false,
    rules: [{ rule: "dailyLossLimit", figure: -487.5, limit: -1000, breached: false }, { rule: "maxPositionSize", figure: null, limit: 5, breached: true }],
    lock: { rule: "dailyLossLimit", reason: "day loss 1000 reached", since: new Date(at).toISOString(), until: null },
    degraded: ["quote of X is 31000 ms old"]
  }, { id: 466, mode: "monitor", equity: null, dayPnl: null, enforcing: false, rules: [], lock: null, degraded: [] }],
  hubs: [{ hub: "user", state: "Reconnecting", healthy: false, reconnects: 2, lastMessageAgeMs: null }, { hub: "market", state: "Connected", healthy: true, reconnects: 0, lastMessageAgeMs: 12 }],
  breakers: [{ group: "orders", state: "Open", halfOpensAt: new Date(at + 60_000).toISOString(), failures: 5 }],
  limiter: { queueDepth: 1, windows: [{ window: "general", used: 3, limit: 200, inFlight: 1 }] },
  lastReconciliation: { trigger: "reconnect", at: new Date(at).toISOString(), accounts: 2, missed: 4, conflicts: 0 },
  lastEnforcements: [{ at: new Date(at).toISOString(), account: 465, rule: "dailyLossLimit", kind: "Verified", action: null, outcome: "flat", reason: "day loss" }]
}

const unlocked: Array<[number, string]> = []
const handlers: Ops.Handlers = {
  readiness: Effect.succeed({ ready: false, reasons: [] }),
  status: Effect.succeed(sample),
  unlock: (account, reason) => Effect.sync(() => (unlocked.push([account, reason]), { account, unlocked: account === 465 }))
}

describe("tradeguard status / unlock / audit", () => {
  it.scoped("status prints the daemon's status as tables, or JSON", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      const { file } = setup(port)
      yield* Ops.serve({ host: "127.0.0.1", port }, handlers, "tok")
      const r = yield* tradeguard("status", "--config", file)
      // not ready: the tables all the same, one line on stderr, exit 1
      assert.strictEqual(r.code, 1, r.err)
      assert.strictEqual(r.err, `tradeguard status: the daemon at http://127.0.0.1:${port} is not ready (hub_down)`)
      for (
        const s of [
          "ready: no   phase: Running",
          "  - hub_down: user hub Reconnecting: refused",
          "ACCOUNTS",
          "465      enforce  49,512.50  -487.50  dailyLossLimit   -487.50  -1000  ok",
          "BREACHED",
          "466      monitor  ?",
          "  465: quote of X is 31000 ms old",
          "LOCKS",
          "465      dailyLossLimit  2026-12-02 14:05:09Z  unlock only  day loss 1000 reached",
          "user    Reconnecting  no       2           -",
          "market  Connected     yes      0           12 ms ago",
          "orders  Open   2026-12-02 14:06:09Z  5",
          "general  3     200    1",
          "queue depth: 1",
          "2026-12-02 14:05:09Z  reconnect: 2 account(s), 4 missed event(s), 0 conflict(s)",
          "2026-12-02 14:05:09Z  465      dailyLossLimit  Verified  -       flat     day loss"
        ]
      ) assert.include(r.out, s)
      const j = yield* tradeguard("status", "--ops", `http://127.0.0.1:${port}/`, "--json")
      assert.strictEqual(j.code, 1, j.err)
      assert.deepStrictEqual(JSON.parse(j.out), sample)
    }))

  it.scoped("status exits 0 only when the daemon is ready, tables or JSON", () =>
    Effect.gen(function*() {
      const ready: Status.Status = { ...sample, ready: true, reasons: [] }
      const s = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, { ...handlers, status: Effect.succeed(ready) }, "tok")
      const r = yield* tradeguard("status", "--ops", s.url)
      assert.strictEqual(r.code, 0, r.err)
      assert.strictEqual(r.err, "")
      assert.include(r.out, "ready: yes   phase: Running")
      const j = yield* tradeguard("status", "--ops", s.url, "--json")
      assert.strictEqual(j.code, 0, j.err)
      assert.deepStrictEqual(JSON.parse(j.out), ready)
      // not ready without a reason (stopping, say) is still not ready
      const bare = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, {
        ...handlers,
        status: Effect.succeed({ ...sample, ready: false, reasons: [], phase: "Stopping" })
      }, "tok")
      const stopping = yield* tradeguard("status", "--ops", bare.url, "--json")
      assert.strictEqual(stopping.code, 1)
      assert.strictEqual(stopping.err, `tradeguard status: the daemon at ${bare.url} is not ready`)
      assert.strictEqual((JSON.parse(stopping.out) as Status.Status).phase, "Stopping")
    }))

  it.scoped("status of a daemon that is starting shows empty sections", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      yield* Ops.serve({ host: "127.0.0.1", port }, {
        ...handlers,
        status: Effect.succeed({ ...sample, ready: false, phase: "Starting (hubs)", accounts: [], hubs: [], breakers: [], limiter: null, lastReconciliation: null, lastEnforcements: [] })
      }, "tok")
      const r = yield* tradeguard("status", "--ops", `http://127.0.0.1:${port}`)
      assert.strictEqual(r.code, 1)
      assert.include(r.out, "phase: Starting (hubs)")
      assert.include(r.out, "(none yet)")
      assert.include(r.out, "LOCKS\n(none)")
    }))

  it.scoped("status: no daemon, a refused token, a bad answer, a bad config: one line each, exit 2 (tables or JSON)", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      for (const json of [[], ["--json"]]) {
        const none = yield* tradeguard("status", "--ops", `http://127.0.0.1:${port}`, ...json)
        assert.strictEqual(none.code, 2)
        assert.strictEqual(none.out, "")
        assert.strictEqual(none.err, `tradeguard status: no daemon answers at http://127.0.0.1:${port} (is \`tradeguard run\` running? see --ops)`)
      }
      // a daemon bound beyond loopback wants the token on every request
      const guarded = yield* Ops.serve({ host: "0.0.0.0", port: 0 }, handlers, "tok")
      for (const json of [[], ["--json"]]) {
        const refused = yield* tradeguard("status", "--ops", `http://127.0.0.1:${guarded.port}`, ...json)
        assert.strictEqual(refused.code, 2)
        assert.strictEqual(refused.out, "")
        assert.include(refused.err, "refused the token: set TRADEGUARD_OPS_TOKEN")
      }
      const broken = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, { ...handlers, status: Effect.succeed("just text") }, "tok")
      const bad = yield* tradeguard("status", "--ops", broken.url)
      assert.strictEqual(bad.code, 2)
      assert.include(bad.err, "answered HTTP 200, not a status")
      const odd = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, { ...handlers, status: Effect.succeed({ ready: "yes" }) }, "tok")
      assert.strictEqual((yield* tradeguard("status", "--ops", odd.url)).code, 2)
      const missing = yield* tradeguard("status", "--config", "/nonexistent/config.yaml")
      assert.strictEqual(missing.code, 2)
      assert.strictEqual(missing.err, "tradeguard status: /nonexistent/config.yaml: cannot read the configuration: no such file")
    }))

  it.scoped("unlock goes through the daemon with the token beside the database", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      const { config, file } = setup(port)
      const token = yield* Ops.resolveToken(config.ops, config.database.path, {})
      yield* Ops.serve({ host: "127.0.0.1", port }, handlers, token.token)
      const r = yield* tradeguard("unlock", "465", "--reason", " checked with the trader ", "--config", file)
      assert.strictEqual(r.code, 0, r.err)
      assert.strictEqual(r.out, `account 465 unlocked by the daemon at http://127.0.0.1:${port}: checked with the trader`)
      assert.deepStrictEqual(unlocked.at(-1), [465, "checked with the trader"])
      const none = yield* tradeguard("unlock", "7", "--reason", "x", "--config", file)
      assert.strictEqual(none.code, 1)
      assert.strictEqual(none.err, "tradeguard unlock: account 7 has no lock in force")
      // a token that is not the daemon's
      fs.writeFileSync(Ops.tokenFile(config.database.path), "other\n")
      const refused = yield* tradeguard("unlock", "465", "--reason", "x", "--config", file)
      assert.strictEqual(refused.code, 1)
      assert.include(refused.err, "refused the token")
      const empty = yield* tradeguard("unlock", "465", "--reason", "  ", "--config", file)
      assert.strictEqual(empty.code, 2)
      assert.include(empty.err, "--reason must not be empty")
      const noReason = yield* tradeguard("unlock", "465", "--config", file)
      assert.strictEqual(noReason.code, 2)
    }))

  it.scoped("an unlock the daemon cannot do yet names why", () =>
    Effect.gen(function*() {
      const s = yield* Ops.serve({ host: "127.0.0.1", port: 0 }, {
        ...handlers,
        unlock: () => Effect.fail(new Ops.OpsUnavailable({ reason: "the daemon is not running yet" }))
      }, "tok")
      const r = yield* Effect.flip(OpsCommands.unlock({ config: "x", configGiven: false, ops: s.url, env: { TRADEGUARD_OPS_TOKEN: "tok" }, account: 1, reason: "r" }))
        .pipe(Effect.provide(NodeContext.layer))
      assert.include(r.message, "answered HTTP 503: the ops endpoint: the daemon is not running yet")
    }))

  it.effect("unlock without a daemon goes through the database, audited; audit lists it", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      const { config, file, db } = setup(port)
      // a lock left by a daemon that is not running
      yield* Effect.flatMap(Locks.Locks, (l) => l.lock(465, "dailyLossLimit", "day loss 1000 reached", { _tag: "Manual" })).pipe(
        Effect.provide(OpsCommands.storeLayer(config))
      )
      const r = yield* tradeguard("unlock", "465", "--reason", "new day", "--config", file)
      assert.strictEqual(r.code, 0, r.err)
      assert.strictEqual(r.out, `account 465 unlocked in ${db} (no daemon answers): new day`)
      const still = yield* Effect.flatMap(Locks.Locks, (l) => l.active(465)).pipe(Effect.provide(OpsCommands.storeLayer(config)))
      assert.isUndefined(still)
      const again = yield* tradeguard("unlock", "465", "--reason", "new day", "--config", file)
      assert.strictEqual(again.err, "tradeguard unlock: account 465 has no lock in force")

      const table = yield* tradeguard("audit", "--config", file)
      assert.strictEqual(table.code, 0, table.err)
      const lines = table.out.split("\n")
      assert.match(lines[0]!, /^time\s+account\s+rule\s+kind\s+action\s+outcome\s+reason$/)
      assert.match(lines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+465\s+dailyLossLimit\s+Lock\s+-\s+Locked\s+day loss 1000 reached$/)
      assert.match(lines[2]!, /465\s+dailyLossLimit\s+Unlock\s+-\s+Unlocked\s+new day$/)
      const json = yield* tradeguard("audit", "--config", file, "--account", "465", "--since", "1h", "--json")
      const records = JSON.parse(json.out) as ReadonlyArray<Audit.AuditRecord>
      assert.deepStrictEqual(records.map((x) => x.kind), ["Lock", "Unlock"])
      assert.strictEqual((yield* tradeguard("audit", "--config", file, "--account", "7")).out, "no audit records")
      assert.strictEqual((yield* tradeguard("audit", "--config", file, "--since", "2099-01-01")).out, "no audit records")
      const bad = yield* tradeguard("audit", "--config", file, "--since", "yesterday-ish")
      assert.strictEqual(bad.code, 2)
      assert.include(bad.err, "--since yesterday-ish: expected a time")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("unlock refuses the database while a live daemon holds its lease but does not answer, naming it and the address tried", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      const { config, file, db } = setup(port)
      yield* Effect.flatMap(Locks.Locks, (l) => l.lock(465, "dailyLossLimit", "day loss 1000 reached", { _tag: "Manual" })).pipe(
        Effect.provide(OpsCommands.storeLayer(config))
      )
      // a daemon on this database whose ops endpoint is elsewhere (or hung): it holds the lease, nothing answers at `port`
      const daemon = yield* Effect.fork(Effect.scoped(Effect.zipRight(Lease.holdLeases(config, undefined, {}), Effect.never)))
      yield* TestClock.adjust("1 second")
      const r = yield* tradeguard("unlock", "465", "--reason", "new day", "--config", file)
      assert.strictEqual(r.code, 1)
      assert.strictEqual(r.out, "")
      // (simulated time: the lease was taken at 0)
      assert.strictEqual(
        r.err,
        `tradeguard unlock: no daemon answers at http://127.0.0.1:${port}, but pid ${process.pid} on ${os.hostname()} ` +
          `holds the database ${db} since 1970-01-01T00:00:00.000Z: not writing it behind that daemon's back; ` +
          "give its ops endpoint with --ops (or stop it)"
      )
      const still = yield* Effect.flatMap(Locks.Locks, (l) => l.active(465)).pipe(Effect.provide(OpsCommands.storeLayer(config)))
      assert.isDefined(still)
      // the daemon stopped (its lease released): the database it is
      yield* Fiber.interrupt(daemon)
      const done = yield* tradeguard("unlock", "465", "--reason", "new day", "--config", file)
      assert.strictEqual(done.code, 0, done.err)
      assert.strictEqual(done.out, `account 465 unlocked in ${db} (no daemon answers): new day`)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("a lease left by a process of this host that no longer runs does not stop the unlock; one of another host does", () =>
    Effect.gen(function*() {
      const { config } = setup(yield* freePort())
      const leases = Leases.layer.pipe(Layer.provide(Database.layer(config.database)))
      const take = (holder: { pid: number; host: string }) =>
        Effect.flatMap(Leases.Leases, (l) => l.acquire(Lease.databaseLease, holder)).pipe(Effect.provide(leases), Effect.orDie)
      const release = (lease: Leases.Lease) =>
        Effect.flatMap(Leases.Leases, (l) => l.release(lease)).pipe(Effect.provide(leases), Effect.orDie)
      const crashed = yield* take({ pid: 4_000_001, host: os.hostname() })
      yield* OpsCommands.noLiveHolder("unlock", config, "http://x", () => false)
      const e = yield* Effect.flip(OpsCommands.noLiveHolder("unlock", config, "http://x", () => true))
      assert.include(e.message, `but pid 4000001 on ${os.hostname()} holds the database`)
      yield* release(crashed)
      yield* take({ pid: 4_000_001, host: "desk-2" })
      const other = yield* Effect.flip(OpsCommands.noLiveHolder("unlock", config, "http://10.0.0.2:9464", () => false))
      assert.include(other.message, "no daemon answers at http://10.0.0.2:9464, but pid 4000001 on desk-2 holds the database")
      assert.strictEqual(other.code, 1)
      // a lease whose heartbeat stopped 30 s ago is free
      yield* TestClock.adjust("31 seconds")
      yield* OpsCommands.noLiveHolder("unlock", config, "http://10.0.0.2:9464", () => true)
    }))

  it.effect("audit or unlock without a database says where it looked", () =>
    Effect.gen(function*() {
      const port = yield* freePort()
      const d = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-opscli-"))
      const file = path.join(d, "config.yaml")
      fs.writeFileSync(file, `database: { path: ${JSON.stringify(path.join(d, "none.db"))} }\nops: { port: ${port} }\n`)
      const r = yield* tradeguard("audit", "--config", file)
      assert.strictEqual(r.code, 1)
      assert.strictEqual(r.err, `tradeguard audit: no database at ${path.join(d, "none.db")} (database.path of the config)`)
      const u = yield* tradeguard("unlock", "1", "--reason", "x", "--config", file)
      assert.include(u.err, "no database at")
      const invalid = path.join(d, "bad.yaml")
      fs.writeFileSync(invalid, "ops: { port: -1 }\n")
      const i = yield* tradeguard("audit", "--config", invalid)
      assert.strictEqual(i.code, 1)
      assert.include(i.err, "ops.port")
    }))

  it("reads ages and times for --since; finds the URL and token", () => {
    const now = Date.UTC(2026, 11, 2)
    assert.strictEqual(OpsCommands.parseSince("30m", now), now - 30 * 60_000)
    assert.strictEqual(OpsCommands.parseSince("24h", now), now - 86_400_000)
    assert.strictEqual(OpsCommands.parseSince("7d", now), now - 7 * 86_400_000)
    assert.strictEqual(OpsCommands.parseSince("2026-12-01T14:00Z", now), Date.UTC(2026, 11, 1, 14))
    assert.isUndefined(OpsCommands.parseSince("soon", now))
    const wildcard = { ...AppConfig.defaults, ops: { ...AppConfig.defaults.ops, host: "0.0.0.0" } }
    assert.strictEqual(OpsCommands.opsUrlOf(wildcard, undefined), "http://127.0.0.1:9464")
    assert.strictEqual(OpsCommands.opsUrlOf({ ...wildcard, ops: { ...wildcard.ops, host: "::" } }, undefined), "http://[::1]:9464")
    assert.strictEqual(OpsCommands.opsUrlOf(AppConfig.defaults, "http://h:1///"), "http://h:1")
    assert.strictEqual(OpsCommands.tokenOf(AppConfig.defaults, { TRADEGUARD_OPS_TOKEN: " t " }), "t")
  })

  it.effect("every command has --help", () =>
    Effect.gen(function*() {
      for (const c of ["status", "unlock", "audit"]) {
        const r = yield* tradeguard(c, "--help")
        assert.strictEqual(r.code, 0)
        assert.include(r.out, c)
      }
      // scripts and monitors read status' exit codes there
      const help = (yield* tradeguard("status", "--help")).out
      assert.include(help, "Exit codes (the same with --json): 0 the daemon is ready; 1 it answers but is not ready")
      assert.include(help, "2 its status could not be read")
    }))
})
