/**
 * MarketData repairs a quote that contradicts itself. The hub sends a quote's changed fields only, so a lost delta
 * leaves a field stale (a best bid from before a move, while a new print shows where the market is): reading such a
 * quote subscribes the contract anew, which starts with the complete quote.
 */
import { assert, describe, it } from "@effect/vitest"
import { AccountState, HubConnection, HubEvent } from "@tradeguard/realtime"
import { Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as MarketData from "../src/MarketData.js"

const MES = "CON.F.US.MES.Z26"

const stack = MarketData.layer.pipe(Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, wakeInterval: "1 second" } })))

/** Publishes a quote delta of MES as the market hub would, and lets AccountState merge it. */
const delta = (quote: { readonly bestBid?: number; readonly bestAsk?: number; readonly lastPrice?: number }) =>
  Effect.gen(function*() {
    const market = yield* HubConnection.MarketHub
    const state = yield* AccountState.AccountState
    yield* market.publish([HubEvent.quote(MES, quote)])
    yield* state.settle
  })

/**
 * The daemon's quote of MES after a lost delta: it saw the market at 6100 (read once), the move down to 6000 was
 * lost, and the next print (at the real touch, 6000) arrives alone.
 */
const loseDelta = Effect.gen(function*() {
  const data = yield* MarketData.MarketData
  yield* delta({ bestBid: 6_100, bestAsk: 6_100.25, lastPrice: 6_100 })
  yield* data.quotes
  yield* delta({ lastPrice: 6_000 })
})

describe("MarketData: a quote that contradicts itself", () => {
  it.effect("is repaired with the complete quote of a new subscription, at most once per cooldown", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      const state = yield* AccountState.AccountState
      yield* Effect.orDie(sim.exchange.setPrice(MES, 6_000))
      yield* data.need(new Set([MES]))
      yield* TestStack.advance("2 seconds", "100 millis")
      yield* state.settle
      const truth = (yield* data.quotes).get(MES)!.quote
      assert.strictEqual(truth.bestBid, 6_000)
      assert.strictEqual(yield* data.quoteRepairs, 0, "a quote that agrees with itself is left alone")

      yield* delta({ bestBid: 6_100, bestAsk: 6_100.25 })
      assert.strictEqual((yield* data.quotes).get(MES)?.quote.bestBid, 6_100)
      yield* TestStack.advance("1 second", "100 millis")
      assert.strictEqual(yield* data.quoteRepairs, 0, "a touch that moved away from the last print is not judged")

      yield* loseDelta
      assert.strictEqual((yield* data.quotes).get(MES)?.quote.bestBid, 6_100, "served as merged until repaired")
      yield* TestStack.advance("1 second", "100 millis")
      yield* state.settle
      const repaired = (yield* data.quotes).get(MES)!.quote
      assert.strictEqual(repaired.bestBid, 6_000, "the complete quote replaced the stale bid")
      assert.strictEqual(repaired.bestAsk, truth.bestAsk)
      assert.strictEqual(yield* data.quoteRepairs, 1)
      assert.deepStrictEqual(
        (yield* (yield* HubConnection.MarketHub).subscriptions).map((s) => s.method),
        ["SubscribeContractQuotes"],
        "still subscribed, once"
      )

      yield* loseDelta
      yield* data.quotes
      yield* TestStack.advance("1 second", "100 millis")
      yield* state.settle
      assert.strictEqual((yield* data.quotes).get(MES)?.quote.bestBid, 6_100, "within the cooldown: not repaired again")
      assert.strictEqual(yield* data.quoteRepairs, 1)

      yield* TestStack.advance("30 seconds", "1 second")
      yield* data.quotes
      yield* TestStack.advance("1 second", "100 millis")
      yield* state.settle
      assert.strictEqual((yield* data.quotes).get(MES)?.quote.bestBid, 6_000, "after the cooldown: repaired again")
      assert.strictEqual(yield* data.quoteRepairs, 2)
    }).pipe(Effect.provide(stack)))

  it.effect("a contract dropped before its repair runs is not subscribed again", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      const state = yield* AccountState.AccountState
      yield* Effect.orDie(sim.exchange.setPrice(MES, 6_000))
      yield* data.need(new Set([MES]))
      yield* TestStack.advance("2 seconds", "100 millis")
      yield* state.settle
      yield* loseDelta
      yield* Effect.all([data.quotes, data.need(new Set())], { concurrency: 1 })
      yield* TestStack.advance("1 second", "100 millis")
      assert.deepStrictEqual(yield* (yield* HubConnection.MarketHub).subscriptions, [])
      assert.strictEqual(yield* data.quoteRepairs, 0)
    }).pipe(Effect.provide(stack)))
})
