/**
 * A sliding-window log of admission times: a ring buffer holding the last
 * `limit` admissions. One more admission at `now` fits when fewer than `limit`
 * admissions happened, or when the oldest of the last `limit` lies at least
 * `lengthMillis` in the past. That is exactly "no half-open window
 * `[s, s + lengthMillis)` ever holds more than `limit` admissions": any
 * `limit + 1` consecutive admissions span at least `lengthMillis`.
 *
 * Pure and synchronous (no Effect): the RateLimiter shell passes the time.
 *
 * @internal
 */

export interface SlidingWindow {
  readonly limit: number
  readonly lengthMillis: number
  /** Admission times from `head` on (a ring that grows up to `limit` slots as needed). */
  times: Float64Array
  head: number
  count: number
  /** The latest admission (times never go backwards, even if the clock does). */
  last: number
  /** No admission before this time (a 429's Retry-After). */
  pausedUntil: number
}

export const make = (limit: number, lengthMillis: number): SlidingWindow => ({
  limit,
  lengthMillis,
  times: new Float64Array(Math.min(limit, 64)),
  head: 0,
  count: 0,
  last: Number.NEGATIVE_INFINITY,
  pausedUntil: Number.NEGATIVE_INFINITY
})

/** One more admission at `now` keeps every window within the limit. */
export const canAdmit = (w: SlidingWindow, now: number): boolean =>
  now >= w.pausedUntil && (w.count < w.limit || now - w.times[w.head] >= w.lengthMillis)

/** The earliest time (>= `now`) at which one more admission fits. */
export const nextFree = (w: SlidingWindow, now: number): number => {
  const slot = w.count < w.limit ? now : Math.max(now, w.times[w.head] + w.lengthMillis)
  return Math.max(slot, w.pausedUntil)
}

/** Records an admission at `now`. Call only after {@link canAdmit}. */
export const record = (w: SlidingWindow, now: number): void => {
  const t = now > w.last ? now : w.last
  w.last = t
  // forget admissions that left the window: the ring holds at most what a window holds
  while (w.count > 0 && t - w.times[w.head] >= w.lengthMillis) {
    w.head = (w.head + 1) % w.times.length
    w.count--
  }
  if (w.count === w.limit) {
    w.times[w.head] = t // only reached when canAdmit was not checked: keep the newest `limit`
    w.head = (w.head + 1) % w.times.length
    return
  }
  if (w.count === w.times.length) grow(w)
  w.times[(w.head + w.count) % w.times.length] = t
  w.count++
}

/** Doubles the ring (up to `limit`), oldest first. */
const grow = (w: SlidingWindow): void => {
  const size = w.times.length
  const next = new Float64Array(Math.min(w.limit, size * 2))
  for (let i = 0; i < w.count; i++) next[i] = w.times[(w.head + i) % size]
  w.times = next
  w.head = 0
}

/** Admissions within the window ending at `now`, i.e. in `(now - lengthMillis, now]`. */
export const usage = (w: SlidingWindow, now: number): number => {
  let used = 0
  for (let i = 0; i < w.count; i++) {
    if (now - w.times[(w.head + i) % w.times.length] < w.lengthMillis) used++
  }
  return used
}

/** Blocks admissions until `until` (never shortens an earlier pause). */
export const pause = (w: SlidingWindow, until: number): void => {
  if (until > w.pausedUntil) w.pausedUntil = until
}
