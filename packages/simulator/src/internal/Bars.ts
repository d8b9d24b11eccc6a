/**
 * Aggregate bars from the price path (History/retrieveBars): bucket arithmetic
 * in UTC for each AggregateBarUnit, newest bar first, at most `limit`.
 *
 * @internal
 */
import { bidAt, type PathSpec, volumeAt } from "./PricePath.js"

export interface RawBar {
  readonly t: number
  readonly o: number
  readonly h: number
  readonly l: number
  readonly c: number
  readonly v: number
}

export interface BarQuery {
  readonly startMillis: number
  readonly endMillis: number
  /** 1 Second .. 6 Month. */
  readonly unit: 1 | 2 | 3 | 4 | 5 | 6
  readonly unitNumber: number
  readonly limit: number
  readonly includePartialBar: boolean
  readonly nowMillis: number
}

/** The gateway never returns more than this many bars. */
export const maxBars = 20_000
/** Price samples taken per bar at most (bars longer than this many ticks are sampled). */
const maxSamplesPerBar = 30

const SECOND = 1_000
const DAY = 86_400_000
const fixedUnitMillis: Record<number, number> = { 1: SECOND, 2: 60 * SECOND, 3: 3_600 * SECOND, 4: DAY, 5: 7 * DAY }
/** Weeks start on Sunday (CME weeks open Sunday evening); 1970-01-04 was a Sunday. */
const weekOrigin = 3 * DAY

const monthIndex = (millis: number): number => {
  const d = new Date(millis)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}
const monthStart = (index: number): number => Date.UTC(Math.floor(index / 12), index % 12, 1)

/** The start of the bucket holding `millis`. */
export const bucketStart = (unit: BarQuery["unit"], unitNumber: number, millis: number): number => {
  if (unit === 6) return monthStart(Math.floor(monthIndex(millis) / unitNumber) * unitNumber)
  const size = fixedUnitMillis[unit]! * unitNumber
  const origin = unit === 5 ? weekOrigin : 0
  return Math.floor((millis - origin) / size) * size + origin
}

/** The start of the bucket after the one starting at `start`. */
export const bucketEnd = (unit: BarQuery["unit"], unitNumber: number, start: number): number =>
  unit === 6 ? monthStart(monthIndex(start) + unitNumber) : start + fixedUnitMillis[unit]! * unitNumber

/** The start of the bucket before the one starting at `start`. */
const previousBucket = (unit: BarQuery["unit"], unitNumber: number, start: number): number =>
  unit === 6 ? monthStart(monthIndex(start) - unitNumber) : start - fixedUnitMillis[unit]! * unitNumber

/** A price pinned from `at` on (`price` undefined: the path again from `at`). */
export interface Pin {
  readonly at: number
  readonly price: number | undefined
}

/**
 * The bid at `millis`: the pin in force then (the last one at or before it), else the path as the market holds it
 * between ticks (the price of the latest tick at or before `millis`).
 */
const priceAt = (spec: PathSpec, tickSize: number, tickMillis: number, pins: ReadonlyArray<Pin>, millis: number): number => {
  const tick = Math.floor(millis / tickMillis) * tickMillis
  for (let i = pins.length - 1; i >= 0; i--) {
    const pin = pins[i]!
    if (pin.at <= millis) return pin.price ?? bidAt(spec, tickSize, tick)
  }
  return bidAt(spec, tickSize, tick)
}

/**
 * One bar of [from, to): the path sampled at its ticks (at most `maxSamplesPerBar`), every pin inside it, and its
 * last instant, so the close is the price at the bar's end (for the partial bar: the current price, a pin set an
 * instant ago included), as the gateway's close is its latest trade.
 */
const barOf = (
  spec: PathSpec,
  tickSize: number,
  tickMillis: number,
  pins: ReadonlyArray<Pin>,
  from: number,
  to: number
): RawBar => {
  const firstTick = Math.ceil(from / tickMillis)
  const lastTick = Math.max(firstTick, Math.ceil(to / tickMillis) - 1)
  const ticks = lastTick - firstTick + 1
  const step = Math.max(1, Math.ceil(ticks / maxSamplesPerBar))
  let v = 0
  const times: Array<number> = []
  for (let k = firstTick; k <= lastTick; k += step) {
    times.push(k * tickMillis)
    v += volumeAt(spec, k) * Math.min(step, lastTick - k + 1)
  }
  for (const pin of pins) if (pin.at >= from && pin.at < to) times.push(pin.at)
  times.push(Math.max(from, to - 1))
  times.sort((a, b) => a - b)
  let o = 0, h = -Infinity, l = Infinity, c = 0
  for (let i = 0; i < times.length; i++) {
    const p = priceAt(spec, tickSize, tickMillis, pins, times[i]!)
    if (i === 0) o = p
    if (p > h) h = p
    if (p < l) l = p
    c = p
  }
  return { t: from, o, h, l, c, v }
}

/** The bars of `query`, newest first; while a price is pinned (`pins`, oldest first) the bars show the pinned price. */
export const bars = (
  spec: PathSpec,
  tickSize: number,
  tickMillis: number,
  query: BarQuery,
  pins: ReadonlyArray<Pin> = []
): Array<RawBar> => {
  const { unit, unitNumber } = query
  const limit = Math.min(query.limit, maxBars)
  const end = Math.min(query.endMillis, query.nowMillis + 1)
  const out: Array<RawBar> = []
  if (end <= query.startMillis || limit <= 0) return out
  const first = bucketStart(unit, unitNumber, query.startMillis)
  let start = bucketStart(unit, unitNumber, end - 1)
  while (start >= first && out.length < limit) {
    const stop = bucketEnd(unit, unitNumber, start)
    const partial = stop > query.nowMillis
    if (!partial || query.includePartialBar) {
      out.push(barOf(spec, tickSize, tickMillis, pins, start, Math.min(stop, query.nowMillis + 1)))
    }
    start = previousBucket(unit, unitNumber, start)
  }
  return out
}
