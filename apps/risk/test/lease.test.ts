import * as NodeContext from "@effect/platform-node/NodeContext"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Database, StoreConfig } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as AppConfig from "../src/AppConfig.js"
import * as Daemon from "../src/Daemon.js"
import * as Lease from "../src/internal/lease.js"
import { captured } from "./utils/console.js"

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-lease-"))

const withDatabase = (file: string, schemaVersion = StoreConfig.supportedVersion): AppConfig.AppConfig => ({
  ...AppConfig.defaults,
  database: { ...AppConfig.defaults.database, path: file, schemaVersion }
})
const memory = withDatabase(":memory:")
const holder = `pid ${process.pid} on ${os.hostname()} since`
const iso = /since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** A plain connection to `file`, as another process would have. */
const sqlOn = (file: string) =>
  Effect.flatMap(Layer.build(Database.layer(StoreConfig.make({ path: file }))), (ctx) =>
    Effect.provide(SqlClient.SqlClient, ctx))

describe("the daemon's leases", () => {
  it("the lease file: TRADEGUARD_LEASE_DB, else ~/.tradeguard/leases.db", () => {
    assert.strictEqual(Lease.leaseFile({ TRADEGUARD_LEASE_DB: "/x/l.db" }), "/x/l.db")
    assert.strictEqual(Lease.leaseFile({ TRADEGUARD_LEASE_DB: " " }), path.join(os.homedir(), ".tradeguard", "leases.db"))
    assert.strictEqual(Lease.leaseFile({}), path.join(os.homedir(), ".tradeguard", "leases.db"))
    assert.strictEqual(Lease.userLease("alice"), "user:alice")
    assert.strictEqual(Lease.userLease(" Alice "), "user:alice")
  })

  it("by default a lost lease makes the exit code 1", () => {
    const before = process.exitCode
    try {
      Effect.runSync(Lease.exitWithFailure)
      assert.strictEqual(process.exitCode, 1)
    } finally {
      process.exitCode = before
    }
  })

  it.scoped("a second daemon for the same user is refused, naming the holder; released with the scope", () =>
    Effect.gen(function*() {
      const env = { TRADEGUARD_LEASE_DB: path.join(dir(), "leases.db") }
      const first = yield* Effect.fork(Effect.scoped(Effect.zipRight(Lease.holdLeases(memory, "alice", env), Effect.never)))
      yield* TestClock.adjust("1 second")
      const e = yield* Effect.flip(Effect.scoped(Lease.holdLeases(memory, "alice", env)))
      assert.strictEqual(e.code, 1)
      assert.strictEqual(e.message, `tradeguard run: another daemon holds user alice: ${holder} 1970-01-01T00:00:00.000Z`)
      // the same user spelled otherwise is the same lease; another user is another lease
      assert.include((yield* Effect.flip(Effect.scoped(Lease.holdLeases(memory, "ALICE", env)))).message, "another daemon holds user ALICE")
      yield* Effect.scoped(Lease.holdLeases(memory, "bob", env))
      yield* Fiber.interrupt(first)
      yield* Effect.scoped(Lease.holdLeases(memory, "alice", env))
    }))

  it.scoped("a database lease: databaseHolder names the running daemon, none once it stopped", () =>
    Effect.gen(function*() {
      const config = withDatabase(path.join(dir(), "t.db"))
      assert.isTrue(Option.isNone(yield* Lease.databaseHolder(config)))
      assert.isTrue(Option.isNone(yield* Lease.databaseHolder(memory)))
      const running = yield* Effect.fork(Effect.scoped(Effect.zipRight(Lease.holdLeases(config, undefined, {}), Effect.never)))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(Option.map(yield* Lease.databaseHolder(config), (h) => [h.pid, h.host]), Option.some([process.pid, os.hostname()]))
      const e = yield* Effect.flip(Effect.scoped(Lease.holdLeases(config, undefined, {})))
      assert.include(e.message, `another daemon holds the database ${config.database.path}: ${holder}`)
      yield* Fiber.interrupt(running)
      assert.isTrue(Option.isNone(yield* Lease.databaseHolder(config)))
    }))

  it.scoped("a daemon whose heartbeat stopped for 30 s is taken over", () =>
    Effect.gen(function*() {
      const file = path.join(dir(), "t.db")
      const config = withDatabase(file)
      const sql = yield* sqlOn(file)
      yield* sql`INSERT INTO leases (name, owner, pid, host, since, heartbeat_at) VALUES ('database', 'x', 4242, 'gone', 0, 0)`
      const e = yield* Effect.flip(Effect.scoped(Lease.holdLeases(config, undefined, {})))
      assert.include(e.message, "pid 4242 on gone since 1970-01-01T00:00:00.000Z")
      yield* TestClock.adjust("30 seconds")
      yield* Effect.scoped(Lease.holdLeases(config, undefined, {}))
    }))

  it.scoped("a lease lost while running: onLost runs and the daemon's fiber is interrupted", () =>
    Effect.gen(function*() {
      const file = path.join(dir(), "leases.db")
      let lost = 0
      let stopped = false
      const daemon = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (stopped = true))))
      const running = yield* Effect.fork(Effect.scoped(Effect.zipRight(
        Lease.holdLeases(memory, "alice", { TRADEGUARD_LEASE_DB: file }, Effect.sync(() => lost++)),
        daemon
      )))
      yield* TestClock.adjust("1 second")
      const sql = yield* sqlOn(file)
      yield* sql`UPDATE leases SET owner = 'other', pid = 7, host = 'elsewhere'`
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.await(running)
      assert.strictEqual(lost, 1)
      assert.isTrue(stopped, "the daemon stopped")
      assert.deepStrictEqual((yield* sql<{ pid: number }>`SELECT pid FROM leases`).map((r) => r.pid), [7])
    }))

  it.scoped("a database of a schema version before the leases table is refused, and has no holder", () =>
    Effect.gen(function*() {
      const config = withDatabase(path.join(dir(), "t.db"), 3)
      const e = yield* Effect.flip(Effect.scoped(Lease.holdLeases(config, undefined, {})))
      assert.include(e.message, "database.schemaVersion 3 has no leases table")
      assert.isTrue(Option.isNone(yield* Lease.databaseHolder(config)))
    }))

  it.scoped("a lease file that cannot be opened is one clear error", () =>
    Effect.gen(function*() {
      const d = dir()
      const e = yield* Effect.flip(Effect.scoped(Lease.holdLeases(memory, "alice", { TRADEGUARD_LEASE_DB: d })))
      assert.include(e.message, "tradeguard run: start-up failed at lease of user alice:")
      assert.include(e.message, d)
      assert.include(e.message, "TRADEGUARD_LEASE_DB names another file")
      fs.writeFileSync(path.join(d, "bad.db"), "not a database, not at all, garbage garbage garbage garbage garbage garbage")
      const bad = yield* Effect.flip(Lease.databaseHolder(withDatabase(path.join(d, "bad.db"))))
      assert.include(bad.message, "bad.db")
    }))

  it.live("two `run --simulator` on one database: the second is refused naming pid, host and since", () =>
    Effect.gen(function*() {
      const d = dir()
      const config = path.join(d, "config.yaml")
      fs.writeFileSync(config, [
        `authentication: { storage: { path: ${JSON.stringify(path.join(d, "token.enc"))} } }`,
        `database: { path: ${JSON.stringify(path.join(d, "tradeguard.db"))} }`,
        "logging: { level: ERROR }",
        "risk: { defaults: { dailyLossLimit: { amount: 1000 } } }"
      ].join("\n"))
      yield* Effect.scoped(Effect.gen(function*() {
        const [first] = yield* captured(Daemon.start({ config, simulator: true }, {}))
        assert.isAbove(first.accounts.length, 0)
        const [e] = yield* captured(Effect.flip(Daemon.start({ config, simulator: true }, {})))
        assert.strictEqual(e.code, 1)
        assert.include(e.message, `tradeguard run: another daemon holds the database ${path.join(d, "tradeguard.db")}: ${holder}`)
        assert.match(e.message, iso)
      }))
      // the first one stopped: its lease was released
      const [again] = yield* captured(Effect.scoped(Daemon.start({ config, simulator: true }, {})))
      assert.isAbove(again.accounts.length, 0)
    }).pipe(Effect.provide(NodeContext.layer)), 90_000)
})

describe("a lease held by a dead process of this host", () => {
  const lease = (over: Partial<{ pid: number; host: string }>) => ({
    name: "database",
    owner: "o",
    pid: 4242,
    host: os.hostname(),
    since: 0,
    heartbeatAt: 0,
    ...over
  })
  it("is taken over at once; one of another host, a live one or this process's own is not", () => {
    assert.isTrue(Lease.deadHere(lease({}), () => false))
    assert.isFalse(Lease.deadHere(lease({}), () => true))
    assert.isFalse(Lease.deadHere(lease({ host: "elsewhere" }), () => false))
    assert.isFalse(Lease.deadHere(lease({ pid: process.pid }), () => false))
  })
  it("a running process is seen as running; a pid that is not is not", () => {
    assert.isTrue(Lease.running(process.pid))
    assert.isFalse(Lease.running(2 ** 22 + 12345))
  })
})
