/**
 * The periodic safety net's schedule (pure): which accounts a tick
 * reconciles, so that each account is reconciled about every
 * `periodicIntervalMs` while the runs are spread over the interval, a few
 * accounts at a time: one reconciliation costs about four reads per account,
 * so a full run of many accounts at once would take a large part of the rate
 * limit and crowd out everything else.
 *
 * @internal
 */

/** At most this many accounts per periodic run. */
export const BATCH = 5

export interface Plan {
  /** Time between ticks. */
  readonly tickMs: number
  /** Accounts per tick. */
  readonly batch: number
}

/**
 * `accounts` accounts reconciled every `intervalMs`: `batch` (up to {@link BATCH}) per tick, a
 * tick every `batch × intervalMs / accounts` (at most half the interval, so that an account
 * another trigger reconciled meanwhile is skipped), and never sooner than every
 * `batch × minIntervalMs`: periodic runs take at most one run slot in `batch`, and read about
 * four times per account and `minIntervalMs`. With more than `intervalMs / minIntervalMs`
 * accounts a round takes longer than the interval. No account known yet (no run has completed):
 * look again after `minIntervalMs`.
 */
export const plan = (accounts: number, intervalMs: number, minIntervalMs: number): Plan => {
  if (accounts === 0) return { tickMs: Math.max(1000, minIntervalMs), batch: 1 }
  const batch = Math.min(accounts, BATCH)
  const spread = Math.min((batch * intervalMs) / accounts, intervalMs / 2)
  return { tickMs: Math.max(1000, batch * minIntervalMs, Math.floor(spread)), batch }
}

/**
 * The accounts the tick at `now` reconciles: the `batch` least recently reconciled ones, when
 * any account would come due later than `intervalMs` otherwise (its age plus the ticks until
 * its turn, taking them `batch` at a time, oldest first); none when every account is fresh enough.
 * An account never reconciled is the oldest.
 */
export const due = (
  accounts: ReadonlyArray<number>,
  syncedAt: ReadonlyMap<number, number>,
  now: number,
  intervalMs: number,
  p: Plan
): ReadonlyArray<number> => {
  const byAge = accounts
    .map((id) => ({ id, age: now - (syncedAt.get(id) ?? -Infinity) }))
    .sort((a, b) => b.age - a.age || a.id - b.id)
  const late = byAge.some((a, rank) => a.age + (Math.floor(rank / p.batch) + 1) * p.tickMs > intervalMs)
  return late ? byAge.slice(0, p.batch).map((a) => a.id) : []
}
