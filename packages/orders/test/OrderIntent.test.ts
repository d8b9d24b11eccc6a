import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { OrderIntent } from "../src/index.js"

const request: OrderIntent.IntentRequest = { accountId: 465, contractId: "CON.F.US.MNQ.U26", type: 1, side: 0, size: 2, limitPrice: 21_500 }

describe("OrderIntent", () => {
  it("fingerprint is canonical: the order of fields and absent optional fields do not change it, a value does", () => {
    const reordered = { limitPrice: 21_500, size: 2, side: 0, type: 1, contractId: "CON.F.US.MNQ.U26", accountId: 465 } as const
    assert.strictEqual(OrderIntent.fingerprint(request), OrderIntent.fingerprint(reordered))
    assert.strictEqual(OrderIntent.fingerprint(request), OrderIntent.fingerprint({ ...request, stopPrice: undefined }))
    assert.notStrictEqual(OrderIntent.fingerprint(request), OrderIntent.fingerprint({ ...request, size: 3 }))
    const bracket = { ...request, stopLossBracket: { ticks: -10, type: 4 as const } }
    const bracketReordered = { ...request, stopLossBracket: { type: 4 as const, ticks: -10 } }
    assert.strictEqual(OrderIntent.fingerprint(bracket), OrderIntent.fingerprint(bracketReordered))
    assert.notStrictEqual(OrderIntent.fingerprint(bracket), OrderIntent.fingerprint(request))
  })

  it("fingerprint is stable across processes (a fixed value)", () => {
    assert.match(OrderIntent.fingerprint(request), /^[0-9a-f]{64}$/)
    assert.strictEqual(OrderIntent.fingerprint({ accountId: 1, contractId: "C", type: 2, side: 1, size: 1 }), OrderIntent.fingerprint({ size: 1, side: 1, type: 2, contractId: "C", accountId: 1 }))
  })

  it("a key derived from the fingerprint is a valid key and equal for equal requests (opt-in)", () => {
    const key = OrderIntent.keyFromFingerprint(request)
    assert.strictEqual(OrderIntent.keyProblem(key), undefined)
    assert.strictEqual(key, OrderIntent.keyFromFingerprint({ ...request }))
  })

  it("customTags: <key>.<n>, bracket legs <key>.<n>-SL / -TP, parsed back", () => {
    assert.strictEqual(OrderIntent.tagOf("k", 3), "k.3")
    assert.strictEqual(OrderIntent.tagOf("k", 3, "TP"), "k.3-TP")
    assert.deepStrictEqual(OrderIntent.parseTag("acct:1-x.12-SL"), Option.some({ key: "acct:1-x", n: 12, leg: "SL" as const }))
    assert.deepStrictEqual(OrderIntent.parseTag("acct:1-x.12"), Option.some({ key: "acct:1-x", n: 12 }))
  })

  it("tags that are not ours do not parse", () => {
    for (const tag of ["", "manual", "k.0", "k.01", "k.1-XX", "a.b.1", "k.", ".1", "k 1.1", `${"a".repeat(57)}.1`, "k.99999999999999999999"]) {
      assert.isTrue(Option.isNone(OrderIntent.parseTag(tag)), tag)
    }
  })

  it("property: parseTag ∘ tagOf = id for every valid key, attempt and leg", () => {
    const key = fc.stringMatching(/^[A-Za-z0-9_:-]{1,56}$/)
    const leg = fc.constantFrom<OrderIntent.Leg | undefined>(undefined, "SL", "TP")
    fc.assert(fc.property(key, fc.integer({ min: 1, max: 9999 }), leg, (k, n, l) => {
      const tag = OrderIntent.tagOf(k, n, l)
      const parsed = Option.getOrThrow(OrderIntent.parseTag(tag))
      return tag.length <= 64 && parsed.key === k && parsed.n === n && parsed.leg === l
    }))
  })

  it("invalid idempotency keys: empty, too long for a customTag with its .n-SL suffix, characters the gateway would not echo", () => {
    for (const key of ["", "a".repeat(57), "with space", "dot.ted", "ünïcode", "slash/x"]) {
      const r = OrderIntent.validateKey(key)
      assert.instanceOf(r, OrderIntent.InvalidIdempotencyKey, key)
      if (typeof r !== "string") assert.include(r.message, "invalid idempotency key")
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(OrderIntent.IdempotencyKey)(key)))
    }
    assert.strictEqual(OrderIntent.validateKey("a".repeat(56)), "a".repeat(56))
    assert.strictEqual(OrderIntent.validateKey("acct_465:2026-08-19:buy-1"), "acct_465:2026-08-19:buy-1")
  })

  it("an intent decodes with its request (no customTag), brackets and cancelAfter; a customTag is refused as excess", () => {
    const input = { key: "k1", request: { ...request, takeProfitBracket: { ticks: 20, type: 1 } }, cancelAfter: 30_000 }
    const intent = Schema.decodeUnknownSync(OrderIntent.OrderIntent)(input)
    assert.strictEqual(intent.cancelAfter, 30_000)
    assert.strictEqual(intent.request.takeProfitBracket?.ticks, 20)
    const tagged = Schema.decodeUnknownEither(OrderIntent.OrderIntent, { onExcessProperty: "error" })({ key: "k1", request: { ...request, customTag: "x" } })
    assert.isTrue(Either.isLeft(tagged))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(OrderIntent.OrderIntent)({ key: "bad key", request })))
  })

  it("outcomes and attempts round-trip through their schemas (what the store will persist)", () => {
    const outcomes: ReadonlyArray<OrderIntent.Outcome> = [
      { _tag: "Placed", orderId: 1, customTag: "k.1" },
      { _tag: "Rejected", errorCode: 3, customTag: "k.1" },
      { _tag: "Duplicate", existing: { _tag: "Verifying", customTag: "k.1" } },
      { _tag: "Verifying", customTag: "k.2" },
      { _tag: "Failed", reason: "account not found" }
    ]
    for (const o of outcomes) {
      const encoded = Schema.encodeSync(OrderIntent.Outcome)(o)
      assert.deepStrictEqual(Schema.decodeUnknownSync(OrderIntent.Outcome)(JSON.parse(JSON.stringify(encoded))), o)
    }
    const attempt = new OrderIntent.Attempt({ n: 1, customTag: "k.1", gatewayOrderId: 9001, status: "Placed", fillVolume: 1, avgPrice: 100.25, outcome: outcomes[0] as OrderIntent.RecordedOutcome })
    assert.deepStrictEqual(Schema.decodeUnknownSync(OrderIntent.Attempt)(Schema.encodeSync(OrderIntent.Attempt)(attempt)), attempt)
    assert.include(new OrderIntent.IdempotencyKeyReused({ key: "k", fingerprint: "a", existingFingerprint: "b" }).message, "different request")
  })
})
