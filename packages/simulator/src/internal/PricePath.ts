/**
 * The simulated price of an underlying as a pure function of the seed and the
 * time: a sum of smoothed value-noise octaves (1 s to 3 days) around a base
 * price. Being a function of time (not of the number of ticks taken) makes the
 * live quotes, the bars and every replay agree exactly for one seed.
 *
 * @internal
 */
import { hash32, hashString, unit } from "./Prng.js"

export interface PathSpec {
  readonly seed: number
  /** Contracts on the same underlying (NQ and MNQ) share a path. */
  readonly underlying: string
  readonly basePrice: number
}

/** Period in seconds and relative amplitude of each octave. */
const octaves: ReadonlyArray<readonly [period: number, amplitude: number]> = [
  [1, 0.00006],
  [15, 0.0003],
  [240, 0.0012],
  [3_600, 0.004],
  [6 * 3_600, 0.01],
  [3 * 86_400, 0.03]
]

const noise = (key: number, octave: number, index: number): number => unit(key, octave, index) * 2 - 1

const smoothNoise = (key: number, octave: number, x: number): number => {
  const i = Math.floor(x)
  const f = x - i
  const a = noise(key, octave, i)
  const b = noise(key, octave, i + 1)
  const s = f * f * (3 - 2 * f)
  return a + (b - a) * s
}

const keyOf = (spec: PathSpec): number => hash32(spec.seed, hashString(spec.underlying))

/** The unrounded mid price at `millis`. */
export const midAt = (spec: PathSpec, millis: number): number => {
  const key = keyOf(spec)
  const seconds = millis / 1000
  let r = 0
  for (let o = 0; o < octaves.length; o++) {
    const [period, amplitude] = octaves[o]!
    r += amplitude * smoothNoise(key, o, seconds / period)
  }
  return spec.basePrice * (1 + r)
}

const decimalsOf = (tickSize: number): number => {
  const known = decimals.get(tickSize)
  if (known !== undefined) return known
  const s = String(tickSize)
  const dot = s.indexOf(".")
  const n = dot === -1 ? 0 : s.length - dot - 1
  decimals.set(tickSize, n)
  return n
}
/** The decimals of each tick size seen (a handful): rounding to the tick is on every price the simulator makes. */
const decimals = new Map<number, number>()

/** Rounds a price to the contract's tick grid (and strips floating-point dust). */
export const roundToTick = (price: number, tickSize: number): number =>
  Number((Math.round(price / tickSize) * tickSize).toFixed(decimalsOf(tickSize)))

/** Whether `price` lies on the tick grid. */
export const isOnTick = (price: number, tickSize: number): boolean =>
  Math.abs(roundToTick(price, tickSize) - price) < tickSize * 1e-6

/** The best bid at `millis` (the ask is one tick above). */
export const bidAt = (spec: PathSpec, tickSize: number, millis: number): number =>
  roundToTick(midAt(spec, millis), tickSize)

/** Market prints of one tick: 0 to 2 trades, each a side (0 buy at the ask, 1 sell at the bid) and a volume. */
export const printsAt = (
  spec: PathSpec,
  tickIndex: number
): ReadonlyArray<{ readonly type: 0 | 1; readonly volume: number }> => {
  const key = keyOf(spec)
  const count = hash32(key, tickIndex, 1) % 3
  const out: Array<{ type: 0 | 1; volume: number }> = []
  for (let i = 0; i < count; i++) {
    const h = hash32(key, tickIndex, 2 + i)
    out.push({ type: (h & 1) as 0 | 1, volume: 1 + ((h >>> 1) % 5) })
  }
  return out
}

/** The traded volume of one tick (the sum of its prints). */
export const volumeAt = (spec: PathSpec, tickIndex: number): number =>
  printsAt(spec, tickIndex).reduce((n, p) => n + p.volume, 0)
