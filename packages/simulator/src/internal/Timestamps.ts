/**
 * Timestamps as the live gateway writes them: the precision varies with the
 * channel (recorded on the live service): REST models carry 3 to 6
 * fractional digits, user-hub events 6 or 7, quotes, market prints and depth
 * milliseconds, bars none; the offset is always `+00:00`.
 *
 * Everything is a pure function of the seed and the instant (and a key, e.g.
 * an order id, for the digit count), never of wall time: the same seed gives
 * the same strings. The sub-millisecond digits are one 7-digit value per
 * instant, so every precision of one instant is a truncation of the same
 * string, and `Models.timestampToMillis` gives back the millisecond.
 *
 * @internal
 */
import { hash32 } from "./Prng.js"

/** The channels whose timestamps differ in precision. */
export type Channel = "rest" | "hub" | "market" | "bar"

/** The stamp of a depth snapshot entry on the live service: not a time. */
export const noTime = "0001-01-01T00:00:00+00:00"

/**
 * `millis` with `digits` (0 to 7) fractional digits and `+00:00`. Digits
 * beyond the millisecond come from the seed and the instant.
 */
export const format = (seed: number, millis: number, digits: number): string => {
  const full = fullOf(seed, millis)
  return digits <= 0 ? `${full.slice(0, 19)}+00:00` : `${full.slice(0, 20 + Math.min(7, digits))}+00:00`
}

/** `YYYY-MM-DDTHH:mm:ss.fffffff` of an instant: the same instants come again and again (an order's, a tick's). */
const fullOf = (seed: number, millis: number): string => {
  if (seed !== cachedSeed || formatted.size >= 4096) {
    cachedSeed = seed
    formatted.clear()
  }
  const known = formatted.get(millis)
  if (known !== undefined) return known
  const iso = new Date(millis).toISOString() // YYYY-MM-DDTHH:mm:ss.sssZ
  const sub = String(hash32(seed, millis, 0x5eed) % 10_000).padStart(4, "0")
  const full = `${iso.slice(0, 23)}${sub}`
  formatted.set(millis, full)
  return full
}
let cachedSeed: number | undefined
const formatted = new Map<number, string>()

/** The number of fractional digits of a timestamp on `channel` (`key` picks among the channel's precisions). */
export const digitsOf = (seed: number, channel: Channel, millis: number, key: number): number => {
  switch (channel) {
    case "rest":
      return 3 + (hash32(seed, millis, key, 1) % 4)
    case "hub":
      return 6 + (hash32(seed, millis, key, 2) % 2)
    case "market":
      return 3
    case "bar":
      return 0
  }
}

/** A timestamp of `channel` at `millis`. */
export const stamp = (seed: number, channel: Channel, millis: number, key = 0): string =>
  format(seed, millis, digitsOf(seed, channel, millis, key))
