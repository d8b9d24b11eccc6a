/**
 * Market data of one contract per tick: the touch from the price path (or a
 * pinned price), the crowd's prints, session statistics, quote deltas (only
 * the changed fields) and depth snapshots.
 *
 * @internal
 */
import type { HubEvents } from "@tradeguard/gateway"
import { Enums } from "@tradeguard/gateway"
import { ExchangeEvent, type MarketTrade, type Quote } from "../ExchangeEvent.js"
import type { ContractOptions } from "../Options.js"
import type { Execution, Touch } from "./Matching.js"
import { bidAt, printsAt, roundToTick } from "./PricePath.js"
import { type FullQuote, type MarketRec, type State } from "./State.js"
import { format, noTime } from "./Timestamps.js"

/** Market data is stamped to the millisecond (quotes, prints, depth), as on the live service. */
const ts = (millis: number): string => format(0, millis, 3)

const touchAt = (market: MarketRec, nowMillis: number): Touch => {
  const tick = market.contract.tickSize
  const bid = market.pinned ?? bidAt(market.spec, tick, nowMillis)
  return { bid, ask: roundToTick(bid + tick, tick) }
}

/** A market at `nowMillis`, before its first quote is published. */
export const makeMarket = (contract: ContractOptions, seed: number, nowMillis: number): MarketRec => {
  const spec = { seed, underlying: contract.underlying, basePrice: contract.basePrice }
  const partial: MarketRec = {
    contract,
    spec,
    touch: { bid: 0, ask: 0 },
    lastPrice: 0,
    open: 0,
    high: 0,
    low: 0,
    volume: 0,
    pinned: undefined,
    pins: [],
    quote: undefined,
    publishedTouch: undefined,
    publishedLow: undefined,
    publishedHigh: undefined
  }
  const touch = touchAt(partial, nowMillis)
  partial.touch = touch
  partial.lastPrice = touch.bid
  partial.open = touch.bid
  partial.high = touch.ask
  partial.low = touch.bid
  return partial
}

const fullQuote = (m: MarketRec, nowMillis: number): FullQuote => {
  const change = roundToTick(m.lastPrice - m.open, m.contract.tickSize)
  return {
    symbol: m.contract.symbolId,
    contract: m.contract.id,
    // The product's root: `/NQ` for `CON.F.US.ENQ.Z26` (named NQZ6).
    symbolName: `/${m.contract.name.length > 2 ? m.contract.name.slice(0, -2) : m.contract.name}`,
    lastPrice: m.lastPrice,
    bestBid: m.touch.bid,
    bestAsk: m.touch.ask,
    change,
    changePercent: Number(((change / m.open) * 100).toFixed(4)),
    open: m.open,
    high: m.high,
    low: m.low,
    volume: m.volume,
    lastUpdated: ts(nowMillis),
    timestamp: ts(nowMillis)
  }
}

/** The current complete quote (for a new subscriber). */
export const quoteOf = (m: MarketRec, nowMillis: number): FullQuote => m.quote ?? fullQuote(m, nowMillis)

const untimed = new Set(["lastUpdated", "timestamp"])

/**
 * Publishes the fields that changed since the last quote (all of them the first time); `symbol` and
 * `contract` ride along on every message, as on the live service. A quote whose prices did not change is
 * not published and not kept: `m.quote` stays the last one sent, so a read of the truth never shows a
 * newer timestamp than the hubs delivered.
 */
export const publishQuote = (state: State, m: MarketRec, nowMillis: number): void => {
  const next = fullQuote(m, nowMillis)
  const previous = m.quote
  const delta: Record<string, unknown> = { symbol: next.symbol, contract: next.contract }
  let changed = previous === undefined
  for (const [k, v] of Object.entries(next)) {
    if (previous === undefined || previous[k as keyof FullQuote] !== v) {
      delta[k] = v
      if (!untimed.has(k)) changed = true
    }
  }
  if (changed) {
    m.quote = next
    state.events.push(ExchangeEvent.QuoteUpdated({ contractId: m.contract.id, quote: delta as Quote }))
  }
}

/** The book: a Reset, then `levels` price levels per side of `perLevel` contracts (the best ones typed 3 / 4). */
export const depthOf = (m: MarketRec, levels: number, perLevel: number, nowMillis: number): Array<HubEvents.DepthEntry> =>
  bookOf(m, levels, perLevel, ts(nowMillis))

/**
 * The book a new depth subscriber gets first: deep (`snapshotLevels` per
 * side, about 2,500 entries by default) and every entry stamped
 * `0001-01-01T00:00:00+00:00`, as on the live service (not a time).
 */
export const depthSnapshotOf = (m: MarketRec, snapshotLevels: number, perLevel: number): Array<HubEvents.DepthEntry> =>
  bookOf(m, snapshotLevels, perLevel, noTime)

