/**
 * Alerts: every breach, enforcement outcome, escalation, session conflict and degraded period is one ERROR/WARN
 * log line (annotated `alert`, `account`, `rule`) and a count of `tradeguard_alerts_total{event,outcome}` on
 * `/metrics` (outcome `logged`; and `delivered`, `failed` or `dropped` for the ones posted);
 * while the environment variable `alerts.webhookUrlEnv` names is set (default `TRADEGUARD_ALERT_WEBHOOK`: the URL
 * may hold a secret, so it never comes from the file), each alert of `alerts.events` is also POSTed there as JSON:
 *
 * ```json
 * { "text": "tradeguard ERROR breach · account 100001 · dailyLossLimit: day PnL -1001.85 <= -200.00",
 *   "content": "(the same)", "event": "breach", "level": "error", "account": 100001, "rule": "dailyLossLimit",
 *   "at": "2026-12-02T14:14:12.008Z", "detail": { "figure": -1001.85, "limit": -200 } }
 * ```
 *
 * `text` is what Slack shows and `content` what Discord shows (both take this body as is). Delivery is never in the
 * caller's path: {@link Service.notify} only queues (a bounded queue of `capacity`, default 1000, the oldest dropped
 * and counted in a WARN line), one worker fiber posts, each POST times out after `alerts.timeoutMs` and is tried up
 * to `alerts.maxAttempts` times with exponential backoff; a POST that still fails is a WARN line (the URL redacted)
 * and counts as `failed` ({@link Stats}`.counts`, served as `tradeguard_alerts_total{event,outcome}`).
 *
 * When to use: provide {@link layer} (needs an HttpClient) to the daemon, and {@link layerWatchRules} over the
 * rules' services: breaches (from the RiskEngine's statuses: once per rule becoming breached), enforcement
 * outcomes (the Enforcer's `Verified`) and escalations (its `Escalated`) become alerts. Session conflicts and
 * degraded periods come from the runtime's and the readiness' services: feed them with `notify`.
 *
 * @since 0.3.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Enforcer, RiskEngine } from "@tradeguard/rules"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as AppConfig from "./AppConfig.js"
import * as Payload from "./internal/alertsPayload.js"
import * as Logging from "./Logging.js"

/**
 * What an alert is about (`alerts.events` lists the ones posted).
 *
 * @since 0.3.0
 */
export type Event = typeof AppConfig.AlertEvent.Type

/**
 * One alert: its event, a one-line message, optionally the level (default: ERROR for breach, escalation and
 * session_conflict, WARN for enforcement and degraded, INFO for recovered), the account, the rule and JSON detail.
 *
 * @since 0.3.0
 */
export interface Alert {
  readonly event: Event
  readonly message: string
  readonly level?: "error" | "warn" | "info"
  readonly account?: number
  readonly rule?: string
  readonly detail?: Readonly<Record<string, unknown>>
}

/**
 * The `alerts:` section.
 *
 * @since 0.3.0
 */
export type AlertsConfig = AppConfig.AppConfig["alerts"]

/**
 * What became of an alert: `logged` (every alert: its log line), and for the ones posted to the webhook
 * `delivered`, `failed` (after every attempt) or `dropped` (the queue was full).
 *
 * @since 0.3.0
 */
export type Outcome = "logged" | "delivered" | "failed" | "dropped"

/**
 * Every {@link Outcome}, in the order `/metrics` lists them.
 *
 * @since 0.3.0
 */
export const outcomes: ReadonlyArray<Outcome> = ["logged", "delivered", "failed", "dropped"]

/**
 * How many alerts of one event had one outcome (`/metrics`' `tradeguard_alerts_total{event,outcome}`).
 *
 * @since 0.3.0
 */
export interface Count {
  readonly event: Event
  readonly outcome: Outcome
  readonly count: number
}

/**
 * What the webhook worker has done so far, and the alerts by event and outcome.
 *
 * @since 0.3.0
 */
export interface Stats {
  readonly sent: number
  readonly failed: number
  readonly dropped: number
  /** Whether the webhook is on (its environment variable was set when the layer was built). */
  readonly webhook: boolean
  /** Every event and outcome (0 included), counted since the service was built. */
  readonly counts: ReadonlyArray<Count>
}

/**
 * The alerts service.
 *
 * @since 0.3.0
 */
