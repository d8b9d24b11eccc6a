/**
 * MarketData never serves a price from before what it prices: a quote kept from an earlier subscription of the
 * contract is hidden after it is subscribed again (until a new one arrives), and `barPrice(c, notBefore)` does not
 * reuse a cached answer asked for before `notBefore` (a new position's opening).
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState } from "@tradeguard/realtime"
import { Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as MarketData from "../src/MarketData.js"

const MES = "CON.F.US.MES.Z26"

const stack = MarketData.layer.pipe(Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, wakeInterval: "1 second" } })))

describe("MarketData: no price from before", () => {
  it.effect("a quote of an earlier subscription is not served after the contract is subscribed again", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      const state = yield* AccountState.AccountState
      yield* Effect.orDie(sim.exchange.setPrice(MES, 6_000))
      yield* data.need(new Set([MES]))
      yield* TestStack.advance("1 second", "100 millis")
      yield* state.settle
      assert.strictEqual((yield* data.quotes).get(MES)?.quote.bestBid, 6_000)

      yield* data.need(new Set())
      yield* TestStack.advance("1 second", "100 millis")
      yield* Effect.orDie(sim.exchange.setPrice(MES, 6_012)) // unseen: not subscribed
      yield* TestStack.advance("1 second", "100 millis")
      yield* data.need(new Set([MES]))
      const again = (yield* data.quotes).get(MES)
      assert.notStrictEqual(again?.quote.bestBid, 6_000, "the old quote (6000) is not the market now")

      yield* TestStack.advance("2 seconds", "100 millis")
      yield* state.settle
      assert.strictEqual((yield* data.quotes).get(MES)?.quote.bestBid, 6_012, "a new quote is served")
    }).pipe(Effect.provide(stack)))

  it.effect("barPrice(c, notBefore) fetches again when the cached answer was asked for before notBefore", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      yield* Effect.orDie(sim.exchange.setPrice(MES, 6_000))
      yield* TestStack.advance("1 second", "100 millis")
      const first = yield* data.barPrice(MES)
      assert.strictEqual(first?.price, 6_000)

      yield* TestStack.advance("1 second", "100 millis")
      yield* Effect.orDie(sim.exchange.setPrice(MES, 6_012))
      const openedAt = yield* Clock.currentTimeMillis
      yield* TestStack.advance("500 millis", "100 millis")
      assert.strictEqual(yield* data.barPrice(MES), first, "without notBefore: the cached answer")
      assert.strictEqual(yield* data.barPrice(MES, first!.fetchedAt), first, "asked for at notBefore: still reused")
      const fresh = yield* data.barPrice(MES, openedAt)
      assert.strictEqual(fresh?.price, 6_012, "asked for before the opening: fetched again")
      assert.isAtLeast(fresh!.fetchedAt, openedAt)
    }).pipe(Effect.provide(stack)))
})
