/**
 * StateReconciler (GAP-API-SCENARIO-003): there are no sequence numbers and
 * no replay on the hubs, so what happened while a connection was down is
 * caught up through REST. At start-up, after every reconnect (once the
 * subscriptions are replayed, for the accounts they concern), whenever a
 * subscription becomes active later (for its account), and periodically as a
 * safety net (a few accounts at a time) it fetches accounts, open orders, open
 * positions and the trades since the last complete reconciliation of each
 * account, compares them with AccountState, applies the difference and
 * publishes it as the events that were missed (`reconciled: true`) on the
 * user hub's stream.
 *
 * Invariants: when a run finishes, AccountState equals what REST said (except
 * entities live events changed meanwhile: those are re-checked by a follow-up
 * run), and every trade is delivered once on the stream, whether it came live
 * or reconciled. Runs are at least `minInterval` apart; a request inside the
 * interval waits for it (and requests that wait together share one run, over
 * the union of their accounts).
 *
 * When to use: `layer` in an app (it triggers itself); `reconcile` to force a
 * run, e.g. after an ambiguous order failure.
 *
 * @since 0.1.0
 */
import { Models } from "@tradeguard/gateway"
import { ResilientGateway } from "@tradeguard/resilience"
import type { Errors as ResilienceErrors } from "@tradeguard/resilience"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { AccountState } from "./AccountState.js"
import { RealtimeConfig } from "./Config.js"
import * as TradingDay from "./TradingDay.js"
import type * as HubConnection from "./HubConnection.js"
import { UserHub } from "./HubConnection.js"
import { fetchTruth } from "./internal/fetchTruth.js"
import * as Periodic from "./internal/periodic.js"
import * as R from "./internal/reconcile.js"
import { affectedBy, resolve, type RunScope, union } from "./internal/runScope.js"

/**
 * How many accounts, orders, positions and trades a reconciliation found changed.
 *
 * @since 0.1.0
 */
export type Counts = R.Counts
/**
 * Counts with every kind at zero (a report that missed nothing).
 *
 * @since 0.1.0
 */
export const zeroCounts: Counts = R.zeroCounts
/**
 * Why a run started: `startup` (every account), `reconnect` (the accounts of the replayed
 * subscriptions), `subscription` (a subscription became active after a run: its account),
 * `periodic` (the safety net), `manual`, `retry` (of a failed automatic run), `followUp` (of
 * a run that left conflicts), `mismatch` (another component found the cache showing what the
 * gateway does not: an enforcement that the gateway says is done while AccountState still shows
 * a working order or an open position).
 *
 * @since 0.1.0
 */
export type Trigger = "startup" | "reconnect" | "subscription" | "periodic" | "manual" | "retry" | "followUp" | "mismatch"

/**
 * What one reconciliation did: its trigger, when it ran, and what it corrected.
 *
 * @since 0.1.0
 */
export interface Report {
  readonly trigger: Trigger
  readonly startedAt: number
  readonly finishedAt: number
  readonly accountIds: ReadonlyArray<number>
  /** How many of each kind of event had been missed (and were published). */
  readonly missed: Counts
  readonly totalMissed: number
  /** Entities left for a follow-up run because live events touched them during the fetch. */
  readonly conflicts: ReadonlyArray<string>
}

/**
 * What a reconciliation covers: which accounts and from which day start.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The accounts to reconcile (default: every active account Account/search returns). */
  readonly accountIds?: ReadonlyArray<number>
  /** Epoch millis of the start of the trading day containing `now` (default: `tradingDay` of the config). */
  readonly startOfDay?: (now: number) => number
}

/**
 * The REST catch-up: reconciles on demand and reports each run.
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * Runs a reconciliation (waiting out `minInterval` if needed) of `accountIds` (default: every
   * account in scope) and returns its report.
   */
  readonly reconcile: (
    trigger?: Trigger,
    accountIds?: ReadonlyArray<number>
  ) => Effect.Effect<Report, ResilienceErrors.ResilientError>
  /**
   * Asks for a run of `accountIds` (default: every account in scope) without waiting; a failed
   * run that was only requested is retried with backoff. Accounts outside `Options.accountIds` are
   * left out (nothing left: no run).
   */
  readonly request: (trigger: Trigger, accountIds?: ReadonlyArray<number>) => Effect.Effect<void>
  readonly reports: Stream.Stream<Report>
  readonly last: Effect.Effect<Report | undefined>
  /** Per account: when the last complete run that covered it started (epoch millis). */
  readonly syncedAt: Effect.Effect<ReadonlyMap<number, number>>
}

