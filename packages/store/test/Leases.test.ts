import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as SqlClient from "@effect/sql/SqlClient"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Database, Leases, StoreConfig } from "../src/index.js"

const layer = Leases.layer.pipe(Layer.provideMerge(Database.layerMemory()))
const a = { pid: 101, host: "alpha" }
const b = { pid: 202, host: "beta" }

describe("Leases", () => {
  it.effect("acquire: the first holder gets the lease, a second is refused with the holder's pid, host and since", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      yield* TestClock.adjust("1 second")
      const lease = yield* leases.acquire("database", a)
      assert.deepInclude(lease, { name: "database", pid: 101, host: "alpha", since: 1000, heartbeatAt: 1000 })
      yield* TestClock.adjust("2 seconds")
      const held = yield* Effect.flip(leases.acquire("database", b))
      assert.deepInclude(held, { _tag: "LeaseHeld", name: "database", pid: 101, host: "alpha", since: 1000 })
      assert.strictEqual(held.message, "lease database is held by pid 101 on alpha since 1970-01-01T00:00:01.000Z")
      // the same process asking again is refused too: one acquisition, one owner
      assert.strictEqual((yield* Effect.flip(leases.acquire("database", a)))._tag, "LeaseHeld")
      // another name is another lease
      assert.strictEqual((yield* leases.acquire("user:demo", b)).host, "beta")
      assert.deepStrictEqual(Option.map(yield* leases.holder("database"), (h) => h.pid), Option.some(101))
      assert.isTrue(Option.isNone(yield* leases.holder("user:nobody")))
    }).pipe(Effect.provide(layer)))

  it.effect("a lease whose heartbeat stopped is taken over after 30 s, not before", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      const first = yield* leases.acquire("database", a)
      yield* TestClock.adjust("29999 millis")
      assert.strictEqual((yield* Effect.flip(leases.acquire("database", b)))._tag, "LeaseHeld")
      assert.isTrue(Option.isSome(yield* leases.holder("database")))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isNone(yield* leases.holder("database")), "a stale lease has no holder")
      const second = yield* leases.acquire("database", b)
      assert.deepInclude(second, { pid: 202, host: "beta", since: 30_000 })
      // the old holder finds out at its next heartbeat, and its release leaves the new lease alone
      const lost = yield* Effect.flip(leases.heartbeat(first))
      assert.deepInclude(lost, { _tag: "LeaseLost", name: "database" })
      assert.strictEqual(lost.message, "lease database was lost: taken over by pid 202 on beta since 1970-01-01T00:00:30.000Z")
      yield* leases.release(first)
      assert.deepStrictEqual(Option.map(yield* leases.holder("database"), (h) => h.pid), Option.some(202))
    }).pipe(Effect.provide(layer)))

  it.effect("heartbeats keep a lease past the takeover bound; release frees it at once", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      const lease = yield* leases.acquire("database", a)
      for (let i = 0; i < 12; i++) {
        yield* TestClock.adjust("5 seconds")
        yield* leases.heartbeat(lease)
      }
      assert.deepInclude(yield* Effect.flip(leases.acquire("database", b)), { _tag: "LeaseHeld", since: 0 })
      yield* leases.release(lease)
      assert.isTrue(Option.isNone(yield* leases.holder("database")))
      assert.strictEqual((yield* leases.acquire("database", b)).pid, 202)
    }).pipe(Effect.provide(layer)))

  it.effect("a heartbeat of a lease someone deleted is lost, with no holder named", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      const lease = yield* leases.acquire("database", a)
      yield* (yield* SqlClient.SqlClient)`DELETE FROM leases`
      const lost = yield* Effect.flip(leases.heartbeat(lease))
      assert.strictEqual(lost._tag, "LeaseLost")
      assert.isTrue(lost._tag === "LeaseLost" && Option.isNone(lost.holder))
      assert.include(lost.message, "released by another process")
    }).pipe(Effect.provide(layer)))

  it.effect("hold: heartbeats in the scope, so nobody takes the lease over; closing the scope releases it", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      const fiber = yield* Effect.fork(Effect.scoped(Effect.zipRight(Leases.hold("database", a), Effect.never)))
      yield* TestClock.adjust("1 second")
      for (let i = 0; i < 4; i++) {
        yield* TestClock.adjust("30 seconds")
        assert.deepInclude(yield* Effect.flip(leases.acquire("database", b)), { _tag: "LeaseHeld", pid: 101, since: 0 })
      }
      yield* Fiber.interrupt(fiber)
      assert.isTrue(Option.isNone(yield* leases.holder("database")))
      assert.strictEqual((yield* leases.acquire("database", b)).pid, 202)
    }).pipe(Effect.provide(layer)))

  it.effect("hold: a lost lease fails `lost`; holding interrupts the work and fails with LeaseLost", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      let interrupted = false
      const work = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))))
      const fiber = yield* Effect.fork(Leases.holding("database", a)(work))
      yield* TestClock.adjust("1 second")
      // another process takes it (as after a stall of the holder)
      yield* sql`UPDATE leases SET owner = 'other', pid = 303, host = 'gamma'`
      yield* TestClock.adjust("5 seconds")
      const lost = yield* Effect.flip(Fiber.join(fiber))
      assert.isTrue(interrupted, "the work under the lease was interrupted")
      assert.strictEqual(lost._tag, "LeaseLost")
      assert.include(lost.message, "taken over by pid 303 on gamma")
      // the new holder keeps its lease: the loser's release did not delete it
      assert.deepStrictEqual((yield* sql<{ pid: number }>`SELECT pid FROM leases`).map((r) => r.pid), [303])
    }).pipe(Effect.provide(layer)))

  it.effect("a holder known to be gone (takeOverIf) loses its lease at once; a live one is still refused", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      yield* leases.acquire("database", a)
      yield* TestClock.adjust("2 seconds")
      const refused = yield* Effect.flip(leases.acquire("database", b, (held) => held.pid === 999))
      assert.strictEqual(refused._tag, "LeaseHeld")
      const taken = yield* leases.acquire("database", b, (held) => held.pid === 101)
      assert.deepInclude(taken, { pid: 202, host: "beta", since: 2000 })
      assert.deepStrictEqual(Option.map(yield* leases.holder("database"), (h) => h.pid), Option.some(202))
    }).pipe(Effect.provide(layer)))

  it.effect("hold: heartbeats that cannot be written for 25 s count as a lost lease (another may take it over)", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const fiber = yield* Effect.fork(Effect.scoped(Effect.flatMap(Leases.hold("database", a), (held) => held.lost)))
      yield* TestClock.adjust("5 seconds") // one heartbeat written at 5 s
      yield* sql`ALTER TABLE leases RENAME TO leases_gone`
      yield* TestClock.adjust("20 seconds") // 10, 15, 20, 25 s: not written, 20 s since the last
      assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map((o) => (Option.isSome(o) ? "done" : null))))
      yield* TestClock.adjust("10 seconds") // 30 s: 25 s since the last one written
      const lost = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(lost._tag, "LeaseLost")
      assert.match(lost.message, /^lease database was lost: its heartbeat could not be written for 25s \(.+\); another process may take it over$/)
    }).pipe(Effect.provide(layer)))

  it.effect("holding: the result of the work, and the lease released after it", () =>
    Effect.gen(function*() {
      const leases = yield* Leases.Leases
      assert.strictEqual(yield* Leases.holding("database", a)(Effect.succeed(42)), 42)
      assert.isTrue(Option.isNone(yield* leases.holder("database")))
      yield* leases.acquire("database", b)
      assert.strictEqual((yield* Effect.flip(Leases.holding("database", a)(Effect.succeed(1))))._tag, "LeaseHeld")
    }).pipe(Effect.provide(layer)))

  it.scoped("a heartbeat that cannot be written (the file locked by another connection) is tried again at the next beat", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-leases-")), "t.db")
      const settings = StoreConfig.make({ path: file, busyTimeoutMs: 0 })
      const mine = yield* Layer.build(Leases.layer.pipe(Layer.provideMerge(Database.layer(settings))))
      const other = yield* Effect.provide(SqlClient.SqlClient, yield* Layer.build(Database.layer(settings)))
      const fiber = yield* Effect.fork(Effect.scoped(Effect.zipRight(Leases.hold("database", a), Effect.never)).pipe(Effect.provide(mine)))
      yield* TestClock.adjust("1 second")
      yield* other.unsafe("BEGIN IMMEDIATE")
      yield* TestClock.adjust("10 seconds")
      yield* other.unsafe("COMMIT")
      const beats = other<{ heartbeatAt: number }>`SELECT heartbeat_at FROM leases`
      assert.deepStrictEqual((yield* beats).map((r) => r.heartbeatAt), [0], "no heartbeat while locked")
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual((yield* beats).map((r) => r.heartbeatAt), [15_000])
      assert.isNull(fiber.unsafePoll(), "still holding")
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* beats, [])
    }))

  it.scoped("layerFile: leases in their own file, shared by two connections", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-leases-")), "sub", "leases.db")
      const one = yield* Layer.build(Leases.layerFile(file))
      const two = yield* Layer.build(Leases.layerFile(file))
      yield* Effect.provide(Effect.flatMap(Leases.Leases, (l) => l.acquire("user:demo", a)), one)
      const held = yield* Effect.flip(Effect.provide(Effect.flatMap(Leases.Leases, (l) => l.acquire("user:demo", b)), two))
      assert.deepInclude(held, { _tag: "LeaseHeld", pid: 101, host: "alpha" })
    }))
})