export interface Service {
  /** Logs the alert, counts it, and queues its POST; returns at once (never waits for the webhook, never fails). */
  readonly notify: (alert: Alert) => Effect.Effect<void>
  /** What the webhook worker has done. */
  readonly stats: Effect.Effect<Stats>
}

/**
 * The alerts service's tag (its shape is {@link Service}).
 *
 * @since 0.3.0
 */
export class Alerts extends Context.Tag("@tradeguard/risk/Alerts")<Alerts, Service>() {}

/**
 * Options of {@link make} (none is a config key).
 *
 * @since 0.3.0
 */
export interface Options {
  /** The queue's bound (default 1000): past it the oldest alert is dropped. */
  readonly capacity?: number
  /** The first pause between two attempts (default 1 second; doubled each time, at most 1 minute). */
  readonly backoff?: Duration.DurationInput
  /** The webhook URL, instead of the environment variable's value (tests). */
  readonly url?: string
}

/**
 * Every event, in the order of the config's `alerts.events` default.
 *
 * @since 0.3.0
 */
export const events: ReadonlyArray<Event> = AppConfig.AlertEvent.literals

/**
 * `tradeguard_alerts_total{event}` as an Effect Metric (process-wide): every alert, posted or not. `/metrics`
 * serves the daemon's own counts, by event and {@link Outcome} (see {@link Stats}`.counts` and Metrics).
 *
 * @since 0.3.0
 */
export const alertsTotal = Metric.counter("tradeguard_alerts_total", { description: "alerts raised, by event" })

/**
 * `tradeguard_alert_deliveries_total{outcome}`: webhook POSTs `sent`, `failed` (after every attempt) or `dropped`
 * (the queue was full).
 *
 * @since 0.3.0
 */
export const deliveriesTotal = Metric.counter("tradeguard_alert_deliveries_total", {
  description: "alert webhook deliveries, by outcome"
})

/**
 * The pauses between the attempts of one POST: exponential from `base`, at most 1 minute, `maxAttempts` in all.
 *
 * @since 0.3.0
 */
export const retrySchedule = (base: Duration.DurationInput, maxAttempts: number) =>
  Schedule.exponential(base).pipe(
    Schedule.union(Schedule.spaced("1 minute")),
    Schedule.intersect(Schedule.recurs(Math.max(0, maxAttempts - 1)))
  )

class PostFailed extends Error {}

const logAt = (level: Payload.Level, message: string) =>
  level === "error" ? Effect.logError(message) : level === "warn" ? Effect.logWarning(message) : Effect.logInfo(message)

/**
 * Builds the service in a scope (the worker fiber lives as long as it). The URL is read once, from the variable
 * `config.webhookUrlEnv` names (through Effect's Config: the environment by default).
 *
 * @since 0.3.0
 */