/**
 * The reconciler's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class StateReconciler extends Context.Tag("@tradeguard/realtime/StateReconciler")<StateReconciler, Service>() {}

interface Req {
  readonly trigger: Trigger
  readonly scope: RunScope
  readonly done: Deferred.Deferred<Report, ResilienceErrors.ResilientError> | undefined
}

/**
 * A reconciler that runs on request. Needs ResilientGateway, AccountState, UserHub, RealtimeConfig.
 *
 * @since 0.1.0
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  Service,
  never,
  Scope.Scope | ResilientGateway.ResilientGateway | AccountState | UserHub | RealtimeConfig
> =>
  Effect.gen(function*() {
    const { stateReconciliation: config, tradingDay } = yield* RealtimeConfig
    const gateway = yield* ResilientGateway.ResilientGateway
    const state = yield* AccountState
    const hub = yield* UserHub
    const startOfDay = options.startOfDay ?? ((now: number) => TradingDay.startOf(now, tradingDay))
    const inbox = yield* Queue.unbounded<Req>()
    const reports = yield* PubSub.unbounded<Report>()
    /** Per account: the newest trade time of the last complete run (trades before it are known). */
    const watermarks = new Map<number, number>()
    let lastStart: number | undefined
    let lastReport: Report | undefined
    let failures = 0

    /** Per account: when the last complete run started (orders created before it were seen then). */
    const syncedAt = new Map<number, number>()

    const since = (accountId: number, now: number) =>
      Math.max(startOfDay(now), (watermarks.get(accountId) ?? -Infinity) - 1000)
    /**
     * Orders created since the previous complete run, with five minutes of margin for the
     * gateway's clock against ours. The first time: since the previous trading day's start, so
     * that an order placed then and ended today before we started is found too.
     */
    const ordersSince = (accountId: number, now: number) => {
      const synced = syncedAt.get(accountId)
      return synced === undefined
        ? startOfDay(startOfDay(now) - 1)
        : Math.max(startOfDay(now), synced - 5 * 60_000)
    }

    const runOnce = (trigger: Trigger, scope: RunScope) =>
      Effect.scoped(Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        const watch = yield* state.watch
        const truth = yield* fetchTruth({
          gateway,
          state,
          config,
          accountIds: resolve(scope, options.accountIds),
          since,
          ordersSince,
          now: startedAt,
          touched: watch.touched
        })
        yield* state.settle
        const result = yield* state.modify((data) => {
          const d = R.diff(data, truth, watch.touched())
          return [d, d.events] as const
        })
        yield* hub.publish(result.events)
        for (const id of truth.accountIds) {
          let newest = watermarks.get(id) ?? -Infinity
          for (const t of truth.trades) {
            if (t.accountId === id) newest = Math.max(newest, Models.timestampToMillis(t.creationTimestamp))
          }
          if (newest > -Infinity) watermarks.set(id, newest)
          syncedAt.set(id, startedAt)
        }
        const report: Report = {
          trigger,
          startedAt,
          finishedAt: yield* Clock.currentTimeMillis,
          accountIds: truth.accountIds,
          missed: result.counts,
          totalMissed: R.total(result.counts),
          conflicts: result.conflicts
        }
        yield* Effect.logInfo(describe(report)).pipe(Effect.annotateLogs({ missed: report.missed }))
        return report
      })).pipe(Effect.withLogSpan("reconcile"))

    const worker = Effect.gen(function*() {
      while (true) {
        const first = yield* Queue.take(inbox)
        const now = yield* Clock.currentTimeMillis
        if (lastStart !== undefined && now - lastStart < config.minInterval) {
          yield* Effect.sleep(config.minInterval - (now - lastStart))
        }
        const batch = [first, ...(yield* Queue.takeAll(inbox))]
        const scope = batch.reduce<RunScope>((acc, r) => union(acc, r.scope), [])
        lastStart = yield* Clock.currentTimeMillis
        const exit = yield* Effect.exit(runOnce(first.trigger, scope))
        for (const r of batch) if (r.done !== undefined) yield* Deferred.done(r.done, exit)
        if (Exit.isSuccess(exit)) {
          failures = 0
          lastReport = exit.value
          yield* PubSub.publish(reports, exit.value)
          if (exit.value.conflicts.length > 0) yield* Queue.offer(inbox, { trigger: "followUp", scope, done: undefined })
        } else {
          failures++
          yield* Effect.logError(`reconciliation (${first.trigger}) failed`, exit.cause)
          if (batch.some((r) => r.done === undefined)) {
            const backoff = Math.min(config.minInterval * 2 ** (failures - 1), 60_000)
            yield* Effect.forkScoped(
              Effect.sleep(backoff).pipe(Effect.zipRight(Queue.offer(inbox, { trigger: "retry", scope, done: undefined })))
            )
          }
        }
      }
    }).pipe(Effect.annotateLogs({ module: "realtime/StateReconciler" }))
    yield* Effect.forkScoped(worker)

    return {
      reconcile: (trigger = "manual", accountIds) =>
        Effect.gen(function*() {
          const done = yield* Deferred.make<Report, ResilienceErrors.ResilientError>()
          yield* Queue.offer(inbox, { trigger, scope: accountIds ?? "all", done })
          return yield* Deferred.await(done)
        }),
      request: (trigger, accountIds) =>
        Effect.suspend(() => {
          const scope: RunScope = accountIds ?? "all"
          return resolve(scope, options.accountIds)?.length === 0
            ? Effect.void
            : Queue.offer(inbox, { trigger, scope, done: undefined })
        }).pipe(Effect.asVoid),
      reports: Stream.fromPubSub(reports),
      last: Effect.sync(() => lastReport),
      syncedAt: Effect.sync(() => new Map(syncedAt))
    } satisfies Service
  })

