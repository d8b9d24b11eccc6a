/**
 * A sliding-window log: at most `limit` admitted requests in any window of
 * `windowMillis`. A request at `now` counts until `now + windowMillis`.
 * Rejected requests are not logged, so a client that waits Retry-After gets in.
 *
 * @internal
 */

export interface Admission {
  readonly log: ReadonlyArray<number>
  readonly admitted: boolean
  /** When rejected: how long until the oldest logged request leaves the window. */
  readonly retryAfterMillis: number
}

export const admit = (log: ReadonlyArray<number>, now: number, limit: number, windowMillis: number): Admission => {
  let start = 0
  while (start < log.length && log[start]! + windowMillis <= now) start++
  const live = start === 0 ? log : log.slice(start)
  if (live.length < limit) return { log: [...live, now], admitted: true, retryAfterMillis: 0 }
  const oldest = live[live.length - limit]!
  return { log: live, admitted: false, retryAfterMillis: oldest + windowMillis - now }
}

/** Retry-After in whole seconds (at least 1) for a wait of `millis`. */
export const retryAfterSeconds = (millis: number): number => Math.max(1, Math.ceil(millis / 1000))