export const make = (
  config: AlertsConfig,
  options: Options = {}
): Effect.Effect<Service, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const fromEnv = yield* Config.option(Config.redacted(config.webhookUrlEnv)).pipe(Effect.orElseSucceed(() => Option.none()))
    const url = options.url ?? Option.getOrUndefined(Option.map(fromEnv, Redacted.value))
    const webhook = url !== undefined && url.trim() !== ""
    const capacity = options.capacity ?? 1000
    const posted = new Set<string>(config.events)
    const queue = yield* Queue.sliding<Record<string, unknown>>(capacity)
    const counts = { sent: 0, failed: 0, dropped: 0, unreported: 0 }
    const tally = new Map<string, number>()
    const count = (event: unknown, outcome: Outcome) =>
      Effect.sync(() => {
        const key = `${String(event)}\u0000${outcome}`
        tally.set(key, (tally.get(key) ?? 0) + 1)
      })
    const hide = (text: string) => Logging.redact(text, url === undefined ? [] : [url])
    const annotate = Effect.annotateLogs({ module: "risk/Alerts" })

    if (webhook) {
      const attempt = (body: Record<string, unknown>) =>
        client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson(body))).pipe(
          Effect.mapError((e) => new PostFailed(hide(e.message))),
          Effect.flatMap((res) =>
            res.status >= 200 && res.status < 300 ? Effect.void : Effect.fail(new PostFailed(`HTTP ${res.status}`))
          ),
          Effect.timeoutFail({
            duration: Duration.millis(config.timeoutMs),
            onTimeout: () => new PostFailed(`no reply within ${config.timeoutMs} ms`)
          }),
          Effect.tapError((e) => Effect.logDebug(`alert webhook attempt failed: ${e.message}`))
        )
      const deliver = (body: Record<string, unknown>) =>
        attempt(body).pipe(
          Effect.retry(retrySchedule(options.backoff ?? "1 second", config.maxAttempts)),
          Effect.matchEffect({
            onFailure: (e) => {
              counts.failed++
              return Effect.zipRight(
                Effect.logWarning(
                  `alert webhook failed after ${config.maxAttempts} attempt(s): ${e.message} (${String(body["event"])} not delivered)`
                ),
                Effect.zipRight(count(body["event"], "failed"), Metric.increment(Metric.tagged(deliveriesTotal, "outcome", "failed")))
              )
            },
            onSuccess: () => {
              counts.sent++
              return Effect.zipRight(
                count(body["event"], "delivered"),
                Metric.increment(Metric.tagged(deliveriesTotal, "outcome", "sent"))
              )
            }
          })
        )
      const reportDropped = Effect.suspend(() => {
        if (counts.unreported === 0) return Effect.void
        const n = counts.unreported
        counts.unreported = 0
        return Effect.logWarning(`${n} alert(s) dropped: the webhook queue (${capacity}) was full; the oldest went first`)
      })
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(queue.take, (body) => Effect.zipRight(reportDropped, deliver(body))))
        .pipe(annotate))
    }

    const enqueue = (body: Record<string, unknown>) =>
      Effect.gen(function*() {
        // full: the oldest goes (taken here, to count its event; the worker may have taken it first: then none goes)
        const oldest = (yield* queue.size) >= capacity ? yield* Queue.poll(queue) : Option.none()
        if (Option.isSome(oldest)) {
          counts.dropped++
          counts.unreported++
          yield* count(oldest.value["event"], "dropped")
          yield* Metric.increment(Metric.tagged(deliveriesTotal, "outcome", "dropped"))
          if (counts.unreported === 1) yield* Effect.logWarning(`alert webhook queue full (${capacity}): dropping the oldest alert`)
        }
        yield* queue.offer(body)
      })

    const notify = (alert: Alert) =>
      Effect.gen(function*() {
        const level = Payload.levelOf(alert)
        yield* logAt(level, `alert ${alert.event}: ${alert.message}`).pipe(Effect.annotateLogs({
          alert: alert.event,
          ...(alert.account === undefined ? {} : { account: alert.account }),
          ...(alert.rule === undefined ? {} : { rule: alert.rule })
        }))
        yield* Metric.increment(Metric.tagged(alertsTotal, "event", alert.event))
        yield* count(alert.event, "logged")
        if (!webhook || !posted.has(alert.event)) return
        const at = DateTime.formatIso(yield* DateTime.now)
        yield* enqueue(Payload.bodyOf(alert, at))
      }).pipe(annotate, Effect.withSpan("Alerts.notify"))

    yield* Effect.logDebug(
      webhook ? `alert webhook on (${config.events.join(", ")})` : `alert webhook off (${config.webhookUrlEnv} is not set)`
    ).pipe(annotate)
    return {
      notify,
      stats: Effect.sync(() => ({
        sent: counts.sent,
        failed: counts.failed,
        dropped: counts.dropped,
        webhook,
        counts: events.flatMap((event) =>
          outcomes.map((outcome) => ({ event, outcome, count: tally.get(`${event}\u0000${outcome}`) ?? 0 }))
        )
      }))
    } satisfies Service
  })

/**
 * The alerts service for the `alerts:` section, for as long as the layer lives. Needs an HttpClient.
 *
 * @since 0.3.0
 */
export const layer = (config: AlertsConfig, options: Options = {}): Layer.Layer<Alerts, never, HttpClient.HttpClient> =>
  Layer.scoped(Alerts, make(config, options))

/**
 * An enforcement a previous run left unfinished, resumed at start-up (`startedAt` epoch millis).
 *
 * @since 0.3.0
 */
export interface Resumed {
  readonly id: string
  readonly accountId: number
  readonly rule: string
  readonly reason: string
  readonly startedAt: number
}

/**
 * The `enforcement` alert of an enforcement resumed at start-up (WARN): the account may not be flat yet.
 *
 * @since 0.3.0
 */
export const resumedAlert = (e: Resumed): Alert => ({
  event: "enforcement",
  level: "warn",
  message: `enforcement ${e.id} resumed at start-up (${e.rule}: ${e.reason}): a previous run left it unfinished ` +
    `on ${DateTime.formatIso(DateTime.unsafeMake(e.startedAt))}`,
  account: e.accountId,
  rule: e.rule,
  detail: { enforcement: e.id, resumed: true, reason: e.reason, startedAt: DateTime.formatIso(DateTime.unsafeMake(e.startedAt)) }
})

