import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { OrderConfig } from "../src/index.js"

describe("OrderConfig", () => {
  it("the seed's defaults: verification 5000 ms x 3, partial fills 60000 ms keep, idempotency 3600 s", () => {
    assert.deepStrictEqual(OrderConfig.make(), {
      verification: { enabled: true, timeout: 5000, maxRetries: 3 },
      partialFills: { trackingEnabled: true, completeTimeout: 60000, onTimeout: "keep" },
      idempotency: { enabled: true, cacheTTL: 3600 }
    })
  })

  it("a partial section keeps the defaults of the keys it leaves out", () => {
    const c = OrderConfig.make({ partialFills: { onTimeout: "cancelRest" }, verification: { maxRetries: 0 } })
    assert.strictEqual(c.partialFills.completeTimeout, 60000)
    assert.strictEqual(c.partialFills.onTimeout, "cancelRest")
    assert.strictEqual(c.verification.timeout, 5000)
    assert.strictEqual(c.verification.maxRetries, 0)
  })

  it("invalid values are refused: an unknown onTimeout, a zero timeout, a fractional cacheTTL", () => {
    for (const input of [{ partialFills: { onTimeout: "drop" } }, { verification: { timeout: 0 } }, { idempotency: { cacheTTL: 1.5 } }]) {
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(OrderConfig.OrderManagement)(input)), JSON.stringify(input))
    }
  })

  it.effect("layer provides the decoded section", () =>
    Effect.gen(function*() {
      const c = yield* OrderConfig.OrderConfig
      assert.strictEqual(c.idempotency.cacheTTL, 60)
    }).pipe(Effect.provide(OrderConfig.layer({ idempotency: { cacheTTL: 60 } }))))
})
