/**
 * The Enforcer carries out the rules' actions on one account at a time
 * (a second request while one runs joins it), through the OrderManager
 * (idempotent, verified): cancel before close, verify flat with
 * Position/searchOpen, Order/search over the trading day and AccountState,
 * repeat what is not done, escalate past a bound and keep trying. Every
 * enforcement and its progress is persisted, so a restart resumes it without
 * duplicates; every decision and action is an audit record.
 *
 * @since 0.1.0
 */
import { OrderManager } from "@tradeguard/orders"
import { AccountState, Config as RealtimeConfig, StateReconciler } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { PendingActions } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { randomBytes } from "node:crypto"
import { Audit, type FinalState, type Step } from "./Audit.js"
import * as Persisted from "./internal/enforcement/persisted.js"
import * as Run from "./internal/enforcement/run.js"
import { Locks } from "./Locks.js"
import type { RuleName } from "./RiskConfig.js"
import type { Action } from "./Verdict.js"

/**
 * What to enforce on an account, and why.
 *
 * @since 0.1.0
 */
export interface Request {
  readonly accountId: number
  /** The rule that asks (`lock`: an active lock finds an order or a position). */
  readonly rule: RuleName | "lock"
  readonly reason: string
  readonly figures: Readonly<Record<string, unknown>>
  readonly actions: ReadonlyArray<Action>
}

/**
 * How an enforcement ended: `Done` (verified), or `Escalated` (not verified within the bound; it keeps trying).
 *
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Done"; readonly id: string; readonly at: number }
  | { readonly _tag: "Escalated"; readonly id: string; readonly at: number; readonly remaining: string }

/**
 * What the Enforcer reports as it goes (for the engine's metrics and the daemon): an enforcement `Started`,
 * one request done (`ActionDone`), the end `Verified` (with the final state), or `Escalated`.
 *
 * @since 0.1.0
 */
export type Event =
  | { readonly _tag: "Started"; readonly id: string; readonly accountId: number; readonly rule: string; readonly resumed: boolean }
  | { readonly _tag: "ActionDone"; readonly id: string; readonly accountId: number; readonly step: Step }
  | { readonly _tag: "Verified"; readonly id: string; readonly accountId: number; readonly at: number; readonly final: FinalState }
  | { readonly _tag: "Escalated"; readonly id: string; readonly accountId: number; readonly at: number; readonly remaining: string }

/**
 * The Enforcer.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Carries out `request` (joining the account's running enforcement, if any) and waits for its outcome. */
  readonly enforce: (request: Request) => Effect.Effect<Outcome>
  /** Whether an enforcement is running on the account. */
  readonly running: (accountId: number) => Effect.Effect<boolean>
  /** The Enforcer's events, live (from the moment the stream is run). */
  readonly events: Stream.Stream<Event>
}

/**
 * The Enforcer's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Enforcer extends Context.Tag("@tradeguard/rules/Enforcer")<Enforcer, Service>() {}

/**
 * Options of {@link layer}: `escalateAfter` (default 5 seconds: an enforcement not verified by then is
 * escalated, and keeps trying), `retryEvery` (default 1 second: the pause between rounds that failed, and
 * between rounds after an escalation), `agreeWithin` (default 1 second: how long AccountState may lag behind
 * the gateway before what it still shows is acted on), `pollEvery` (default 100 ms: how often an
 * enforcement looks again while a cancellation or a reduction is under way).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly escalateAfter?: Duration.DurationInput
  readonly retryEvery?: Duration.DurationInput
  readonly agreeWithin?: Duration.DurationInput
  readonly pollEvery?: Duration.DurationInput
}

/**
 * What the Enforcer needs. A StateReconciler in the context, when there is one, is also used: an enforcement
 * that the gateway shows done while AccountState still shows a working order or an open position (an event
 * lost) asks it for a reconciliation of the account (trigger `mismatch`), at most every 10 seconds.
 *
 * @since 0.1.0
 */
export type Requirements =
  | OrderManager.OrderManager
  | ResilientGateway.ResilientGateway
  | AccountState.AccountState
  | PendingActions.PendingActions
  | Audit
  | Locks
  | RealtimeConfig.RealtimeConfig

const millis = (d: Duration.DurationInput | undefined, fallback: Duration.DurationInput) => Duration.toMillis(d ?? fallback)

