import { assert, describe, it } from "@effect/vitest"
import { OrderConfig, OrderIntent } from "../../src/index.js"
import * as Duplicates from "../../src/internal/duplicates.js"

const config = OrderConfig.make().idempotency
const remembered: Duplicates.Remembered = {
  key: "k1",
  fingerprint: "fp-a",
  outcome: { _tag: "Placed", orderId: 9001, customTag: "k1.1" },
  submittedAt: 1_000
}

describe("idempotency / duplicate detection", () => {
  it("the same key and request within cacheTTL is a Duplicate with the existing outcome", () => {
    const d = Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-a" }, 1_000 + 3_599_999, config)
    assert.deepStrictEqual(d, { _tag: "Duplicate", existing: remembered.outcome })
  })

  it("cacheTTL is in seconds: 3600 means one hour, the boundary itself is a new intent", () => {
    assert.strictEqual(Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-a" }, 1_000 + 3_600_000, config)._tag, "New")
    assert.strictEqual(Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-a" }, 1_000 + 3_601, config)._tag, "Duplicate")
    assert.isFalse(Duplicates.isLive(remembered, 1_000 + 10_000, { enabled: true, cacheTTL: 10 }))
  })

  it("the same key with a different request within the TTL is IdempotencyKeyReused", () => {
    const d = Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-b" }, 2_000, config)
    assert.strictEqual(d._tag, "Reused")
    if (d._tag !== "Reused") return
    assert.instanceOf(d.error, OrderIntent.IdempotencyKeyReused)
    assert.include(d.error.message, `"k1"`)
    assert.strictEqual(d.error.existingFingerprint, "fp-a")
  })

  it("beyond the TTL the key names a new intent, whatever its request", () => {
    assert.strictEqual(Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-b" }, 1_000 + 3_600_000, config)._tag, "New")
  })

  it("nothing remembered, or another key: a new intent", () => {
    assert.strictEqual(Duplicates.decide(undefined, { key: "k1", fingerprint: "fp-a" }, 0, config)._tag, "New")
    assert.strictEqual(Duplicates.decide(remembered, { key: "k2", fingerprint: "fp-a" }, 2_000, config)._tag, "New")
  })

  it("idempotency.enabled: false: always a new intent, even the same request a second later", () => {
    const off = OrderConfig.make({ idempotency: { enabled: false } }).idempotency
    assert.strictEqual(Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-a" }, 2_000, off)._tag, "New")
    assert.strictEqual(Duplicates.decide(remembered, { key: "k1", fingerprint: "fp-b" }, 2_000, off)._tag, "New")
  })

  it("a duplicate of an intent still being verified answers Verifying, never a new request", () => {
    const pending = { ...remembered, outcome: { _tag: "Verifying", customTag: "k1.1" } as const }
    assert.deepStrictEqual(Duplicates.decide(pending, { key: "k1", fingerprint: "fp-a" }, 2_000, config), { _tag: "Duplicate", existing: pending.outcome })
  })
})
