/**
 * The quote pump: publishes quotes at a controlled rate on the simulator's
 * exchange (`Exchange.publishAll` of `QuoteUpdated` events, which the market
 * hub sends to every subscriber as `GatewayQuote`), spread round-robin over
 * the contracts, each contract's bid alternating between its level and one
 * tick under it (ask one tick above the bid).
 *
 * The same fiber moves a contract's price on request (`move`:
 * `Exchange.setPrice`, which publishes the simulator's own quote of the new
 * touch and meets resting orders at it), so a quote of the old level can
 * never be published after the move: the pump's quotes follow the new level
 * from the next batch on. `move` stamps the time (now()) just
 * before the simulator publishes.
 *
 * @internal
 */
import { Exchange, ExchangeEvent, type Options } from "@tradeguard/simulator"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { now } from "./clock.js"
import { priceOf } from "./contracts.js"

/** A running pump. */
export interface Pump {
  /** Moves contract `index` to a bid of `ticks` (in the pump's fiber); succeeds with the time just before the publish. */
  readonly move: (index: number, ticks: number) => Effect.Effect<number>
  /** Quotes published by the pump so far, and over how many seconds. */
  readonly published: () => { readonly quotes: number; readonly seconds: number }
}

const stamp = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00")

/**
 * Starts the pump for as long as the scope lives: `rate` quotes per second
 * over `contracts`, whose bids start at `levels` (whole ticks).
 */
export const start = (options: {
  readonly exchange: Exchange.Service
  readonly contracts: ReadonlyArray<Options.ContractOptions>
  readonly levels: ReadonlyArray<number>
  readonly rate: number
}): Effect.Effect<Pump, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { contracts, exchange, rate } = options
    const levels = [...options.levels]
    const moves: Array<{ readonly index: number; readonly ticks: number; readonly done: Deferred.Deferred<number> }> = []
    const started = now()
    let published = 0
    let turn = 0
    // At most 50 ms of quotes in one batch: a stalled loop catches up without one huge burst.
    const maxBatch = Math.max(1, Math.ceil(rate / 20))

    const quoteOf = (index: number, jitter: number): ExchangeEvent.ExchangeEvent => {
      const c = contracts[index]!
      const bid = priceOf(c, levels[index]! - jitter)
      const at = stamp(Date.now())
      return ExchangeEvent.ExchangeEvent.QuoteUpdated({
        contractId: c.id,
        quote: {
          symbol: c.symbolId,
          contract: c.id,
          bestBid: bid,
          bestAsk: priceOf(c, levels[index]! - jitter + 1),
          lastPrice: bid,
          lastUpdated: at,
          timestamp: at
        }
      })
    }

    const step = Effect.gen(function*() {
      const due = Math.min(maxBatch, Math.floor(((now() - started) * rate) / 1000) - published)
      if (due > 0) {
        const batch: Array<ExchangeEvent.ExchangeEvent> = []
        for (let i = 0; i < due; i++, turn++) {
          batch.push(quoteOf(turn % contracts.length, Math.floor(turn / contracts.length) % 2))
        }
        yield* exchange.publishAll(batch)
        published += due
      }
      while (moves.length > 0) {
        const m = moves.shift()!
        levels[m.index] = m.ticks
        const at = now()
        yield* Effect.orDie(exchange.setPrice(contracts[m.index]!.id, priceOf(contracts[m.index]!, m.ticks)))
        yield* Deferred.succeed(m.done, at)
      }
      yield* Effect.sleep("1 millis")
    })
    yield* Effect.forkScoped(Effect.forever(step))

    return {
      move: (index, ticks) =>
        Effect.flatMap(Deferred.make<number>(), (done) =>
          Effect.zipRight(Effect.sync(() => moves.push({ index, ticks, done })), Deferred.await(done))),
      published: () => ({ quotes: published, seconds: (now() - started) / 1000 })
    }
  })