const bookOf = (m: MarketRec, levels: number, perLevel: number, t: string): Array<HubEvents.DepthEntry> => {
  const tick = m.contract.tickSize
  const out: Array<HubEvents.DepthEntry> = [
    { timestamp: t, type: Enums.DepthType.Reset, price: 0, volume: 0, currentVolume: 0 }
  ]
  for (let i = 0; i < levels; i++) {
    out.push({
      timestamp: t,
      type: i === 0 ? Enums.DepthType.BestAsk : Enums.DepthType.Ask,
      price: roundToTick(m.touch.ask + i * tick, tick),
      volume: perLevel,
      currentVolume: perLevel
    })
    const bid = roundToTick(m.touch.bid - i * tick, tick)
    if (bid <= 0) continue // a deep book of a cheap contract stops at the first tick
    out.push({
      timestamp: t,
      type: i === 0 ? Enums.DepthType.BestBid : Enums.DepthType.Bid,
      price: bid,
      volume: perLevel,
      currentVolume: perLevel
    })
  }
  return out
}

const record = (m: MarketRec, price: number, volume: number): void => {
  m.lastPrice = price
  m.volume += volume
  if (price > m.high) m.high = price
  if (price < m.low) m.low = price
}

/** Moves the market to the touch at `millis` (the pinned price or the path). Publishes nothing. */
export const moveTo = (m: MarketRec, millis: number): void => {
  m.touch = touchAt(m, millis)
  if (m.touch.ask > m.high) m.high = m.touch.ask
  if (m.touch.bid < m.low) m.low = m.touch.bid
}

const print = (m: MarketRec, price: number, type: 0 | 1, volume: number, nowMillis: number): MarketTrade => ({
  symbolId: m.contract.symbolId,
  contractId: m.contract.id,
  price,
  timestamp: ts(nowMillis),
  type,
  volume
})

/** Publishes the market at `nowMillis`: the crowd's prints of that tick, the quote delta, depth when it changed. */
export const publishMarket = (state: State, m: MarketRec, nowMillis: number): void => {
  const prints = printsAt(m.spec, Math.floor(nowMillis / state.config.tickMillis))
  const trades = prints.map((p) => {
    const price = p.type === 0 ? m.touch.ask : m.touch.bid
    record(m, price, p.volume)
    return print(m, price, p.type, p.volume, nowMillis)
  })
  if (trades.length > 0) state.events.push(ExchangeEvent.MarketTrades({ contractId: m.contract.id, trades }))
  publishQuote(state, m, nowMillis)
  publishDepth(state, m, nowMillis, trades)
}

/**
 * Publishes what changed in depth: the book (a Reset, then the levels) if
 * the touch moved since the last depth update, a Trade (5) entry per print,
 * and Low (7) / High (8) when the session's range widened.
 */
export const publishDepth = (
  state: State,
  m: MarketRec,
  nowMillis: number,
  prints: ReadonlyArray<{ readonly price: number; readonly volume: number }> = []
): void => {
  const t = ts(nowMillis)
  const last = m.publishedTouch
  const { levels, perLevel } = state.config.liquidity
  const entries: Array<HubEvents.DepthEntry> = last !== undefined && last.bid === m.touch.bid && last.ask === m.touch.ask
    ? []
    : depthOf(m, levels, perLevel, nowMillis)
  m.publishedTouch = m.touch
  for (const p of prints) {
    entries.push({ timestamp: t, type: Enums.DepthType.Trade, price: p.price, volume: p.volume, currentVolume: p.volume })
  }
  if (m.publishedLow !== undefined && m.low < m.publishedLow) {
    entries.push({ timestamp: t, type: Enums.DepthType.Low, price: m.low, volume: 0, currentVolume: 0 })
  }
  if (m.publishedHigh !== undefined && m.high > m.publishedHigh) {
    entries.push({ timestamp: t, type: Enums.DepthType.High, price: m.high, volume: 0, currentVolume: 0 })
  }
  m.publishedLow = m.low
  m.publishedHigh = m.high
  if (entries.length > 0) state.events.push(ExchangeEvent.DepthUpdated({ contractId: m.contract.id, entries }))
}

/** Our own executions as market prints (type 0 when we bought). */
export const printExecutions = (
  state: State,
  m: MarketRec,
  side: 0 | 1,
  executions: ReadonlyArray<Execution>,
  nowMillis: number
): void => {
  if (executions.length === 0) return
  const trades = executions.map((e) => {
    record(m, e.price, e.size)
    return print(m, e.price, side, e.size, nowMillis)
  })
  state.events.push(ExchangeEvent.MarketTrades({ contractId: m.contract.id, trades }))
  publishQuote(state, m, nowMillis)
  publishDepth(state, m, nowMillis, trades)
}
