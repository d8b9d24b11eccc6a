/**
 * The trading day of an evaluation, cached: `TradingDay.startOf` and `next` go through the time-zone rules
 * (DST-aware DateTime arithmetic), far dearer than the rules themselves when an account is evaluated on every
 * quote. Both are constant for every `now` in `[start, next)`, so they are computed again only when `now`
 * leaves that interval (the boundary itself, `now === next`, belongs to the new day).
 *
 * @internal
 */
import { TradingDay } from "@tradeguard/realtime"

/** The trading day's bounds: `start <= now < next`. */
export interface Bounds {
  readonly start: number
  readonly next: number
}

/** A function of `now` giving the bounds of its trading day, remembering the last ones. */
export const cached = (config: TradingDay.Config): (now: number) => Bounds => {
  let last: Bounds | undefined
  return (now) => {
    if (last === undefined || now < last.start || now >= last.next) {
      last = { start: TradingDay.startOf(now, config), next: TradingDay.next(now, config) }
    }
    return last
  }
}
