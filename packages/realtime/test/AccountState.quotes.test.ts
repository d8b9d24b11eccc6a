import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { AccountState, HubEvent } from "../src/index.js"
import * as Data from "../src/internal/accountData.js"
import { flush, setup } from "./utils/harness.js"

const C = "CON.F.US.MNQ.U26"
const E = "CON.F.US.MES.U26"

describe("AccountState quote receipt time", () => {
  it("the pure core stamps quotes with the receipt time given, per contract, and keeps the merged quote", () => {
    const a = Data.applyAll(Data.empty, [HubEvent.quote(C, { bestBid: 100, bestAsk: 101 })], undefined, 1_000)
    const b = Data.applyAll(a, [HubEvent.quote(C, { lastPrice: 100.5 }), HubEvent.quote(E, { bestBid: 5 })], undefined, 2_500)
    assert.deepStrictEqual(AccountState.quoteOf(b, C), {
      quote: { bestBid: 100, bestAsk: 101, lastPrice: 100.5 },
      receivedAt: 2_500
    })
    assert.strictEqual(AccountState.quoteOf(b, E)?.receivedAt, 2_500)
    assert.strictEqual(AccountState.quoteOf(a, C)?.receivedAt, 1_000)
    assert.isUndefined(AccountState.quoteOf(b, "CON.F.US.NONE.U26"))
  })

  it("a quote applied without a receipt time counts as received at 0 (as old as can be)", () => {
    const s = Data.apply(Data.empty, HubEvent.quote(C, { bestBid: 1 }))
    assert.strictEqual(AccountState.quoteOf(s, C)?.receivedAt, 0)
  })

  it.scoped("live quotes are stamped with Effect's Clock when the hub's reader applies them (TestClock)", () =>
    Effect.gen(function*() {
      const h = yield* setup({ hub: "market" })
      const state = yield* AccountState.make
      yield* state.follow(h.conn)
      yield* TestClock.adjust("5 seconds")
      yield* h.server.sockets[0].emit("GatewayQuote", C, { bestBid: 21_500, bestAsk: 21_500.25 })
      yield* flush
      yield* state.settle
      assert.strictEqual(AccountState.quoteOf(yield* state.get, C)?.receivedAt, 5_000)
      yield* TestClock.adjust("3 seconds")
      yield* h.server.sockets[0].emit("GatewayQuote", C, { lastPrice: 21_500.5 })
      yield* flush
      yield* state.settle
      const seen = AccountState.quoteOf(yield* state.get, C)
      assert.strictEqual(seen?.receivedAt, 8_000)
      assert.deepStrictEqual(seen?.quote, { bestBid: 21_500, bestAsk: 21_500.25, lastPrice: 21_500.5 })
    }))

  it.effect("apply, applyAll and the reconciler's modify stamp quotes too", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      yield* TestClock.adjust("1 second")
      yield* state.apply(HubEvent.quote(C, { bestBid: 1 }))
      yield* TestClock.adjust("1 second")
      yield* state.applyAll([HubEvent.quote(E, { bestBid: 2 })])
      yield* TestClock.adjust("1 second")
      yield* state.modify(() => [undefined, [HubEvent.quote(C, { bestBid: 3 }, true)]])
      const s = yield* state.get
      assert.strictEqual(AccountState.quoteOf(s, C)?.receivedAt, 3_000)
      assert.strictEqual(AccountState.quoteOf(s, E)?.receivedAt, 2_000)
    }))
})
