/**
 * Chaos test 1 of the seed, for real: a process placing an order is SIGKILLed mid-flight and started again
 * on the same database file. Start-up recovery must settle the intent, and the simulator must hold exactly ONE
 * order for it, whichever side of the wire the kill landed on:
 *
 * - before Order/place left the process (the write-ahead is committed, nothing sent);
 * - while Order/place is stalled at the simulator (latency fault; the aborted request is never applied);
 * - while it is stalled and the gateway goes on with it regardless: it lands after the restart resent the same
 *   tag (refused: a tag is used once), or before the restart (found and adopted);
 * - after the simulator applied it, before the reply arrived (the reply held back, the user hub's events lost).
 *
 * The harness is `test/harness/submit.ts`, compiled (`tsc -b`) and run with node; the test reads the store's
 * file read-only while the harness writes it.
 */
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Str from "effect/String"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { RecoveryReport } from "../src/OrderManager.js"
import { built, type Harness, line, start } from "./harness/child.js"
import { baseUrl, eventually, Gate, paths, requests, served } from "./harness/loopback.js"
import { MNQ, ordersTagged } from "./utils/stack.js"

beforeAll(() => Effect.runPromise(built), 600_000)

const dbFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-recovery-")), "orders.db")

/** The intent's row and attempts in the file, read-only (named as the store names them); `undefined` while it cannot be read yet. */
const peek = (db: string, key: string) =>
  Effect.gen(function*() {
    const repo = yield* OrderIntents.OrderIntents
    return { intent: yield* repo.find(key), attempts: yield* repo.attempts(key) }
  }).pipe(
    Effect.provide(OrderIntents.layer.pipe(Layer.provide(SqliteClient.layer({ filename: db, readonly: true, disableWAL: true, transformQueryNames: Str.camelToSnake, transformResultNames: Str.snakeToCamel })))),
    Effect.scoped,
    Effect.orElseSucceed(() => undefined),
    Effect.when(() => fs.existsSync(db)),
    Effect.map(Option.getOrUndefined)
  )

/** The write-ahead is on disk: the intent (Pending) and its first attempt `<key>.1`, not yet with an order id. */
const writeAheadOnDisk = (db: string, key: string) =>
  eventually(`the write-ahead of ${key} on disk`, Effect.map(peek(db, key), (p) =>
    p !== undefined && Option.isSome(p.intent) && p.intent.value.status === "Pending" &&
    p.attempts.length === 1 && p.attempts[0]!.customTag === `${key}.1` && p.attempts[0]!.gatewayOrderId === null))

const harness = (db: string, key: string, ...extra: Array<string>) =>
  Effect.flatMap(baseUrl, (url) => start(["--url", url, "--db", db, "--key", key, ...extra]))

/** Kills `first`, starts the harness again on the same file and key, and checks what it recovered. */
const restart = (first: Harness, db: string, key: string) =>
  Effect.gen(function*() {
    yield* first.kill
    assert.strictEqual(yield* first.exited, null, "the first harness died of the signal")
    const sim = yield* Simulator.Simulator
    yield* sim.setFaults({})
    ;(yield* Gate).holdReplies.clear()
    const second = yield* harness(db, key)
    const recovered = (yield* line(second, "recovered")) as RecoveryReport
    assert.deepStrictEqual(recovered, { resumed: 1, placed: 1, rejected: 0, failed: 0, verifying: 0, working: 0 })
    const outcome = (yield* line(second, "outcome")) as { _tag: string; existing: { _tag: string; orderId: number; customTag: string } }
    assert.strictEqual(outcome._tag, "Duplicate", "the same intent after recovery is a duplicate, nothing new is sent")
    assert.strictEqual(outcome.existing._tag, "Placed")
    assert.strictEqual(outcome.existing.customTag, `${key}.1`)
    assert.strictEqual(yield* second.exited, 0, second.stderr())
    const placed = yield* ordersTagged(key)
    assert.strictEqual(placed.length, 1, "exactly one order for the intent")
    assert.strictEqual(placed[0]!.id, outcome.existing.orderId)
    const stored = yield* peek(db, key)
    assert.strictEqual(stored?.attempts.length, 1, "no second attempt was written")
    assert.strictEqual(stored?.attempts[0]!.gatewayOrderId, placed[0]!.id)
    return placed[0]!
  })

