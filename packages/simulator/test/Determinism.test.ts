import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import { type ExchangeEvent, type Options, Simulator } from "../src/index.js"
import { ACCOUNT, client, layer, login, MNQ, snapshot } from "./utils/sim.js"

/**
 * A scripted session in a fresh TestClock: resting orders around the market,
 * an hour of ticks, every event recorded.
 */
const session = (options: Options.Options, listen: boolean) =>
  Effect.gen(function*() {
    const c = yield* client
    const sim = yield* Simulator.Simulator
    const token = yield* login()
    const events = listen ? yield* sim.exchange.subscribe : undefined
    const quote = yield* sim.exchange.quote(MNQ)
    for (const [side, offset] of [[0, -8], [1, 8], [0, -20], [1, 20]] as const) {
      yield* c.orderPlace({
        accountId: ACCOUNT,
        contractId: MNQ,
        type: 1,
        side,
        size: 3,
        limitPrice: quote.bestBid + offset
      }, token)
    }
    yield* TestClock.adjust("1 hour")
    const snap = yield* snapshot()
    const recorded = events === undefined ? [] : Chunk.toReadonlyArray(yield* Queue.takeAll(events))
    return { snap, recorded, quote }
  }).pipe(Effect.scoped, Effect.provide(layer(options)), Effect.provide(TestContext.TestContext))

const json = (u: unknown) => JSON.parse(JSON.stringify(u)) as unknown

const quotes = (events: ReadonlyArray<ExchangeEvent.ExchangeEvent>) =>
  events.filter((e) => e._tag === "QuoteUpdated").map((e) => json(e))

describe("determinism by seed", () => {
  it.effect("the same seed gives the same prices, fills and event stream; another seed does not", () =>
    Effect.gen(function*() {
      const a = yield* session({ seed: 7, wakeInterval: "1 minute" }, true)
      const b = yield* session({ seed: 7, wakeInterval: "1 minute" }, true)
      const other = yield* session({ seed: 8, wakeInterval: "1 minute" }, true)
      assert.isAbove(a.recorded.length, 100)
      assert.deepStrictEqual(json(a.recorded), json(b.recorded))
      assert.deepStrictEqual(json(a.snap), json(b.snap))
      assert.isAbove(a.snap.trades.length, 0, "the hour moved the market through some orders")
      assert.notDeepEqual(quotes(a.recorded), quotes(other.recorded))
      assert.notStrictEqual(a.quote.bestBid, other.quote.bestBid)
    }))

  it.effect("fills happen at the tick they belong to, whether or not anyone was listening", () =>
    Effect.gen(function*() {
      const listened = yield* session({ seed: 3, wakeInterval: "10 seconds" }, true)
      const unattended = yield* session({ seed: 3 }, false)
      assert.isAbove(listened.snap.trades.length, 0)
      assert.deepStrictEqual(json(unattended.snap), json(listened.snap))
    }))

  it.effect("while someone listens, the market publishes every tick without any request", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const events = yield* sim.exchange.subscribe
      yield* TestClock.adjust("10 seconds")
      const got = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
      const stamps = got.flatMap((e) =>
        e._tag === "QuoteUpdated" && e.quote.timestamp != null && e.contractId === MNQ ? [e.quote.timestamp] : []
      )
      assert.isAtLeast(stamps.length, 8)
      assert.deepStrictEqual(stamps, [...stamps].sort())
      assert.isTrue(got.some((e) => e._tag === "DepthUpdated" && e.entries[0]!.type === 6), "depth starts with a Reset")
      assert.isTrue(got.some((e) => e._tag === "MarketTrades"))
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("bars depend only on the seed", () =>
    Effect.gen(function*() {
      const bars = (seed: number) =>
        Effect.gen(function*() {
          const c = yield* client
          const token = yield* login()
          return (yield* c.historyRetrieveBars({
            contractId: MNQ,
            live: false,
            startTime: "2026-01-05T00:00:00Z",
            endTime: "2026-01-05T12:00:00Z",
            unit: 3,
            unitNumber: 1,
            limit: 5,
            includePartialBar: true
          }, token)).bars
        }).pipe(Effect.provide(layer({ seed })))
      yield* TestClock.setTime(Date.UTC(2026, 0, 5, 12))
      assert.deepStrictEqual(yield* bars(1), yield* bars(1))
      assert.notDeepEqual(yield* bars(1), yield* bars(2))
    }))
})
