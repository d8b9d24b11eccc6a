import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { Database, OrderIntents } from "../src/index.js"

const layer = OrderIntents.layer.pipe(Layer.provideMerge(Database.layerMemory()))

const intent = (key: string, extra: Partial<OrderIntents.NewIntent> = {}): OrderIntents.NewIntent => ({
  idempotencyKey: key,
  fingerprint: `fp-${key}`,
  accountId: 11,
  contractId: "CON.F.US.MNQ.Z25",
  side: 0,
  type: 1,
  size: 2,
  limitPrice: 21000.25,
  ...extra
})

const fill = (tradeId: number, gatewayOrderId: number): OrderIntents.Fill => ({
  tradeId,
  gatewayOrderId,
  accountId: 11,
  contractId: "CON.F.US.MNQ.Z25",
  side: 0,
  size: 1,
  price: 21000.25,
  fees: 0.37,
  profitAndLoss: null,
  at: 5
})

describe("OrderIntents", () => {
  it.effect("an inserted intent is found by its key with every field, Pending, stamped with the clock", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      yield* TestClock.adjust(1000)
      const brackets = { stopLoss: { ticks: 20, type: 4 }, takeProfit: { ticks: 40, type: 1 } }
      const inserted = yield* repo.insert(intent("k1", { brackets, expiresAt: 9000, stopPrice: 20990 }))
      const found = Option.getOrThrow(yield* repo.find("k1"))
      assert.deepStrictEqual(found, inserted)
      assert.deepInclude(found, {
        idempotencyKey: "k1",
        fingerprint: "fp-k1",
        accountId: 11,
        contractId: "CON.F.US.MNQ.Z25",
        side: 0,
        type: 1,
        size: 2,
        limitPrice: 21000.25,
        stopPrice: 20990,
        trailPrice: null,
        status: "Pending",
        outcome: null,
        createdAt: 1000,
        updatedAt: 1000,
        expiresAt: 9000
      })
      assert.deepStrictEqual(found.brackets, brackets)
      assert.isTrue(Option.isNone(yield* repo.find("nope")))
    }).pipe(Effect.provide(layer)))

  it.effect("a second insert with the same key fails, saying whether it is the same request", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      yield* repo.insert(intent("k1"))
      const retry = yield* Effect.flip(repo.insert(intent("k1")))
      assert.deepInclude(retry, { _tag: "DuplicateIdempotencyKey", idempotencyKey: "k1", sameRequest: true })
      const reused = yield* Effect.flip(repo.insert(intent("k1", { fingerprint: "other" })))
      assert.deepInclude(reused, { _tag: "DuplicateIdempotencyKey", sameRequest: false })
      assert.strictEqual(Option.getOrThrow(yield* repo.find("k1")).fingerprint, "fp-k1")
    }).pipe(Effect.provide(layer)))

  it.effect("attempts are numbered, their customTag is unique, and they are found by tag and by gateway order id", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      yield* repo.insert(intent("k1"))
      const first = yield* repo.addAttempt("k1", "k1#1")
      assert.deepInclude(first, { customTag: "k1#1", attemptNo: 1, status: "Sent", fillVolume: 0, gatewayOrderId: null })
      const dup = yield* Effect.flip(repo.addAttempt("k1", "k1#1"))
      assert.deepInclude(dup, { _tag: "DuplicateCustomTag", customTag: "k1#1" })
      const second = yield* repo.addAttempt("k1", "k1#2")
      assert.strictEqual(second.attemptNo, 2)
      const orphan = yield* Effect.flip(repo.addAttempt("missing", "m#1"))
      assert.deepInclude(orphan, { _tag: "NotFound", entity: "Intent", key: "missing" })

      yield* TestClock.adjust(500)
      const updated = yield* repo.updateAttempt("k1#2", {
        gatewayOrderId: 9001,
        status: "PartiallyFilled",
        fillVolume: 1,
        averageFillPrice: 21000.5
      })
      assert.deepInclude(updated, { gatewayOrderId: 9001, status: "PartiallyFilled", fillVolume: 1, updatedAt: 500 })
      assert.deepStrictEqual(Option.getOrThrow(yield* repo.findAttemptByOrderId(9001)), updated)
      assert.deepStrictEqual(Option.getOrThrow(yield* repo.findAttempt("k1#2")), updated)
      assert.isTrue(Option.isNone(yield* repo.findAttemptByOrderId(1)))
      assert.deepStrictEqual((yield* repo.attempts("k1")).map((a) => a.customTag), ["k1#1", "k1#2"])
      const gone = yield* Effect.flip(repo.updateAttempt("nope", { status: "Unknown" }))
      assert.deepInclude(gone, { _tag: "NotFound", entity: "Attempt" })
    }).pipe(Effect.provide(layer)))

  it.effect("a fill is recorded once per trade id", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      assert.isTrue(yield* repo.recordFill(fill(1, 9001)))
      assert.isFalse(yield* repo.recordFill({ ...fill(1, 9001), price: 1 }))
      assert.isTrue(yield* repo.recordFill(fill(2, 9001)))
      yield* repo.recordFill(fill(3, 9002))
      const fills = yield* repo.fills(9001)
      assert.deepStrictEqual(fills.map((f) => [f.tradeId, f.price]), [[1, 21000.25], [2, 21000.25]])
    }).pipe(Effect.provide(layer)))

  it.effect("the non-terminal intents are listed oldest first; terminal ones are not", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      yield* repo.insert(intent("a"))
      yield* TestClock.adjust(1)
      yield* repo.insert(intent("b"))
      yield* TestClock.adjust(1)
      yield* repo.insert(intent("c"))
      yield* repo.setStatus("b", "Filled", "filled 2 @ 21000.25")
      yield* repo.setStatus("c", "Working")
      assert.deepStrictEqual((yield* repo.nonTerminal).map((i) => [i.idempotencyKey, i.status]), [
        ["a", "Pending"],
        ["c", "Working"]
      ])
      assert.strictEqual(Option.getOrThrow(yield* repo.find("b")).outcome, "filled 2 @ 21000.25")
      const missing = yield* Effect.flip(repo.setStatus("zz", "Failed"))
      assert.deepInclude(missing, { _tag: "NotFound", entity: "Intent", key: "zz" })
    }).pipe(Effect.provide(layer)))

  it.effect("begin writes the intent and its first attempt together; a taken tag leaves neither", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      const { attempt, intent: written } = yield* repo.begin(intent("w1"), "w1.1")
      assert.deepInclude(written, { idempotencyKey: "w1", status: "Pending" })
      assert.deepInclude(attempt, { customTag: "w1.1", attemptNo: 1, status: "Sent" })
      // the tag is taken: the transaction is rolled back, no intent "w2" without an attempt is left behind
      const failed = yield* Effect.flip(repo.begin(intent("w2"), "w1.1"))
      assert.deepInclude(failed, { _tag: "DuplicateCustomTag", customTag: "w1.1" })
      assert.isTrue(Option.isNone(yield* repo.find("w2")))
      const again = yield* Effect.flip(repo.begin(intent("w1"), "w1.9"))
      assert.deepInclude(again, { _tag: "DuplicateIdempotencyKey", sameRequest: true })
      assert.isTrue(Option.isNone(yield* repo.findAttempt("w1.9")))
    }).pipe(Effect.provide(layer)))

  it.effect("reopen gives an old key a new request and the next attempt, keeping the earlier attempts", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      yield* repo.begin(intent("r1"), "r1.1")
      yield* repo.setStatus("r1", "Filled", "done")
      yield* TestClock.adjust(5000)
      const { attempt, intent: reopened } = yield* repo.reopen(intent("r1", { fingerprint: "fp-new", size: 5 }), "r1.2")
      assert.deepInclude(reopened, { fingerprint: "fp-new", size: 5, status: "Pending", outcome: null, createdAt: 5000 })
      assert.strictEqual(attempt.attemptNo, 2)
      assert.deepStrictEqual((yield* repo.attempts("r1")).map((a) => a.customTag), ["r1.1", "r1.2"])
      const missing = yield* Effect.flip(repo.reopen(intent("nope"), "nope.1"))
      assert.deepInclude(missing, { _tag: "NotFound", entity: "Intent", key: "nope" })
    }).pipe(Effect.provide(layer)))

  it.effect("setExpiry sets and clears an intent's expiry", () =>
    Effect.gen(function*() {
      const repo = yield* OrderIntents.OrderIntents
      yield* repo.insert(intent("e1"))
      yield* repo.setExpiry("e1", 12_000)
      assert.strictEqual(Option.getOrThrow(yield* repo.find("e1")).expiresAt, 12_000)
      yield* repo.setExpiry("e1", null)
      assert.isNull(Option.getOrThrow(yield* repo.find("e1")).expiresAt)
      const missing = yield* Effect.flip(repo.setExpiry("zz", 1))
      assert.deepInclude(missing, { _tag: "NotFound", entity: "Intent", key: "zz" })
    }).pipe(Effect.provide(layer)))
})
