/**
 * How orders meet the simulated book: a taker sweeps price levels of
 * `perLevel` contracts each from the best price outward; a resting limit order
 * fills `perTick` contracts per price tick while the market is at or through
 * its price; stops trigger when the market reaches them.
 *
 * @internal
 */
import type { Side } from "./Ledger.js"

export interface Touch {
  readonly bid: number
  readonly ask: number
}

export interface Execution {
  readonly price: number
  readonly size: number
}

const round = (price: number, tickSize: number): number => {
  const decimals = Math.max(0, -Math.floor(Math.log10(tickSize)) + 2)
  return Number(price.toFixed(decimals))
}

/**
 * Takes `size` from the book: a buy from the ask upward, a sell from the bid
 * downward, `perLevel` per level, never past `limit` when given. Returns the
 * executions (possibly less than `size` when the limit stops the sweep).
 */
export const sweep = (
  side: Side,
  size: number,
  touch: Touch,
  tickSize: number,
  perLevel: number,
  limit?: number
): Array<Execution> => {
  const out: Array<Execution> = []
  let remaining = size
  let price = side === 0 ? touch.ask : touch.bid
  const step = side === 0 ? tickSize : -tickSize
  const within = (p: number) => limit === undefined || (side === 0 ? p <= limit + 1e-9 : p >= limit - 1e-9)
  while (remaining > 0 && within(price)) {
    const take = Math.min(remaining, Math.max(1, perLevel))
    out.push({ price, size: take })
    remaining -= take
    price = round(price + step, tickSize)
  }
  return out
}

/** A limit order that would trade now (buy at or above the ask, sell at or below the bid). */
export const isMarketable = (side: Side, limitPrice: number, touch: Touch): boolean =>
  side === 0 ? touch.ask <= limitPrice + 1e-9 : touch.bid >= limitPrice - 1e-9

/** A stop is reached: a buy stop when the ask rises to it, a sell stop when the bid falls to it. */
export const isStopReached = (side: Side, stopPrice: number, touch: Touch): boolean =>
  side === 0 ? touch.ask >= stopPrice - 1e-9 : touch.bid <= stopPrice + 1e-9

/** A trailing stop's new trigger: follows the market by `distance`, never loosening. */
export const trail = (side: Side, current: number | undefined, distance: number, touch: Touch): number => {
  const candidate = side === 1 ? touch.bid - distance : touch.ask + distance
  if (current === undefined) return candidate
  return side === 1 ? Math.max(current, candidate) : Math.min(current, candidate)
}
