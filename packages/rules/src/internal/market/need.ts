/**
 * The pure core of MarketData's `need`: which quote subscriptions to add and
 * drop, and when a failed contract lookup may be tried again (backoff per
 * contract, reset by a success).
 *
 * @internal
 */

/** What to subscribe and unsubscribe to go from `current` to `wanted`, each ascending. */
export interface Diff {
  readonly add: ReadonlyArray<string>
  readonly drop: ReadonlyArray<string>
}

/** The subscriptions to add (wanted, not held) and to drop (held, no longer wanted). */
export const diff = (current: ReadonlySet<string>, wanted: ReadonlySet<string>): Diff => ({
  add: [...wanted].filter((id) => !current.has(id)).sort(),
  drop: [...current].filter((id) => !wanted.has(id)).sort()
})

/** The delays after 1, 2, 3, ... failed lookups of a contract in a row (the last repeats). */
export const defaultLookupBackoff: ReadonlyArray<number> = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000]

/** A contract whose lookup failed: how often in a row, and from when it may be tried again. */
export interface Failure {
  readonly failures: number
  readonly retryAt: number
}

/** The delay after `failures` failures in a row (`failures` >= 1). */
export const delayAfter = (failures: number, backoff: ReadonlyArray<number> = defaultLookupBackoff): number =>
  backoff.length === 0 ? 0 : backoff[Math.min(failures, backoff.length) - 1]

/** The failure record after one more failure at `now`. */
export const failed = (
  prev: Failure | undefined,
  now: number,
  backoff: ReadonlyArray<number> = defaultLookupBackoff
): Failure => {
  const failures = (prev?.failures ?? 0) + 1
  return { failures, retryAt: now + delayAfter(failures, backoff) }
}

/** Whether a contract may be looked up at `now`: never failed, or its backoff is over. */
export const isDue = (failure: Failure | undefined, now: number): boolean =>
  failure === undefined || now >= failure.retryAt
