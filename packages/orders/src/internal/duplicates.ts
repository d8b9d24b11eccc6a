/**
 * The idempotency decision of `submit`, pure: what a key that was seen before means.
 *
 * @internal
 */
import type { Idempotency } from "../OrderConfig.js"
import type { RecordedOutcome } from "../OrderIntent.js"
import { IdempotencyKeyReused } from "../OrderIntent.js"

/** What the cache (the store, later) remembers of an intent. */
export interface Remembered {
  readonly key: string
  readonly fingerprint: string
  readonly outcome: RecordedOutcome
  /** When the intent was submitted (ms, the shell's Clock). */
  readonly submittedAt: number
}

/** The decision for one submission. */
export type Decision =
  | { readonly _tag: "New" }
  | { readonly _tag: "Duplicate"; readonly existing: RecordedOutcome }
  | { readonly _tag: "Reused"; readonly error: IdempotencyKeyReused }

/** Whether `remembered` is still inside the TTL at `now` (`cacheTTL` is in SECONDS). */
export const isLive = (remembered: Remembered, now: number, config: Idempotency): boolean =>
  now - remembered.submittedAt < config.cacheTTL * 1000

/**
 * Same key + same fingerprint within `cacheTTL` → Duplicate (the existing outcome, no request); same key +
 * a different fingerprint within it → Reused (`IdempotencyKeyReused`); beyond the TTL, or nothing
 * remembered, or `idempotency.enabled: false` → New.
 */
export const decide = (
  remembered: Remembered | undefined,
  submission: { readonly key: string; readonly fingerprint: string },
  now: number,
  config: Idempotency
): Decision => {
  if (!config.enabled || remembered === undefined || remembered.key !== submission.key) return { _tag: "New" }
  if (!isLive(remembered, now, config)) return { _tag: "New" }
  if (remembered.fingerprint === submission.fingerprint) return { _tag: "Duplicate", existing: remembered.outcome }
  return {
    _tag: "Reused",
    error: new IdempotencyKeyReused({ key: submission.key, fingerprint: submission.fingerprint, existingFingerprint: remembered.fingerprint })
  }
}
