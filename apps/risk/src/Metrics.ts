/**
 * The daemon's Prometheus metrics (`GET /metrics`), made with prom-client over a registry of their own (never
 * the global one): hub states and reconnects, reconciled events by kind, breaker state per group, limiter usage
 * and queue depth per window, 429s received, token seconds to expiry, decode failures, and per account the PnL,
 * the distance to each limit, the lock, the enforcements by rule and outcome and their latency.
 *
 * - Gauges (and the counters the services already count, such as reconnects) are read when scraped: each
 *   metric's `collect` runs an Effect against the daemon's services with the runtime captured by {@link make}.
 * - The counters of events (hub state changes, reconciliation reports, the Enforcer's events) and the latency
 *   histogram are fed by fibers that live as long as the scope of {@link make}.
 *
 * Every name starts with `tradeguard_`; the labels are `account`, `hub`, `group`, `rule`, `outcome`, plus
 * `state`, `kind`, `trigger`, `window` and `action` where a family needs them. The README lists them all.
 *
 * @example
 * ```ts
 * import { Metrics } from "@tradeguard/risk"
 * import * as Effect from "effect/Effect"
 *
 * // in the daemon's scope, its services provided (`Daemon.start` hands them back as `context`)
 * const scrape = Effect.gen(function*() {
 *   const metrics = yield* Metrics.make()
 *   const text = yield* metrics.render // serve it with `Content-Type: ${metrics.contentType}`
 *   return text
 * })
 * ```
 *
 * @since 0.3.0
 */
import { HubConnection, StateReconciler } from "@tradeguard/realtime"
import { CircuitBreaker, RateLimiter, TokenManager } from "@tradeguard/resilience"
import { Accounts, Enforcer, Locks, RiskEngine } from "@tradeguard/rules"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as EffectRuntime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Prom from "prom-client"
import type * as Alerts from "./Alerts.js"
import * as Core from "./internal/metricsCore.js"

/**
 * The services the metrics read.
 *
 * @since 0.3.0
 */
export type Requirements =
  | HubConnection.UserHub
  | HubConnection.MarketHub
  | StateReconciler.StateReconciler
  | CircuitBreaker.CircuitBreaker
  | RateLimiter.RateLimiter
  | TokenManager.TokenManager
  | RiskEngine.RiskEngine
  | Accounts.Accounts
  | Locks.Locks
  | Enforcer.Enforcer

/**
 * Optional sources the daemon's services do not provide: `sessionConflicts`, the number of session conflicts
 * (`GatewayLogout`: another client logged in as the user) counted since start; given, it is exported as
 * `tradeguard_session_conflicts_total`; `alerts`, the alerts by event and outcome, exported as
 * `tradeguard_alerts_total{event,outcome}`; `quoteRepairs`, the quotes repaired after a lost delta, exported as
 * `tradeguard_quote_repairs_total`.
 *
 * @since 0.3.0
 */
export interface Options {
  readonly sessionConflicts?: Effect.Effect<number>
  /**
   * The alerts by event and outcome (`Alerts.Service`'s `stats`' `counts`); given, they are exported as
   * `tradeguard_alerts_total{event,outcome}`.
   */
  readonly alerts?: Effect.Effect<ReadonlyArray<Alerts.Count>>
  /**
   * The quotes repaired since start (`MarketData`'s `quoteRepairs`: a merged quote contradicted itself after a lost
   * delta, and its contract was subscribed anew); given, exported as `tradeguard_quote_repairs_total`.
   */
  readonly quoteRepairs?: Effect.Effect<number>
}

/**
 * What the ops endpoint serves: the `Content-Type` of the exposition and the text itself, read afresh on each
 * `render`.
 *
 * @since 0.3.0
 */
export interface Metrics {
  readonly contentType: string
  readonly render: Effect.Effect<string>
}

/** Latency buckets, seconds: from a fast flatten (tens of ms) to an escalation (the 5 s bound and beyond). */
const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]

/**
 * Builds the metrics over the daemon's services in a registry of their own. The event counters count from
 * now on, for as long as the scope lives; the gauges read the services on each `render`.
 *
 * @since 0.3.0
 */
