/**
 * One rate-limit window, as the gateway sees it: every call counts in the
 * window from the time it is known to have reached the gateway at the latest.
 *
 * - A call in flight (`take`n, not yet `complete`d) counts as if its time were
 *   +∞: it holds a slot until it completes.
 * - A completed call counts from its completion time (`complete(w, now)`), an
 *   upper bound of its arrival at the gateway, until `lengthMillis` later.
 * - `record(w, now)` is a call that counts from `now` (admission-time
 *   semantics: a caller that does not report completion).
 *
 * One more call fits at `now` when fewer than `limit` calls are live (in
 * flight, or completed less than `lengthMillis` ago). That is exact: for any
 * arrival time of each call at the gateway between its admission and its
 * completion, no half-open window `[s, s + lengthMillis)` of arrivals holds
 * more than `limit` calls (take the last-admitted of `limit + 1` arrivals in
 * such a window: when it was admitted, the other `limit` had arrived within
 * `lengthMillis` of it, so none of them had completed `lengthMillis` before,
 * i.e. all were live, and it could not have been admitted).
 *
 * Completions come in any order relative to admissions, but always in time
 * order (they are stamped with the clock when they happen, never backwards),
 * so the completed calls are a ring buffer of non-decreasing times and the
 * test is O(1): with `inFlight` calls in flight and `count` completed ones
 * logged, the `inFlight + count - limit + 1` oldest completed must have left
 * the window.
 *
 * Pure and synchronous (no Effect): the RateLimiter shell passes the time.
 *
 * @internal
 */

export interface SlidingWindow {
  readonly limit: number
  readonly lengthMillis: number
  /** Completion times from `head` on, non-decreasing (a ring that grows up to `limit` slots as needed). */
  times: Float64Array
  head: number
  count: number
  /** Calls taken and not completed yet: each holds a slot. */
  inFlight: number
  /** The latest completion (times never go backwards, even if the clock does). */
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
  inFlight: 0,
  last: Number.NEGATIVE_INFINITY,
  pausedUntil: Number.NEGATIVE_INFINITY
})

/** The `n`-th oldest logged completion (1-based). */
const nth = (w: SlidingWindow, n: number): number => w.times[(w.head + n - 1) % w.times.length]

/**
 * One more call at `now` keeps every window within `limit` (the window's
 * limit by default; a lower one for a caller that may use only part of it,
 * e.g. a read that must leave the enforcement reserve free).
 */
export const canAdmit = (w: SlidingWindow, now: number, limit: number = w.limit): boolean => {
  if (now < w.pausedUntil) return false
  // how many of the logged completions must have left the window
  const excess = w.inFlight + w.count - limit + 1
  return excess <= 0 || (excess <= w.count && now - nth(w, excess) >= w.lengthMillis)
}

/**
 * The earliest time (>= `now`) at which one more call fits within `limit`
 * (default: the window's), if no call completes meanwhile; +∞ while `limit`
 * calls are in flight (a completion makes it finite).
 */
export const nextFree = (w: SlidingWindow, now: number, limit: number = w.limit): number => {
  const excess = w.inFlight + w.count - limit + 1
  const slot = excess <= 0
    ? now
    : excess > w.count
    ? Number.POSITIVE_INFINITY
    : Math.max(now, nth(w, excess) + w.lengthMillis)
  return Math.max(slot, w.pausedUntil)
}

/** A call starts: it holds a slot until {@link complete}. Call only after {@link canAdmit}. */
export const take = (w: SlidingWindow): void => {
  w.inFlight++
}

/** A call taken with {@link take} completed at `now`: it counts until `now + lengthMillis`. */
export const complete = (w: SlidingWindow, now: number): void => {
  if (w.inFlight > 0) w.inFlight--
  log(w, now)
}

/** A call taken with {@link take} was never sent: its slot is free at once. */
export const cancel = (w: SlidingWindow): void => {
  if (w.inFlight > 0) w.inFlight--
}

/** A call at `now` that counts from `now` (no completion reported). Call only after {@link canAdmit}. */
export const record = (w: SlidingWindow, now: number): void => log(w, now)

const log = (w: SlidingWindow, now: number): void => {
  const t = now > w.last ? now : w.last
  w.last = t
  // forget completions that left the window: the ring holds at most what a window holds
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

/** Calls that count at `now`: in flight, or completed in `(now - lengthMillis, now]`. */
export const usage = (w: SlidingWindow, now: number): number => {
  let used = w.inFlight
  for (let i = 0; i < w.count; i++) {
    if (now - w.times[(w.head + i) % w.times.length] < w.lengthMillis) used++
  }
  return used
}

/** Blocks admissions until `until` (never shortens an earlier pause). */
export const pause = (w: SlidingWindow, until: number): void => {
  if (until > w.pausedUntil) w.pausedUntil = until
}
