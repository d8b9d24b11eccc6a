/**
 * Market data of one contract per tick: the touch from the price path (or a
 * pinned price), the crowd's prints, session statistics, quote deltas (only
 * the changed fields) and depth snapshots.
 *
 * @internal
 */
import type { HubEvents } from "@tradeguard/gateway"
import { Enums } from "@tradeguard/gateway"
import { ExchangeEvent } from "../ExchangeEvent.js"
import type { ContractOptions } from "../Options.js"
import type { Execution, Touch } from "./Matching.js"
import { bidAt, printsAt, roundToTick } from "./PricePath.js"
import { type FullQuote, type MarketRec, type State, ts } from "./State.js"

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
    quote: undefined,
    publishedTouch: undefined
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
    symbolName: `/${m.contract.symbolId.split(".").pop() ?? m.contract.name}`,
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
 * Publishes the fields that changed since the last quote (all of them the first time). A quote whose
 * prices did not change is not published and not kept: `m.quote` stays the last one sent, so a read
 * of the truth never shows a newer timestamp than the hubs delivered.
 */
export const publishQuote = (state: State, m: MarketRec, nowMillis: number): void => {
  const next = fullQuote(m, nowMillis)
  const previous = m.quote
  const delta: Record<string, unknown> = {}
  let changed = previous === undefined
  for (const [k, v] of Object.entries(next)) {
    if (previous === undefined || previous[k as keyof FullQuote] !== v) {
      delta[k] = v
      if (!untimed.has(k)) changed = true
    }
  }
  if (changed) {
    m.quote = next
    state.events.push(ExchangeEvent.QuoteUpdated({ contractId: m.contract.id, quote: delta as HubEvents.Quote }))
  }
}

/** The book: a Reset, then `levels` price levels per side of `perLevel` contracts. */
export const depthOf = (m: MarketRec, levels: number, perLevel: number, nowMillis: number): Array<HubEvents.DepthEntry> => {
  const tick = m.contract.tickSize
  const t = ts(nowMillis)
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
    out.push({
      timestamp: t,
      type: i === 0 ? Enums.DepthType.BestBid : Enums.DepthType.Bid,
      price: roundToTick(m.touch.bid - i * tick, tick),
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

/** Publishes the market at `nowMillis`: the crowd's prints of that tick, the quote delta, depth when the touch moved. */
export const publishMarket = (state: State, m: MarketRec, nowMillis: number): void => {
  const prints = printsAt(m.spec, Math.floor(nowMillis / state.config.tickMillis))
  if (prints.length > 0) {
    const trades = prints.map((p) => {
      const price = p.type === 0 ? m.touch.ask : m.touch.bid
      record(m, price, p.volume)
      return { symbolId: m.contract.symbolId, price, timestamp: ts(nowMillis), type: p.type, volume: p.volume }
    })
    state.events.push(ExchangeEvent.MarketTrades({ contractId: m.contract.id, trades }))
  }
  publishQuote(state, m, nowMillis)
  publishDepth(state, m, nowMillis)
}

/** Publishes the book if the touch moved since the last depth update. */
export const publishDepth = (state: State, m: MarketRec, nowMillis: number): void => {
  const last = m.publishedTouch
  if (last !== undefined && last.bid === m.touch.bid && last.ask === m.touch.ask) return
  m.publishedTouch = m.touch
  const { levels, perLevel } = state.config.liquidity
  state.events.push(ExchangeEvent.DepthUpdated({ contractId: m.contract.id, entries: depthOf(m, levels, perLevel, nowMillis) }))
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
    return { symbolId: m.contract.symbolId, price: e.price, timestamp: ts(nowMillis), type: side, volume: e.size }
  })
  state.events.push(ExchangeEvent.MarketTrades({ contractId: m.contract.id, trades }))
  publishQuote(state, m, nowMillis)
}