/**
 * One line for the log: what was missed, by kind.
 *
 * @since 0.1.0
 */
export const describe = (r: Report): string => {
  const parts = Object.entries(r.missed).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`)
  return `reconciliation (${r.trigger}) of ${r.accountIds.length} account(s) in ${r.finishedAt - r.startedAt} ms: ` +
    (parts.length === 0 ? "nothing missed" : `missed ${parts.join(", ")}`) +
    (r.conflicts.length > 0 ? `; ${r.conflicts.length} conflict(s) left for a follow-up` : "")
}

/**
 * Requests a run at start-up (every account) and after every reconnect of `hub`, once its
 * subscriptions are replayed (the accounts they concern; `stateReconciliation.enabled`,
 * `.onReconnect`), and, whenever a subscription becomes active after its replay (declared
 * later, or retried successfully: lifecycle `SubscriptionActive`), a run of its account
 * (`SubscribeAccounts`: every account), for as long as the scope lives.
 *
 * @since 0.1.0
 */
export const triggerOnConnect = (
  service: Service,
  hub: HubConnection.Service
): Effect.Effect<void, never, Scope.Scope | RealtimeConfig> =>
  Effect.gen(function*() {
    const config = (yield* RealtimeConfig).stateReconciliation
    if (!config.enabled) return
    const requestFor = (trigger: Trigger, scope: RunScope) =>
      scope === "all" ? service.request(trigger) : scope.length === 0 ? Effect.void : service.request(trigger, scope)
    // Subscribed to the lifecycle before the state is read: an activation that comes before the
    // start-up request is covered by the start-up run, any later one is seen here.
    const lifecycle = yield* hub.subscribeLifecycle
    yield* Effect.forkScoped(
      hub.state.changes.pipe(
        Stream.filterMap((s) => s._tag === "Connected" && s.subscribed ? Option.some(s) : Option.none()),
        Stream.changesWith((a, b) => a.connectionId === b.connectionId),
        Stream.runForEach((s) =>
          !s.afterReconnect
            ? service.request("startup")
            : config.onReconnect
            ? Effect.flatMap(hub.subscriptions, (subs) => requestFor("reconnect", affectedBy(subs)))
            : Effect.void
        )
      )
    )
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(lifecycle), (e) =>
      e._tag === "SubscriptionActive" ? requestFor("subscription", affectedBy([e.subscription])) : Effect.void)))
  })

/**
 * The safety net (`stateReconciliation.periodicIntervalMs`, 0: off): every account a run has
 * covered is reconciled again about that often even without a reconnect, a few at a time,
 * spread over the interval (see `internal/periodic.ts`), for as long as the scope lives. A
 * failed periodic run is logged; the next tick takes the same accounts again.
 *
 * @since 0.1.0
 */
export const triggerPeriodically = (service: Service): Effect.Effect<void, never, Scope.Scope | RealtimeConfig> =>
  Effect.gen(function*() {
    const config = (yield* RealtimeConfig).stateReconciliation
    const interval = config.periodicIntervalMs
    if (!config.enabled || interval === 0) return
    /** Sleeps until `at`, reconciles the accounts due then, returns when the next tick is. */
    const tick = (at: number): Effect.Effect<number> =>
      Effect.gen(function*() {
        yield* Effect.sleep(Math.max(0, at - (yield* Clock.currentTimeMillis)))
        const now = yield* Clock.currentTimeMillis
        const synced = yield* service.syncedAt
        const plan = Periodic.plan(synced.size, interval, config.minInterval)
        const due = Periodic.due([...synced.keys()], synced, now, interval, plan)
        if (due.length > 0) {
          yield* service.reconcile("periodic", due).pipe(
            Effect.catchAll((e) => Effect.logWarning(`periodic reconciliation of ${due.join(", ")} failed: ${e.message}`))
          )
        }
        return Math.max(at, now) + plan.tickMs
      })
    const start = yield* Clock.currentTimeMillis
    const first = Periodic.plan(0, interval, config.minInterval).tickMs // soon after start-up
    yield* Effect.forkScoped(
      Effect.iterate(start + first, { while: () => true, body: tick }).pipe(
        Effect.annotateLogs({ module: "realtime/StateReconciler" })
      )
    )
  })

/**
 * A reconciler that runs at start-up, after every reconnect of UserHub, when a subscription
 * becomes active, and periodically (see {@link triggerOnConnect}, {@link triggerPeriodically}).
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options = {}
): Layer.Layer<
  StateReconciler,
  never,
  ResilientGateway.ResilientGateway | AccountState | UserHub | RealtimeConfig
> =>
  Layer.scoped(
    StateReconciler,
    Effect.gen(function*() {
      const service = yield* make(options)
      yield* triggerOnConnect(service, yield* UserHub)
      yield* triggerPeriodically(service)
      return service
    })
  )
