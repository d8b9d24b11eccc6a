/**
 * Locks: a durable per-account state (rule, reason, start, end) kept in the
 * store. While an account is locked, the engine cancels any new working
 * order and flattens any new position at once, whichever front-end opened
 * it. A lock ends at its end (`NextTradingDay`: the next trading-day start,
 * `Until`: its time) or by {@link Service.unlock} (logged and audited).
 *
 * @since 0.1.0
 */
import { Config as RealtimeConfig, TradingDay } from "@tradeguard/realtime"
import { AccountLocks } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type { ActiveLock } from "./AccountView.js"
import { Audit } from "./Audit.js"
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

/**
 * When a lock set at `now` with `end` ends (epoch millis; undefined: `Manual`, only `unlock` ends it).
 * `NextTradingDay` is the start of the trading day after the one containing `now`.
 *
 * @since 0.1.0
 */
export const untilOf = (end: LockEnd, now: number, tradingDay: TradingDay.Config): number | undefined => {
  switch (end._tag) {
    case "NextTradingDay":
      return TradingDay.next(now, tradingDay)
    case "Until":
      return end.at
    case "Manual":
      return undefined
  }
}

/**
 * Whether `lock` is in force at `now` (an expired lock is not).
 *
 * @since 0.1.0
 */
export const inForce = (lock: ActiveLock, now: number): boolean => lock.until === undefined || lock.until > now

/** Whether `next` ends later than `current` (a manual lock ends never). */
const endsLater = (next: ActiveLock, current: ActiveLock): boolean =>
  current.until !== undefined && (next.until === undefined || next.until > current.until)

const fromRow = (row: AccountLocks.Lock): ActiveLock => ({
  rule: row.rule as ActiveLock["rule"],
  reason: row.reason,
  since: row.lockedAt,
  end: row.endKind === "Manual"
    ? { _tag: "Manual" }
    : row.endKind === "NextTradingDay"
    ? { _tag: "NextTradingDay" }
    : { _tag: "Until", at: row.lockedUntil ?? 0 },
  until: row.lockedUntil ?? undefined
})

const describe = (lock: ActiveLock): Record<string, unknown> => ({
  rule: lock.rule,
  since: lock.since,
  end: lock.end._tag,
  ...(lock.until === undefined ? {} : { until: lock.until })
})

// a store write is retried a few times; past that the lock still holds in memory (an ERROR log says it is
// not durable), so a failing disk never lets an account trade
const retried = Schedule.intersect(Schedule.exponential("50 millis"), Schedule.recurs(4))

/**
 * Builds the locks over the store's AccountLocks: the locks in force are read once at start (a lock survives
 * a restart) and kept in memory, every change is written through.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, never, AccountLocks.AccountLocks | Audit | RealtimeConfig.RealtimeConfig> = Effect.gen(
  function*() {
    const store = yield* AccountLocks.AccountLocks
    const audit = yield* Audit
    const { tradingDay } = yield* RealtimeConfig.RealtimeConfig
    const locks = new Map<number, ActiveLock>()
    const loaded = yield* Effect.retry(store.active, retried).pipe(
      Effect.tapError((e) => Effect.logError(`the account locks could not be read at start: ${e.message}`)),
      Effect.orElseSucceed(() => [])
    )
    for (const row of loaded) locks.set(row.accountId, fromRow(row))
    const mutex = yield* Effect.makeSemaphore(1)

    const durably = (what: string, accountId: number, write: Effect.Effect<void, { readonly message: string }>) =>
      Effect.retry(write, retried).pipe(
        Effect.catchAll((e) =>
          Effect.logError(`${what} of account ${accountId} not stored (it holds in memory only): ${e.message}`).pipe(
            Effect.annotateLogs({ account: accountId })
          )
        )
      )

    const current = (accountId: number, now: number): ActiveLock | undefined => {
      const lock = locks.get(accountId)
      return lock !== undefined && inForce(lock, now) ? lock : undefined
    }

    const lock = Effect.fn("Locks.lock")(function*(accountId: number, rule: RuleName | "manual", reason: string, end: LockEnd) {
      const now = yield* Clock.currentTimeMillis
      const next: ActiveLock = { rule, reason, since: now, end, until: untilOf(end, now, tradingDay) }
      const existing = current(accountId, now)
      if (existing !== undefined && !endsLater(next, existing)) return existing
      locks.set(accountId, next)
      yield* durably(
        "the lock",
        accountId,
        store.lock(accountId, reason, next.until, { rule, endKind: end._tag })
      )
      yield* audit.record({
        accountId,
        rule,
        kind: "Lock",
        reason,
        figures: describe(next),
        outcome: existing === undefined ? "Locked" : "Extended"
      })
      return next
    }, mutex.withPermits(1))

    const unlock = Effect.fn("Locks.unlock")(function*(accountId: number, reason: string) {
      const now = yield* Clock.currentTimeMillis
      const existing = current(accountId, now)
      if (existing === undefined) return false
      locks.delete(accountId)
      yield* durably("the unlock", accountId, store.unlock(accountId, reason))
      yield* Effect.logWarning(`account ${accountId} unlocked: ${reason}`).pipe(Effect.annotateLogs({ account: accountId, rule: existing.rule }))
      yield* audit.record({ accountId, rule: existing.rule, kind: "Unlock", reason, figures: describe(existing), outcome: "Unlocked" })
      return true
    }, mutex.withPermits(1))

    const active = (accountId: number) => Effect.map(Clock.currentTimeMillis, (now) => current(accountId, now))

    const all = Effect.map(Clock.currentTimeMillis, (now) => {
      const inForceNow = new Map<number, ActiveLock>()
      for (const [accountId, lock] of locks) if (inForce(lock, now)) inForceNow.set(accountId, lock)
      return inForceNow as ReadonlyMap<number, ActiveLock>
    })

    return { lock, unlock, active, all } satisfies Service
  }
)

/**
 * The locks over `AccountLocks` (the store), auditing to {@link Audit}, `NextTradingDay` per the
 * `tradingDay` of the realtime config.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Locks, never, AccountLocks.AccountLocks | Audit | RealtimeConfig.RealtimeConfig> = Layer.effect(
  Locks,
  make
)
