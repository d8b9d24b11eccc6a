/**
 * The daemon's status, as `GET /status` serves it and `tradeguard status` prints it. The JSON shape
 * ({@link Status}); times are ISO 8601 strings (UTC), money in the account's currency:
 *
 * ```json
 * {
 *   "ready": false,
 *   "reasons": [{ "code": "hub_down", "detail": "user hub Reconnecting: ..." }],
 *   "phase": "Running",
 *   "accounts": [{
 *     "id": 465, "mode": "enforce", "equity": 49512.5, "dayPnl": -487.5, "enforcing": false,
 *     "rules": [{ "rule": "dailyLossLimit", "figure": 487.5, "limit": 1000, "breached": false }],
 *     "lock": null, "degraded": []
 *   }],
 *   "hubs": [{ "hub": "user", "state": "Connected", "healthy": true, "reconnects": 0, "lastMessageAgeMs": 120 }],
 *   "breakers": [{ "group": "orders", "state": "Closed", "halfOpensAt": null, "failures": 0 }],
 *   "limiter": { "queueDepth": 0, "windows": [{ "window": "general", "used": 3, "limit": 200, "inFlight": 0 }] },
 *   "lastReconciliation": { "trigger": "startup", "at": "...", "accounts": 2, "missed": 0, "conflicts": 0 },
 *   "lastEnforcements": [{ "at": "...", "account": 465, "rule": "dailyLossLimit", "kind": "Verified", "action": null, "outcome": "flat", "reason": "..." }]
 * }
 * ```
 *
 * `lock` is `null` or `{ rule, reason, since, until }` (`until` null: only `tradeguard unlock` ends it).
 *
 * @since 0.3.0
 */
import { HubConnection, StateReconciler } from "@tradeguard/realtime"
import { CircuitBreaker, RateLimiter } from "@tradeguard/resilience"
import { type AccountView, Audit, Locks, RiskEngine } from "@tradeguard/rules"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Readiness from "./Readiness.js"

/**
 * One rule of an account: its figure against its limit.
 *
 * @since 0.3.0
 */
export interface RuleLine {
  readonly rule: string
  readonly figure: number | null
  readonly limit: number | null
  readonly breached: boolean
}

/**
 * A lock in force.
 *
 * @since 0.3.0
 */
export interface LockLine {
  readonly rule: string
  readonly reason: string
  readonly since: string
  readonly until: string | null
}

/**
 * One guarded account.
 *
 * @since 0.3.0
 */
export interface AccountLine {
  readonly id: number
  readonly mode: "enforce" | "monitor"
  readonly equity: number | null
  readonly dayPnl: number | null
  readonly enforcing: boolean
  readonly rules: ReadonlyArray<RuleLine>
  readonly lock: LockLine | null
  readonly degraded: ReadonlyArray<string>
}

/**
 * One hub connection.
 *
 * @since 0.3.0
 */
export interface HubLine {
  readonly hub: string
  readonly state: string
  readonly healthy: boolean
  readonly reconnects: number
  readonly lastMessageAgeMs: number | null
}

/**
 * One endpoint group's circuit.
 *
 * @since 0.3.0
 */
export interface BreakerLine {
  readonly group: string
  readonly state: string
  readonly halfOpensAt: string | null
  readonly failures: number
}

/**
 * One rate-limit window.
 *
 * @since 0.3.0
 */
export interface WindowLine {
  readonly window: string
  readonly used: number
  readonly limit: number
  readonly inFlight: number
}

/**
 * The last reconciliation.
 *
 * @since 0.3.0
 */
export interface ReconciliationLine {
  readonly trigger: string
  readonly at: string
  readonly accounts: number
  readonly missed: number
  readonly conflicts: number
}

/**
 * One audit record of an enforcement, a lock or an unlock.
 *
 * @since 0.3.0
 */
export interface EnforcementLine {
  readonly at: string
  readonly account: number
  readonly rule: string
  readonly kind: string
  readonly action: string | null
  readonly outcome: string
  readonly reason: string
}

/**
 * The whole status (see the module's example).
 *
 * @since 0.3.0
 */
export interface Status extends Readiness.Readiness {
  readonly phase: string
  readonly accounts: ReadonlyArray<AccountLine>
  readonly hubs: ReadonlyArray<HubLine>
  readonly breakers: ReadonlyArray<BreakerLine>
  readonly limiter: { readonly queueDepth: number; readonly windows: ReadonlyArray<WindowLine> } | null
  readonly lastReconciliation: ReconciliationLine | null
  readonly lastEnforcements: ReadonlyArray<EnforcementLine>
}

