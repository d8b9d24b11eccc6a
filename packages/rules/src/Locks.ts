/**
 * Locks: a durable per-account state (rule, reason, start, end) kept in the
 * store. While an account is locked, the engine cancels any new working
 * order and flattens any new position at once, whichever front-end opened
 * it. A lock ends at its end (`NextTradingDay`: the next trading-day start,
 * `Until`: its time) or by {@link Service.unlock} (logged and audited).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { ActiveLock } from "./AccountView.js"
import type { RuleName } from "./RiskConfig.js"
import type { LockEnd } from "./Verdict.js"

/**
 * The locks.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Locks the account (replacing a lock in force when this one ends later). */
  readonly lock: (accountId: number, rule: RuleName | "manual", reason: string, end: LockEnd) => Effect.Effect<ActiveLock>
  /** Ends the account's lock now; false when none was in force. Logged and audited. */
  readonly unlock: (accountId: number, reason: string) => Effect.Effect<boolean>
  /** The account's lock in force now, if any. */
  readonly active: (accountId: number) => Effect.Effect<ActiveLock | undefined>
  /** Every lock in force now, by account. */
  readonly all: Effect.Effect<ReadonlyMap<number, ActiveLock>>
}

/**
 * The locks' tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Locks extends Context.Tag("@tradeguard/rules/Locks")<Locks, Service>() {}