export const make = (options: Options = {}): Effect.Effect<Metrics, never, Requirements | Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<Requirements>()
    const run = <A>(effect: Effect.Effect<A, never, Requirements>): Promise<A> =>
      EffectRuntime.runPromise(runtime)(effect)
    const registry = new Prom.Registry()
    const registers = [registry]
    const hubs = [yield* HubConnection.UserHub, yield* HubConnection.MarketHub] as const
    const reconciler = yield* StateReconciler.StateReconciler
    const breaker = yield* CircuitBreaker.CircuitBreaker
    const limiter = yield* RateLimiter.RateLimiter
    const tokens = yield* TokenManager.TokenManager
    const engine = yield* RiskEngine.RiskEngine
    const accounts = yield* Accounts.Accounts
    const locks = yield* Locks.Locks
    const enforcer = yield* Enforcer.Enforcer

    // --- hubs -------------------------------------------------------------------------------------------------
    const healthOfHubs = () => run(Effect.all(hubs.map((h) => h.health)))
    new Prom.Gauge({
      name: "tradeguard_hub_state",
      help: "1 for the hub connection's current state (Disconnected, Connecting, Connected, Reconnecting, Closed), 0 for the others",
      labelNames: ["hub", "state"],
      registers,
      async collect() {
        const states = await run(Effect.all(hubs.map((h) => h.state.get)))
        this.reset()
        hubs.forEach((h, i) => {
          for (const state of Core.hubStates) this.set({ hub: h.hub, state }, states[i]!._tag === state ? 1 : 0)
        })
      }
    })
    new Prom.Gauge({
      name: "tradeguard_hub_healthy",
      help: "1 while the hub is connected, fresh and every subscription active",
      labelNames: ["hub"],
      registers,
      async collect() {
        const health = await healthOfHubs()
        this.reset()
        for (const h of health) this.set({ hub: h.hub }, h.healthy ? 1 : 0)
      }
    })
    const hubCounter = (name: string, help: string, read: (h: HubConnection.Health) => number) =>
      new Prom.Counter({
        name,
        help,
        labelNames: ["hub"],
        registers,
        async collect() {
          const health = await healthOfHubs()
          this.reset()
          for (const h of health) this.inc({ hub: h.hub }, read(h))
        }
      })
    hubCounter("tradeguard_hub_reconnects_total", "successful reconnects of the hub since start", (h) => h.reconnects)
    hubCounter("tradeguard_hub_decode_failures_total", "hub payloads that did not decode (logged, dropped)", (h) => h.decodeFailures)
    hubCounter("tradeguard_hub_events_received_total", "events received on the hub", (h) => h.eventsReceived)
    const stateChanges = new Prom.Counter({
      name: "tradeguard_hub_state_changes_total",
      help: "times the hub connection entered each state (since the metrics started)",
      labelNames: ["hub", "state"],
      registers
    })
    for (const h of hubs) {
      yield* h.state.changes.pipe(
        Stream.changesWith((a, b) => a._tag === b._tag),
        Stream.drop(1),
        Stream.runForEach((s) => Effect.sync(() => stateChanges.inc({ hub: h.hub, state: s._tag }))),
        Effect.forkScoped
      )
    }

    // --- reconciliation ---------------------------------------------------------------------------------------
    const reconciled = new Prom.Counter({
      name: "tradeguard_reconciled_events_total",
      help: "events the hubs missed and the reconciliation found and published, by kind",
      labelNames: ["kind"],
      registers
    })
    const reconciliations = new Prom.Counter({
      name: "tradeguard_reconciliations_total",
      help: "reconciliation runs, by trigger",
      labelNames: ["trigger"],
      registers
    })
    const countReport = (r: StateReconciler.Report) => {
      reconciliations.inc({ trigger: r.trigger })
      for (const [kind, n] of Core.missedKinds(r.missed)) reconciled.inc({ kind }, n)
    }
    // the start-up run is over before the metrics start: counted from `last`, and not again if it comes by
    const before = yield* reconciler.last
    if (before !== undefined) countReport(before)
    yield* reconciler.reports.pipe(
      Stream.filter((r) => r !== before),
      Stream.runForEach((r) => Effect.sync(() => countReport(r))),
      Effect.forkScoped
    )

    // --- breakers, limiter, token -----------------------------------------------------------------------------
    const breakerGauge = (name: string, help: string, read: (g: CircuitBreaker.GroupHealth) => number) =>
      new Prom.Gauge({
        name,
        help,
        labelNames: ["group"],
        registers,
        async collect() {
          const health = await run(breaker.health)
          this.reset()
          for (const group of CircuitBreaker.allGroups) this.set({ group }, read(health.groups[group]))
        }
      })
    breakerGauge("tradeguard_breaker_state", "circuit breaker state per endpoint group: 0 closed, 1 half-open, 2 open", (g) =>
      Core.breakerValue(g.state))
    new Prom.Counter({
      name: "tradeguard_breaker_rejected_total",
      help: "calls the breaker refused because its circuit was open, per endpoint group",
      labelNames: ["group"],
      registers,
      async collect() {
        const health = await run(breaker.health)
        this.reset()
        for (const group of CircuitBreaker.allGroups) this.inc({ group }, health.groups[group].rejected)
      }
    })
    const windows: ReadonlyArray<RateLimiter.RateLimitClass> = ["general", "history"]
    const limiterGauge = (name: string, help: string, read: (s: RateLimiter.Stats, w: RateLimiter.RateLimitClass) => number) =>
      new Prom.Gauge({
        name,
        help,
        labelNames: ["window"],
        registers,
        async collect() {
          const stats = await run(limiter.stats)
          this.reset()
          for (const window of windows) this.set({ window }, read(stats, window))
        }
      })
    limiterGauge("tradeguard_limiter_used", "calls counting in the rate-limit window now (in flight or completed within it)", (s, w) =>
      s.windows[w].used)
    limiterGauge("tradeguard_limiter_limit", "calls the rate-limit window allows", (s, w) => s.windows[w].limit)
    limiterGauge("tradeguard_limiter_queue_depth", "calls waiting for a slot of the window", (s, w) => s.queued[w])
    new Prom.Counter({
      name: "tradeguard_rate_limited_total",
      help: "429 Too Many Requests received from the gateway, per rate-limit window",
      labelNames: ["window"],
      registers,
      async collect() {
        const stats = await run(limiter.stats)
        this.reset()
        for (const window of windows) this.inc({ window }, stats.rateLimited[window])
      }
    })
    new Prom.Gauge({
      name: "tradeguard_token_expiry_seconds",
      help: "seconds until the session token expires (0: none or expired)",
      registers,
      async collect() {
        this.set(await run(Effect.zipWith(tokens.info, Clock.currentTimeMillis, (info, now) =>
          Core.secondsLeft(info?.expiresAt, now))))
      }
    })
    if (options.sessionConflicts !== undefined) {
      const conflicts = options.sessionConflicts
      new Prom.Counter({
        name: "tradeguard_session_conflicts_total",
        help: "session conflicts: the gateway ended the session because another client logged in as the same user",
        registers,
        async collect() {
          this.reset()
          this.inc(await run(conflicts))
        }
      })
    }

    if (options.quoteRepairs !== undefined) {
      const repairs = options.quoteRepairs
      new Prom.Counter({
        name: "tradeguard_quote_repairs_total",
        help: "quotes that contradicted themselves after a lost delta (a new print far from an unchanged touch, or a " +
          "crossed book), repaired by subscribing their contract anew",
        registers,
        async collect() {
          this.reset()
          this.inc(await run(repairs))
        }
      })
    }

    if (options.alerts !== undefined) {
      const alerts = options.alerts
      new Prom.Counter({
        name: "tradeguard_alerts_total",
        help: "alerts by event and outcome: logged (every alert), and for the ones posted to the webhook " +
          "delivered, failed (after every attempt) or dropped (the queue was full)",
        labelNames: ["event", "outcome"],
        registers,
        async collect() {
          const counts = await run(alerts)
          this.reset()
          for (const c of counts) this.inc({ event: c.event, outcome: c.outcome }, c.count)
        }
      })
    }

    // --- accounts ---------------------------------------------------------------------------------------------
    const statuses = () => run(engine.status)
    const accountGauge = (
      name: string,
      help: string,
      read: (f: NonNullable<RiskEngine.AccountStatus["figures"]>) => number | undefined
    ) =>
      new Prom.Gauge({
        name,
        help,
        labelNames: ["account"],
        registers,
        async collect() {
          const all = await statuses()
          this.reset()
          for (const s of all) {
            const v = s.figures === undefined ? undefined : read(s.figures)
            if (v !== undefined) this.set({ account: String(s.accountId) }, v)
          }
        }
      })
    accountGauge("tradeguard_account_realized_pnl", "today's realized PnL of the account, net of fees (USD)", (f) => f.realized)
    accountGauge("tradeguard_account_unrealized_pnl", "unrealized PnL of the account's open positions (USD)", (f) => f.unrealized)
    accountGauge("tradeguard_account_day_pnl", "equity now minus equity at the start of the trading day (USD)", (f) => f.dayPnl)
    accountGauge("tradeguard_account_equity", "balance plus unrealized PnL (USD)", (f) => f.equity)
    // one series per account and rule of the last evaluation (a rule whose `read` is undefined: none)
    const ruleGauge = (name: string, help: string, read: (r: RiskEngine.RuleStatus) => number | undefined) =>
      new Prom.Gauge({
        name,
        help,
        labelNames: ["account", "rule"],
        registers,
        async collect() {
          const all = await statuses()
          this.reset()
          for (const s of all) {
            for (const r of s.rules) {
              const v = read(r)
              if (v !== undefined) this.set({ account: String(s.accountId), rule: r.rule }, v)
            }
          }
        }
      })
    ruleGauge(
      "tradeguard_limit_distance",
      "room left before the rule's limit, in the rule's unit (USD, contracts, trades...): 0 or less once breached",
      Core.limitDistance
    )
    ruleGauge("tradeguard_rule_breached", "1 while the rule is breached on the account, else 0", (r) => (r.breached ? 1 : 0))
    new Prom.Gauge({
      name: "tradeguard_account_locked",
      help: "1 while the account is locked (rule: the rule that locked it, or manual), else 0 (rule empty)",
      labelNames: ["account", "rule"],
      registers,
      async collect() {
        const [watched, active] = await run(Effect.all([accounts.watched, locks.all]))
        this.reset()
        for (const id of new Set([...watched, ...active.keys()])) {
          const lock = active.get(id)
          this.set({ account: String(id), rule: lock?.rule ?? "" }, lock === undefined ? 0 : 1)
        }
      }
    })
    new Prom.Gauge({
      name: "tradeguard_account_degraded",
      help: "1 while the account's data cannot be trusted (hub down, stale quotes, ...), else 0",
      labelNames: ["account"],
      registers,
      async collect() {
        const all = await statuses()
        this.reset()
        for (const s of all) this.set({ account: String(s.accountId) }, s.degraded.length > 0 ? 1 : 0)
      }
    })

    // --- enforcement ------------------------------------------------------------------------------------------
    const enforcements = new Prom.Counter({
      name: "tradeguard_enforcements_total",
      help: "enforcements by rule and outcome: started, verified (flat, checked), escalated (not verified in time; it keeps trying)",
      labelNames: ["account", "rule", "outcome"],
      registers
    })
    const actions = new Prom.Counter({
      name: "tradeguard_enforcement_actions_total",
      help: "requests the enforcements sent (cancel, close, reduce, verify...) by rule, action and outcome",
      labelNames: ["account", "rule", "action", "outcome"],
      registers
    })
    const latency = new Prom.Histogram({
      name: "tradeguard_enforcement_latency_seconds",
      help: "from the start of an enforcement (the breach decided) to the account verified flat, every rule",
      buckets: latencyBuckets,
      registers
    })
    const tracker = new Core.EnforcementTracker()
    const count = (c: Core.Counted) => {
      switch (c._tag) {
        case "Started":
          return enforcements.inc({ account: c.account, rule: c.rule, outcome: "started" })
        case "Action":
          return actions.inc({ account: c.account, rule: c.rule, action: c.action, outcome: c.outcome })
        case "Escalated":
          return enforcements.inc({ account: c.account, rule: c.rule, outcome: "escalated" })
        case "Verified":
          enforcements.inc({ account: c.account, rule: c.rule, outcome: "verified" })
          if (c.latencySeconds !== undefined) latency.observe(c.latencySeconds)
      }
    }
    yield* enforcer.events.pipe(
      Stream.runForEach((e) => Effect.map(Clock.currentTimeMillis, (now) => count(tracker.see(e, now)))),
      Effect.forkScoped
    )
    // let the subscribing fibers start before anything is reported
    yield* Effect.yieldNow()

    return {
      contentType: registry.contentType,
      render: Effect.promise(() => registry.metrics())
    } satisfies Metrics
  })
