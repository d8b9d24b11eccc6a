/**
 * A large limit buy that fills in many pieces at many prices, and the checks that the manager tracked it
 * exactly. With `liquidity: { perLevel: 2, perTick: 2 }` and the limit 12 ticks above the ask, placing it
 * sweeps up to 13 price levels of 2 contracts (fewer when the market moved up in between); the rest rests at
 * the limit and fills 2 per tick.
 *
 * Prices are compared to 1e-6: the gateway's `filledPrice` (and so an average taken from an order event
 * before its trades arrived) carries 6 decimals.
 */
import { assert } from "@effect/vitest"
import { Enums, type Models } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OrderEvent } from "../../src/OrderEvent.js"
import * as OrderManager from "../../src/OrderManager.js"
import { ACCOUNT, MNQ, ordersTagged } from "../utils/stack.js"

/** The simulator's liquidity that splits the order. */
export const liquidity = { perLevel: 2, perTick: 2 } as const
/** The order's size: up to 26 swept at placement, the rest resting. */
export const size = 40
const tick = 0.25
const levels = 13
const precision = 1e-6

/** The limit buy of {@link size}, `levels - 1` ticks above the ask now. */
export const largeLimitBuy = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const quote = yield* Effect.orDie(sim.exchange.quote(MNQ))
  // Held where it is while the order rests: a drift above the limit (or ticks slowed by a loaded machine) would
  // leave the resting part unfilled.
  yield* Effect.orDie(sim.exchange.setPrice(MNQ, quote.bestBid!))
  const limitPrice = quote.bestAsk! + (levels - 1) * tick
  return { accountId: ACCOUNT, contractId: MNQ, type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size, limitPrice }
})

/** The simulator's order of the tag and its trades (ground truth). */
export const truthOf = (customTag: string) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const order = (yield* ordersTagged(customTag)).find((o) => o.customTag === customTag)!
    const snapshot = yield* Effect.orDie(sim.exchange.peek(ACCOUNT))
    const trades = snapshot.trades.filter((t) => t.orderId === order.id && !t.voided).sort((a, b) => a.id - b.id)
    return { order, trades }
  })

const vwap = (trades: ReadonlyArray<Models.Trade>) => {
  const volume = trades.reduce((n, t) => n + t.size, 0)
  return { volume, price: trades.reduce((n, t) => n + t.size * t.price, 0) / volume }
}

/** The order is filled at the simulator. */
export const isFilled = (customTag: string) =>
  Effect.map(ordersTagged(customTag), (os) => os.some((o) => o.customTag === customTag && o.status === Enums.OrderStatus.Filled))

/**
 * Checks the fill tracking of `customTag`'s order against the simulator: the store's attempt and
 * `OrderManager.fills` equal the order's fillVolume / filledPrice and the VWAP of its trades, every trade is
 * stored, and the events are PartiallyFilled then one Filled, each with more volume. With `inOrder` (the
 * hub delivered the trades in the simulator's order) each event is exactly the VWAP of the trades so far;
 * otherwise (a socket may deliver a later tick's trade first) an average of some of them.
 */
export const expectTrackedExactly = (customTag: string, events: ReadonlyArray<OrderEvent>, inOrder: boolean) =>
  Effect.gen(function*() {
    const { order, trades } = yield* truthOf(customTag)
    assert.strictEqual(order.status, Enums.OrderStatus.Filled)
    assert.strictEqual(order.fillVolume, size)
    assert.isAtLeast(new Set(trades.map((t) => t.price)).size, 5, "the fills are at many prices")
    assert.isAtLeast(trades.length, 10, "and in many pieces")
    const all = vwap(trades)
    assert.strictEqual(all.volume, size)
    assert.closeTo(order.filledPrice!, all.price, precision, "the simulator's filledPrice is the VWAP of its trades")

    const repo = yield* OrderIntents.OrderIntents
    const attempt = Option.getOrThrow(yield* repo.findAttempt(customTag))
    assert.strictEqual(attempt.gatewayOrderId, order.id)
    assert.strictEqual(attempt.status, "Filled")
    assert.strictEqual(attempt.fillVolume, size)
    assert.closeTo(attempt.averageFillPrice!, all.price, precision)
    const stored = yield* repo.fills(order.id)
    assert.deepStrictEqual(
      stored.map((f) => [f.tradeId, f.size, f.price]).sort((a, b) => a[0]! - b[0]!),
      trades.map((t) => [t.id, t.size, t.price])
    )

    const manager = yield* OrderManager.OrderManager
    const tracked = Option.getOrThrow(yield* manager.fills(order.id))
    assert.strictEqual(tracked.fillVolume, size)
    assert.closeTo(tracked.avgPrice!, all.price, 1e-9, "fills(): the VWAP of every trade")

    const fills = events.filter((e): e is Extract<OrderEvent, { _tag: "PartiallyFilled" | "Filled" }> =>
      (e._tag === "PartiallyFilled" || e._tag === "Filled") && e.orderId === order.id)
    assert.isAtLeast(fills.length, 2)
    assert.deepStrictEqual(fills.map((e) => e._tag), [...fills.slice(0, -1).map(() => "PartiallyFilled"), "Filled"])
    let previous = 0
    for (const e of fills) {
      assert.isAbove(e.fillVolume, previous, "each event reports more volume")
      previous = e.fillVolume
      if (!inOrder) {
        assert.isTrue(e.avgPrice >= trades[0]!.price - precision && e.avgPrice <= trades.at(-1)!.price + precision)
        continue
      }
      let volume = 0
      const upTo = trades.filter((t) => (volume += t.size) <= e.fillVolume)
      assert.strictEqual(vwap(upTo).volume, e.fillVolume, `${e._tag} at ${e.fillVolume}: a prefix of the trades`)
      assert.closeTo(e.avgPrice, vwap(upTo).price, precision, `${e._tag} at ${e.fillVolume}: the VWAP of those trades`)
    }
    assert.strictEqual(previous, size)
    assert.closeTo(fills.at(-1)!.avgPrice, all.price, precision, "Filled: the VWAP of every trade")
  })