const iso = (millis: number) => new Date(millis).toISOString()
const orNull = <A>(a: A | undefined): A | null => (a === undefined ? null : a)

/**
 * The status of a daemon that has no services yet (starting) or no more (stopping).
 *
 * @since 0.3.0
 */
export const phaseOnly = (readiness: Readiness.Readiness, phase: Readiness.Phase): Status => ({
  ...readiness,
  phase: phaseLabel(phase),
  accounts: [],
  hubs: [],
  breakers: [],
  limiter: null,
  lastReconciliation: null,
  lastEnforcements: []
})

/**
 * `Starting (hubs)`, `Running`, `Stopping`.
 *
 * @since 0.3.0
 */
export const phaseLabel = (phase: Readiness.Phase): string =>
  phase._tag === "Starting" ? `Starting (${phase.step})` : phase._tag

/**
 * One account's line from the engine's status.
 *
 * @since 0.3.0
 */
export const accountLine = (
  s: RiskEngine.AccountStatus,
  lock: AccountView.ActiveLock | undefined = s.lock
): AccountLine => ({
  id: s.accountId,
  mode: s.mode,
  equity: orNull(s.figures?.equity),
  dayPnl: orNull(s.figures?.dayPnl),
  enforcing: s.enforcing,
  rules: s.rules.map((r) => ({ rule: r.rule, figure: orNull(r.figure), limit: orNull(r.limit), breached: r.breached })),
  lock: lock === undefined
    ? null
    : { rule: lock.rule, reason: lock.reason, since: iso(lock.since), until: lock.until === undefined ? null : iso(lock.until) },
  degraded: s.degraded
})

/**
 * What {@link collect} reads.
 *
 * @since 0.3.0
 */
export type Sources =
  | HubConnection.UserHub
  | HubConnection.MarketHub
  | CircuitBreaker.CircuitBreaker
  | RateLimiter.RateLimiter
  | StateReconciler.StateReconciler
  | RiskEngine.RiskEngine
  | Locks.Locks
  | Audit.Audit

/** How many audit records `lastEnforcements` shows, and how far back it looks. */
const lastCount = 10
const lastWindowMillis = 7 * 24 * 3600_000

/**
 * The running daemon's status, with its readiness.
 *
 * @since 0.3.0
 */
export const collect = (readiness: Readiness.Readiness, phase: Readiness.Phase): Effect.Effect<Status, never, Sources> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const engine = yield* RiskEngine.RiskEngine
    const hubs = [yield* HubConnection.UserHub, yield* HubConnection.MarketHub]
    const breaker = yield* (yield* CircuitBreaker.CircuitBreaker).health
    const limiter = yield* (yield* RateLimiter.RateLimiter).stats
    const last = yield* (yield* StateReconciler.StateReconciler).last
    const audit = yield* Audit.Audit
    const records = yield* audit.list({ since: now - lastWindowMillis }).pipe(Effect.orElseSucceed(() => []))
    const healths = yield* Effect.all(hubs.map((h) => h.health))
    // the locks now, not as of the account's last evaluation
    const locks = yield* (yield* Locks.Locks).all
    return {
      ...readiness,
      phase: phaseLabel(phase),
      accounts: (yield* engine.status).map((s) => accountLine(s, locks.get(s.accountId))),
      hubs: healths.map((h) => ({
        hub: h.hub,
        state: h.state,
        healthy: h.healthy,
        reconnects: h.reconnects,
        lastMessageAgeMs: orNull(h.lastMessageAgeMs)
      })),
      breakers: Object.entries(breaker.groups).map(([group, g]) => ({
        group,
        state: g.state,
        halfOpensAt: g.halfOpensAt === undefined ? null : iso(g.halfOpensAt),
        failures: g.failures
      })),
      limiter: {
        queueDepth: limiter.queueDepth,
        windows: Object.entries(limiter.windows).map(([window, w]) => ({
          window,
          used: w.used,
          limit: w.limit,
          inFlight: w.inFlight
        }))
      },
      lastReconciliation: last === undefined ? null : {
        trigger: last.trigger,
        at: iso(last.finishedAt),
        accounts: last.accountIds.length,
        missed: last.totalMissed,
        conflicts: last.conflicts.length
      },
      lastEnforcements: records.slice(-lastCount).reverse().map(enforcementLine)
    }
  })

/**
 * An audit record as a line of `lastEnforcements` (and of `tradeguard audit`).
 *
 * @since 0.3.0
 */
export const enforcementLine = (r: Audit.AuditRecord): EnforcementLine => ({
  at: iso(r.at),
  account: r.accountId,
  rule: r.rule,
  kind: r.kind,
  action: orNull(r.action),
  outcome: r.outcome,
  reason: r.reason
})
