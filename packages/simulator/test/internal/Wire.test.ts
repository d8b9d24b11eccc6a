import { assert, describe, it } from "@effect/vitest"
import { Endpoints, Models } from "@tradeguard/gateway"
import * as Schema from "effect/Schema"
import { nullPayload, withNulls } from "../../src/internal/Wire.js"

describe("Wire", () => {
  it("writes absent optional fields as null, deep inside arrays, in schema order", () => {
    const reply = Endpoints.orderSearch.reply
    const order = new Models.Order({
      id: 3_400_000_000,
      accountId: 1,
      contractId: "C",
      creationTimestamp: "2026-08-19T20:51:31.4173693+00:00",
      status: 1,
      type: 1,
      side: 0,
      size: 1,
      fillVolume: 0,
      limitPrice: 10
    })
    const encoded = Schema.encodeSync(reply)({ orders: [order] })
    const out = withNulls(Schema.encodedSchema(reply).ast, encoded) as { orders: Array<Record<string, unknown>> }
    const o = out.orders[0]!
    assert.strictEqual(o["limitPrice"], 10)
    for (const k of ["symbolId", "updateTimestamp", "stopPrice", "filledPrice", "customTag", "parentOrderId"]) {
      assert.strictEqual(o[k], null, k)
    }
    assert.deepStrictEqual(Object.keys(o).slice(0, 4), ["id", "accountId", "contractId", "symbolId"])
    assert.deepStrictEqual(Schema.decodeUnknownSync(reply)(out).orders[0], order, "and it decodes back")
  })

  it("the payload of a rejection is every top-level field as null", () => {
    assert.deepStrictEqual(nullPayload(Endpoints.orderPlace.reply), { orderId: null })
    assert.deepStrictEqual(nullPayload(Endpoints.orderCancel.reply), {})
  })
})