/**
 * {@link watchRules}, first alerting at once each enforcement `resumed` at start-up ({@link resumedAlert}; the
 * Enforcer's own start of them comes before anyone listens), whose later events then name their rule.
 *
 * @since 0.3.0
 */
export const watchRulesResuming = (
  resumed: ReadonlyArray<Resumed>
): Effect.Effect<void, never, Alerts | Enforcer.Enforcer | RiskEngine.RiskEngine | Scope.Scope> =>
  Effect.gen(function*() {
    const alerts = yield* Alerts
    const engine = yield* RiskEngine.RiskEngine
    const enforcer = yield* Enforcer.Enforcer
    for (const e of resumed) yield* alerts.notify(resumedAlert(e))
    // each account's breached rules as of the status last looked at (a status object seen already is skipped: the
    // engine hands on every account's status at each evaluation of any one)
    const breached = new Map<number, { readonly status: RiskEngine.AccountStatus; readonly rules: ReadonlySet<string> }>()
    yield* engine.changes.pipe(
      Stream.runForEach((statuses) => {
        const alertsNow: Array<Alert> = []
        for (const s of statuses) {
          const known = breached.get(s.accountId)
          if (known?.status === s) continue
          const [now, fresh] = Payload.newBreaches(known?.rules ?? new Set(), s.rules)
          breached.set(s.accountId, { status: s, rules: now })
          for (const r of fresh) {
            alertsNow.push({
              event: "breach",
              message: r.reason,
              account: s.accountId,
              rule: r.rule,
              detail: { figure: r.figure ?? null, limit: r.limit ?? null, mode: s.mode }
            })
          }
        }
        return alertsNow.length === 0 ? Effect.void : Effect.forEach(alertsNow, alerts.notify, { discard: true })
      }),
      Effect.forkScoped
    )
    const rules = new Map<string, string>(resumed.map((e) => [e.id, e.rule]))
    yield* enforcer.events.pipe(
      Stream.runForEach((e) => {
        switch (e._tag) {
          case "Started":
            rules.set(e.id, e.rule)
            return Effect.void
          case "ActionDone":
            return Effect.void
          case "Verified": {
            const rule = rules.get(e.id)
            rules.delete(e.id)
            const left = e.final.positions.length + e.final.workingOrders.length
            return alerts.notify({
              event: "enforcement",
              level: e.final.flat ? "warn" : "error",
              message: e.final.flat
                ? `enforcement ${e.id} done: the account is flat`
                : `enforcement ${e.id} ended with ${left} position(s)/order(s) left`,
              account: e.accountId,
              ...(rule === undefined ? {} : { rule }),
              detail: { enforcement: e.id, flat: e.final.flat, positions: e.final.positions.length, workingOrders: e.final.workingOrders.length }
            })
          }
          case "Escalated": {
            const rule = rules.get(e.id)
            return alerts.notify({
              event: "escalation",
              message: `enforcement ${e.id} not verified in time, still trying: ${e.remaining}`,
              account: e.accountId,
              ...(rule === undefined ? {} : { rule }),
              detail: { enforcement: e.id, remaining: e.remaining }
            })
          }
        }
      }),
      Effect.forkScoped
    )
  }).pipe(Effect.annotateLogs({ module: "risk/Alerts" }))

/**
 * Turns the rules' events into alerts, in the caller's scope: each rule becoming breached on an account
 * (`breach`, with its figure and limit), each enforcement verified (`enforcement`: WARN when the account is
 * flat, ERROR when not) and each escalation (`escalation`). An enforcement resumed at start-up reports only
 * what it does after this runs: the daemon uses {@link watchRulesResuming}.
 *
 * @since 0.3.0
 */
export const watchRules: Effect.Effect<void, never, Alerts | Enforcer.Enforcer | RiskEngine.RiskEngine | Scope.Scope> =
  watchRulesResuming([])

/**
 * {@link watchRules} as a layer: provide it over {@link layer} and the rules' services (`Runtime.layerWithRules`).
 *
 * @since 0.3.0
 */
export const layerWatchRules: Layer.Layer<never, never, Alerts | Enforcer.Enforcer | RiskEngine.RiskEngine> =
  Layer.scopedDiscard(watchRules)