describe("SIGKILL mid-order, restart on the same database (loopback simulator, real processes)", { timeout: 120_000 }, () => {
  it.live("killed after the write-ahead, before Order/place left the process: the same tag is sent at start-up, one order", () =>
    Effect.gen(function*() {
      const db = dbFile()
      const first = yield* harness(db, "kill-before", "--hold-request")
      yield* writeAheadOnDisk(db, "kill-before")
      yield* line(first, "recovered")
      assert.strictEqual(yield* requests(paths.orderPlace), 0, "nothing reached the simulator")
      yield* restart(first, db, "kill-before")
      assert.strictEqual(yield* requests(paths.orderPlace), 1, "one Order/place in all")
    }).pipe(Effect.provide(served()), Effect.scoped))

  it.live("killed while Order/place is stalled at the simulator: the aborted request never lands, recovery places it once", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ latency: { minMillis: 60_000, endpoints: ["orderPlace"] } })
      const db = dbFile()
      const first = yield* harness(db, "kill-stalled")
      yield* writeAheadOnDisk(db, "kill-stalled")
      yield* eventually("Order/place reached the simulator", Effect.map(requests(paths.orderPlace), (n) => n === 1))
      yield* first.kill
      assert.strictEqual((yield* ordersTagged("kill-stalled")).length, 0, "the stalled request was not applied")
      yield* restart(first, db, "kill-stalled")
      assert.strictEqual(yield* requests(paths.orderPlace), 2, "the stalled request and the one resend of the same tag")
    }).pipe(Effect.provide(served()), Effect.scoped))

  it.live("killed after the simulator applied Order/place, before the reply: recovery adopts that order, nothing is resent", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ hub: { hubs: ["user"], loseEvents: { probability: 1 } } })
      ;(yield* Gate).holdReplies.add(paths.orderPlace)
      const db = dbFile()
      const first = yield* harness(db, "kill-landed")
      yield* eventually("the order landed at the simulator", Effect.map(ordersTagged("kill-landed"), (o) => o.length === 1))
      yield* writeAheadOnDisk(db, "kill-landed")
      const landed = (yield* ordersTagged("kill-landed"))[0]!
      const adopted = yield* restart(first, db, "kill-landed")
      assert.strictEqual(adopted.id, landed.id, "the order that landed before the kill")
      assert.strictEqual(yield* requests(paths.orderPlace), 1, "found by Order/search, not sent again")
    }).pipe(Effect.provide(served()), Effect.scoped))

  it.live("killed while a stalled Order/place goes on at the gateway, landing AFTER the restart resent the tag: refused, one order", () =>
    Effect.gen(function*() {
      const gate = yield* Gate
      const release = yield* Deferred.make<void>()
      gate.detached.set(paths.orderPlace, release)
      const db = dbFile()
      const first = yield* harness(db, "land-late")
      yield* writeAheadOnDisk(db, "land-late")
      yield* eventually("Order/place reached the simulator", Effect.map(requests(paths.orderPlace), (n) => n === 1))
      gate.detached.delete(paths.orderPlace)
      const placed = yield* restart(first, db, "land-late")
      yield* Deferred.succeed(release, undefined)
      yield* eventually("the stalled Order/place was applied", Effect.sync(() => gate.applied.length === 1))
      const after = yield* ordersTagged("land-late")
      assert.deepStrictEqual(after.map((o) => o.id), [placed.id], "the late request was refused (its tag was used), still one order")
      assert.strictEqual(yield* requests(paths.orderPlace), 2)
    }).pipe(Effect.provide(served()), Effect.scoped))

  it.live("killed while a stalled Order/place goes on at the gateway, landing BEFORE the restart: found and adopted, one order", () =>
    Effect.gen(function*() {
      const gate = yield* Gate
      const release = yield* Deferred.make<void>()
      gate.detached.set(paths.orderPlace, release)
      const db = dbFile()
      const first = yield* harness(db, "land-early")
      yield* writeAheadOnDisk(db, "land-early")
      yield* eventually("Order/place reached the simulator", Effect.map(requests(paths.orderPlace), (n) => n === 1))
      gate.detached.delete(paths.orderPlace)
      yield* first.kill
      yield* Deferred.succeed(release, undefined)
      yield* eventually("the stalled Order/place was applied", Effect.sync(() => gate.applied.length === 1))
      const landed = yield* ordersTagged("land-early")
      assert.strictEqual(landed.length, 1, "it landed although its client was dead")
      const adopted = yield* restart(first, db, "land-early")
      assert.strictEqual(adopted.id, landed[0]!.id)
      assert.strictEqual(yield* requests(paths.orderPlace), 1, "found by Order/search, not sent again")
    }).pipe(Effect.provide(served()), Effect.scoped))

  it.live("a working order recovered at start-up (the restarted process submits nothing): its fill after the restart is tracked and stored", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const quote = yield* Effect.orDie(sim.exchange.quote(MNQ))
      const limit = quote.bestBid! - 20 * 0.25
      const db = dbFile()
      const first = yield* harness(db, "working", "--limit", String(limit))
      const placed = (yield* line(first, "settled")) as { _tag: string; orderId: number }
      assert.strictEqual(placed._tag, "Placed")
      yield* first.kill
      const second = yield* harness(db, "working", "--follow")
      const recovered = (yield* line(second, "recovered")) as RecoveryReport
      assert.deepStrictEqual(recovered, { resumed: 0, placed: 0, rejected: 0, failed: 0, verifying: 0, working: 1 })
      yield* line(second, "ready")
      yield* Effect.orDie(sim.exchange.setPrice(MNQ, limit - 2 * 0.25))
      yield* eventually(
        () => `the restarted manager reports the fill (it printed ${JSON.stringify(second.lines)})`,
        Effect.sync(() => second.lines.some((l) => (l["event"] as { _tag?: string } | undefined)?._tag === "Filled"))
      )
      const filled = second.lines.map((l) => l["event"] as { _tag: string; orderId: number; fillVolume: number } | undefined)
        .find((e) => e?._tag === "Filled")!
      assert.deepStrictEqual([filled.orderId, filled.fillVolume], [placed.orderId, 1])
      yield* eventually("the fill is stored", Effect.map(peek(db, "working"), (p) =>
        p !== undefined && Option.isSome(p.intent) && p.intent.value.status === "Filled" &&
        p.attempts[0]!.fillVolume === 1 && p.attempts[0]!.status === "Filled"))
    }).pipe(Effect.provide(served()), Effect.scoped))
})
