/**
 * The pure core of SessionConflicts: the record of conflicts and the backoff
 * arithmetic, no Effect, no clock (times are passed in).
 */

/** What a conflict leads to (`authentication.sessionConflict`). */
export type Mode = "reclaim" | "backoff"

/** The backoff's figures, in milliseconds. */
export interface Policy {
  /** Conflicts older than this no longer count toward the threshold. */
  readonly windowMillis: number
  /** The conflict (counted within the window) from which logins wait. */
  readonly threshold: number
  /** The wait after the `threshold`-th conflict; each further one doubles it. */
  readonly firstWaitMillis: number
  /** The longest wait. */
  readonly maxWaitMillis: number
}

/** One conflict: when it was reported and what happened. */
export interface Conflict {
  readonly at: number
  readonly detail: string
}

/** Everything recorded so far. */
export interface Record {
  /** Every conflict since start. */
  readonly count: number
  readonly last: Conflict | undefined
  /** The times of the conflicts still within the window, oldest first. */
  readonly recent: ReadonlyArray<number>
  /** Until when logins wait (epoch millis), when a backoff was ever ordered. */
  readonly backingOffUntil: number | undefined
}

/** Nothing recorded yet. */
export const empty: Record = { count: 0, last: undefined, recent: [], backingOffUntil: undefined }

/** The times of `recent` still within the window at `now`. */
export const within = (policy: Policy, recent: ReadonlyArray<number>, now: number): ReadonlyArray<number> =>
  recent.filter((t) => now - t < policy.windowMillis)

/**
 * How long the next login waits once `inWindow` conflicts fall within the
 * window: nothing below the threshold, then `firstWait * 2^(inWindow - threshold)`, capped.
 */
export const waitFor = (policy: Policy, inWindow: number): number =>
  inWindow < policy.threshold
    ? 0
    : Math.min(policy.firstWaitMillis * 2 ** Math.min(inWindow - policy.threshold, 30), policy.maxWaitMillis)

/** What recording one conflict decided. */
export interface Outcome {
  readonly record: Record
  /** How many conflicts now fall within the window (this one included). */
  readonly inWindow: number
  /** How long logins now wait (0: none; always 0 under `reclaim`). */
  readonly waitMillis: number
}

/** Records a conflict at `at`; under `backoff` it may order a wait. */
export const record = (policy: Policy, mode: Mode, r: Record, at: number, detail: string): Outcome => {
  const recent = [...within(policy, r.recent, at), at]
  const waitMillis = mode === "backoff" ? waitFor(policy, recent.length) : 0
  const until = waitMillis > 0 ? Math.max(at + waitMillis, r.backingOffUntil ?? 0) : r.backingOffUntil
  return {
    record: { count: r.count + 1, last: { at, detail }, recent, backingOffUntil: until },
    inWindow: recent.length,
    waitMillis
  }
}

/** Whether logins wait at `now`, and until when. */
export const backingOff = (r: Record, now: number): number | undefined =>
  r.backingOffUntil !== undefined && now < r.backingOffUntil ? r.backingOffUntil : undefined
