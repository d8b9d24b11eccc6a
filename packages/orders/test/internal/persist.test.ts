import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import type { OrderIntents } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { IntentRequest } from "../../src/OrderIntent.js"
import * as Persist from "../../src/internal/persist.js"

const bracketed: IntentRequest = {
  accountId: 7,
  contractId: "CON.F.US.MNQ.Z26",
  type: Enums.OrderType.Limit,
  side: Enums.OrderSide.Bid,
  size: 2,
  limitPrice: 21_000,
  stopLossBracket: { ticks: -20, type: Enums.OrderType.Stop },
  takeProfitBracket: { ticks: 40, type: Enums.OrderType.Limit }
}

/** The row the store would read back for `intent`. */
const rowOf = (intent: OrderIntents.NewIntent): OrderIntents.Intent => ({
  idempotencyKey: intent.idempotencyKey,
  fingerprint: intent.fingerprint,
  accountId: intent.accountId,
  contractId: intent.contractId,
  side: intent.side,
  type: intent.type,
  size: intent.size,
  limitPrice: intent.limitPrice ?? null,
  stopPrice: intent.stopPrice ?? null,
  trailPrice: intent.trailPrice ?? null,
  brackets: intent.brackets ?? null,
  status: "Pending",
  outcome: null,
  createdAt: 0,
  updatedAt: 0,
  expiresAt: intent.expiresAt ?? null
})

describe("order store mapping (persist)", () => {
  it("an intent with both brackets is written and read back as the same request", () => {
    const written = Persist.newIntent("k", "fp", bracketed, 60_000)
    assert.deepStrictEqual(written.brackets, { stopLoss: bracketed.stopLossBracket!, takeProfit: bracketed.takeProfitBracket! })
    assert.strictEqual(written.expiresAt, 60_000)
    assert.deepStrictEqual(Persist.requestOf(rowOf(written)), bracketed)
  })

  it("an intent with one bracket keeps only that one", () => {
    const { takeProfitBracket: _, ...stopOnly } = bracketed
    const written = Persist.newIntent("k", "fp", stopOnly)
    assert.deepStrictEqual(written.brackets, { stopLoss: bracketed.stopLossBracket! })
    assert.deepStrictEqual(Persist.requestOf(rowOf(written)), stopOnly)
  })

  it("each outcome is stored under its intent status", () => {
    assert.strictEqual(Persist.statusOf({ _tag: "Placed", orderId: 1, customTag: "k.1" }), "Working")
    assert.strictEqual(Persist.statusOf({ _tag: "Rejected", errorCode: 2, customTag: "k.1" }), "Rejected")
    assert.strictEqual(Persist.statusOf({ _tag: "Failed", reason: "circuit open" }), "Failed")
    assert.strictEqual(Persist.statusOf({ _tag: "Verifying", customTag: "k.1" }), "Pending")
  })

  it("a gateway status ends the intent only when it is terminal", () => {
    const { OrderStatus } = Enums
    assert.deepStrictEqual(
      [OrderStatus.Filled, OrderStatus.Cancelled, OrderStatus.Expired, OrderStatus.Rejected].map(Persist.terminalStatusOf),
      ["Filled", "Cancelled", "Expired", "Rejected"]
    )
    assert.isUndefined(Persist.terminalStatusOf(OrderStatus.Open))
    assert.isUndefined(Persist.terminalStatusOf(OrderStatus.Pending))
  })

  it("an outcome column that is empty or not a recorded outcome reads as None", () => {
    assert.isTrue(Option.isNone(Persist.outcomeOf({ outcome: null })))
    assert.isTrue(Option.isNone(Persist.outcomeOf({ outcome: "{\"_tag\":\"Nope\"}" })))
    const rejected = { _tag: "Rejected", errorCode: 2, customTag: "k.1" } as const
    assert.deepStrictEqual(Option.getOrThrow(Persist.outcomeOf({ outcome: JSON.stringify(rejected) })), rejected)
    assert.isTrue(Option.isNone(Persist.outcomeOf({ outcome: "{\"_tag\":\"Rejected\",\"errorCode\":2}" })))
  })

  it.effect("a store failure is StoreUnavailable naming the operation, the error and its cause", () =>
    Effect.gen(function*() {
      const failing = { _tag: "SqlError", message: "database is locked", cause: new Error("SQLITE_BUSY") }
      const e = yield* Effect.flip(Persist.guard("write the intent (write-ahead)")(Effect.fail(failing)))
      assert.strictEqual(e._tag, "StoreUnavailable")
      assert.strictEqual(e.message, "order store: could not write the intent (write-ahead): SqlError: database is locked: SQLITE_BUSY")
      const bare = yield* Effect.flip(Persist.guard("read attempts")(Effect.fail({ message: "" })))
      assert.strictEqual(bare.detail, "")
      const odd = yield* Effect.flip(Persist.guard("read attempts")(Effect.fail("disk gone" as unknown as { message?: string })))
      assert.strictEqual(odd.detail, "disk gone")
    }))
})