/**
 * Builds the Enforcer in a scope (its fibers, one per account enforcing, live as long as it) and resumes the
 * enforcements the store holds (a restart mid-flatten completes it).
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Requirements | Scope.Scope> =>
  Effect.gen(function*() {
    const pending = yield* PendingActions.PendingActions
    const pubsub = yield* PubSub.unbounded<Event>()
    const reconciler = yield* Effect.serviceOption(StateReconciler.StateReconciler)
    const deps: Run.Deps = {
      orders: yield* OrderManager.OrderManager,
      gateway: yield* ResilientGateway.ResilientGateway,
      state: yield* AccountState.AccountState,
      pending,
      audit: yield* Audit,
      locks: yield* Locks,
      tradingDay: (yield* RealtimeConfig.RealtimeConfig).tradingDay,
      escalateAfterMillis: millis(options.escalateAfter, "5 seconds"),
      retryEveryMillis: millis(options.retryEvery, "1 second"),
      agreeWithinMillis: millis(options.agreeWithin, "1 second"),
      pollMillis: millis(options.pollEvery, "100 millis"),
      emit: (e) => Effect.asVoid(PubSub.publish(pubsub, e)),
      reconcile: (accountId) =>
        reconciler._tag === "Some" ? reconciler.value.request("mismatch", [accountId]) : Effect.void
    }
    const fibers = yield* FiberSet.make()
    const running = new Map<number, Run.Running>()
    const mutex = yield* Effect.makeSemaphore(1)

    const decision = (r: Run.Running, request: Request, outcome: string) =>
      deps.audit.record({
        accountId: request.accountId,
        rule: request.rule,
        kind: "Decision",
        enforcementId: r.e.id,
        reason: request.reason,
        figures: request.figures,
        action: request.actions.map((a) => a._tag).join(", "),
        outcome
      })

    /** The locks a joining request's `Flatten` asks for (the first request's are set by its run). */
    const lockFor = (request: Request) =>
      Effect.forEach(request.actions, (a) =>
        a._tag === "Flatten" && a.lock !== undefined && request.rule !== "lock"
          ? Effect.asVoid(deps.locks.lock(request.accountId, request.rule, request.reason, a.lock))
          : Effect.void, { discard: true })

    const launch = (r: Run.Running, resumed: boolean) =>
      Effect.gen(function*() {
        running.set(r.e.accountId, r)
        yield* deps.emit({ _tag: "Started", id: r.e.id, accountId: r.e.accountId, rule: r.e.rule, resumed })
        yield* FiberSet.run(fibers, Run.run(deps, r).pipe(
          Effect.ensuring(Effect.sync(() => {
            if (running.get(r.e.accountId) === r) running.delete(r.e.accountId)
          })),
          Effect.annotateLogs({ account: r.e.accountId, enforcement: r.e.id })
        ))
      })

    const admit = (request: Request) =>
      Effect.gen(function*() {
        const joined = running.get(request.accountId)
        if (joined !== undefined) {
          joined.e = {
            ...joined.e,
            actions: [...joined.e.actions, ...request.actions.map(Persisted.fromAction)],
            figures: { ...joined.e.figures, [request.rule]: request.figures }
          }
          yield* Run.persist(deps, joined)
          yield* decision(joined, request, "Joined")
          yield* lockFor(request)
          return joined
        }
        const now = yield* Clock.currentTimeMillis
        const e: Persisted.Enforcement = {
          id: `${request.accountId}-${now.toString(36)}-${randomBytes(4).toString("hex")}`,
          accountId: request.accountId,
          rule: request.rule,
          reason: request.reason,
          figures: request.figures,
          actions: request.actions.map(Persisted.fromAction),
          startedAt: now,
          reductionSteps: {},
          rounds: 0,
          locked: false
        }
        // written BEFORE the first request: a restart resumes it
        yield* pending.enqueue({ id: e.id, accountId: e.accountId, action: Persisted.kind, payload: Persisted.encode(e) }).pipe(
          Effect.catchAll((err) => Effect.logError(`enforcement ${e.id} could not be stored (a restart would not resume it): ${err.message}`))
        )
        const r: Run.Running = { e, outcome: yield* Deferred.make<Outcome>(), steps: [], escalated: false, remaining: [] }
        yield* decision(r, request, "Started")
        yield* launch(r, false)
        return r
      })

    const enforce = (request: Request) =>
      Effect.flatMap(mutex.withPermits(1)(admit(request)), (r) => Deferred.await(r.outcome)).pipe(
        Effect.withSpan("Enforcer.enforce", { attributes: { account: request.accountId, rule: request.rule } })
      )

    // resume what a previous run left (a restart mid-flatten)
    const rows = yield* pending.list.pipe(
      Effect.tapError((e) => Effect.logError(`the pending enforcements could not be read at start: ${e.message}`)),
      Effect.orElseSucceed(() => [])
    )
    for (const row of rows) {
      if (row.action !== Persisted.kind) continue
      const decoded = Persisted.decode(row.payload)
      if (decoded._tag === "None") {
        yield* Effect.logError(`pending enforcement ${row.id} could not be read: left as it is`)
        continue
      }
      const e = decoded.value
      const joined = running.get(e.accountId)
      if (joined !== undefined) {
        // two rows of one account (a join stored twice): one enforcement carries both
        joined.e = { ...joined.e, actions: [...joined.e.actions, ...e.actions], figures: { ...joined.e.figures, [e.rule]: e.figures } }
        yield* Run.persist(deps, joined)
        yield* Effect.ignore(pending.done(e.id))
        continue
      }
      yield* Effect.logWarning(`resuming enforcement ${e.id} on account ${e.accountId} (${e.rule}: ${e.reason})`)
      yield* launch({ e, outcome: yield* Deferred.make<Outcome>(), steps: [], escalated: false, remaining: [] }, true)
    }

    return {
      enforce,
      running: (accountId) => Effect.sync(() => running.has(accountId)),
      events: Stream.fromPubSub(pubsub)
    } satisfies Service
  })

/**
 * The Enforcer, resuming at start the enforcements a previous run left in the store.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Enforcer, never, Requirements> => Layer.scoped(Enforcer, make(options))
