/**
 * One enforcement's loop: read the account (Position/searchOpen and Order/search over the trading day, at
 * enforcement priority), send what is still to do through the OrderManager (cancels, then closes, then
 * reductions), read again; when the gateway shows it done, wait for AccountState to agree (what it still
 * shows after `agreeWithin` is acted on too); done = verified on both. Past `escalateAfter` an escalation
 * (ERROR log, audit record, event, the callers' outcome) and it keeps trying every `retryEvery`.
 *
 * @internal
 */
import { Models } from "@tradeguard/gateway"
import type { OrderManager } from "@tradeguard/orders"
import { AccountState, TradingDay } from "@tradeguard/realtime"
import type { ResilientGateway } from "@tradeguard/resilience"
import type { PendingActions } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Audit from "../../Audit.js"
import type { Event, Outcome } from "../../Enforcer.js"
import type * as Locks from "../../Locks.js"
import type { RuleName } from "../../RiskConfig.js"
import * as Persisted from "./persisted.js"
import * as Plan from "./plan.js"

/** What the loop needs. */
export interface Deps {
  readonly orders: OrderManager.Service
  readonly gateway: ResilientGateway.Service
  readonly state: AccountState.Service
  readonly pending: PendingActions.PendingActions
  readonly audit: Audit.Service
  readonly locks: Locks.Service
  readonly tradingDay: TradingDay.Config
  readonly escalateAfterMillis: number
  readonly retryEveryMillis: number
  readonly agreeWithinMillis: number
  readonly pollMillis: number
  readonly emit: (event: Event) => Effect.Effect<void>
  /** Asks for a reconciliation of the account (no wait): AccountState shows what the gateway does not. */
  readonly reconcile: (accountId: number) => Effect.Effect<void>
}

/** How often a run that still finds AccountState showing what the gateway does not asks for a reconciliation. */
export const mismatchReconcileMillis = 10_000

/** One enforcement in progress. */
export interface Running {
  e: Persisted.Enforcement
  readonly outcome: Deferred.Deferred<Outcome>
  readonly steps: Array<Audit.Step>
  escalated: boolean
  remaining: ReadonlyArray<string>
  /** When this run last asked for a reconciliation of its account (epoch millis). */
  reconcileAskedAt?: number
}

const enforcement = { priority: "enforcement" } as const

/** Persists the enforcement's progress (a store that fails is logged: the enforcement goes on). */
export const persist = (deps: Deps, r: Running): Effect.Effect<void> =>
  deps.pending.update(r.e.id, Persisted.encode(r.e)).pipe(
    Effect.catchAll((e) => Effect.logError(`enforcement ${r.e.id}: its progress could not be stored: ${e.message}`))
  )

/** Sets the lock a `Flatten` asks for, once (before the first request). */
export const lockIfAsked = (deps: Deps, r: Running): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (r.e.locked || r.e.rule === "lock") return
    const ends = r.e.actions.flatMap((a) => (a._tag === "Flatten" && a.lock !== undefined ? [a.lock] : []))
    if (ends.length === 0) return
    for (const end of ends) yield* deps.locks.lock(r.e.accountId, r.e.rule as RuleName, r.e.reason, end)
    r.e = { ...r.e, locked: true }
    yield* persist(deps, r)
  })

const readRest = (deps: Deps, accountId: number) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const startTimestamp = Models.timestampFromMillis(TradingDay.startOf(now, deps.tradingDay))
    const [positions, orders] = yield* Effect.all([
      deps.gateway.positionSearchOpen({ accountId }, enforcement),
      deps.gateway.orderSearch({ accountId, startTimestamp }, enforcement)
    ], { concurrency: 2 })
    return Plan.normalize({ positions: positions.positions, orders: orders.orders })
  })

const readState = (deps: Deps, accountId: number) =>
  Effect.gen(function*() {
    yield* deps.state.settle
    const s = yield* deps.state.get
    return Plan.normalize({ positions: AccountState.openPositions(s, accountId), orders: AccountState.workingOrders(s, accountId) })
  })

/** Polls AccountState until it shows `needs` done or `agreeWithin` passes; its last picture. */
const agreed = (deps: Deps, r: Running, needs: Plan.Needs, prefix: string) =>
  Effect.gen(function*() {
    const until = (yield* Clock.currentTimeMillis) + deps.agreeWithinMillis
    while (true) {
      const picture = yield* readState(deps, r.e.accountId)
      if (Plan.remainingOf(needs, picture, prefix).length === 0 || (yield* Clock.currentTimeMillis) >= until) return picture
      yield* Effect.sleep(deps.pollMillis)
    }
  })

const describe = (u: unknown): string => {
  if (typeof u !== "object" || u === null) return String(u)
  const o = u as { _tag?: string; reason?: unknown; message?: unknown; errorCode?: unknown }
  const why = o.reason ?? o.message ?? o.errorCode
  return why === undefined ? String(o._tag) : `${String(o._tag)}: ${String(why)}`
}

/** Sends one request through the OrderManager, timed, audited and announced; whether it succeeded. */
const step = <A, E>(
  deps: Deps,
  r: Running,
  action: string,
  request: Record<string, unknown>,
  send: Effect.Effect<A, E>,
  ok: (a: A) => boolean
): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const result = yield* Effect.either(send)
    const endedAt = yield* Clock.currentTimeMillis
    const outcome = result._tag === "Right" ? describe(result.right) : `Unknown: ${describe(result.left)}`
    const s: Audit.Step = { action, request, outcome, startedAt, endedAt }
    r.steps.push(s)
    yield* deps.audit.record({
      accountId: r.e.accountId,
      rule: r.e.rule,
      kind: "Action",
      enforcementId: r.e.id,
      reason: r.e.reason,
      figures: r.e.figures,
      action,
      outcome,
      steps: [s]
    })
    yield* deps.emit({ _tag: "ActionDone", id: r.e.id, accountId: r.e.accountId, step: s })
    return result._tag === "Right" && ok(result.right)
  })

const done = (o: { readonly _tag: string }) => o._tag === "Done" || o._tag === "OrderClosed"

/** Sends `plan`: every cancel, then (once they all succeeded, or escalated) every close, then the reductions. */
const execute = (deps: Deps, r: Running, plan: Plan.Plan) =>
  Effect.gen(function*() {
    const accountId = r.e.accountId
    const cancels = yield* Effect.forEach(
      plan.cancels,
      (o) => step(deps, r, "cancel", { accountId, orderId: o.id }, deps.orders.cancel(accountId, o.id), done),
      { concurrency: 4 }
    )
    // cancel BEFORE close: a resting order left working could reopen the position
    if (!cancels.every(Boolean) && !r.escalated) return false
    const closes = yield* Effect.forEach(
      plan.closes,
      (contractId) => step(deps, r, "closeContract", { accountId, contractId }, deps.orders.closeContract(accountId, contractId), done),
      { concurrency: 4 }
    )
    const reductions: Array<boolean> = []
    for (const x of plan.reductions) {
      const n = r.e.reductionSteps[x.contractId] ?? 1
      const key = Plan.reductionKey(r.e.id, x.contractId, n)
      reductions.push(yield* step(
        deps,
        r,
        "reduce",
        { accountId, contractId: x.contractId, size: x.size, key },
        deps.orders.reduce({ key, accountId, contractId: x.contractId, size: x.size, priority: "enforcement" }),
        (o) => Option.isNone(o) || o.value._tag === "Placed" || o.value._tag === "Duplicate"
      ))
      // the next reduction gets the next key; until this is stored, a restart reuses this one (a Duplicate)
      r.e = { ...r.e, reductionSteps: { ...r.e.reductionSteps, [x.contractId]: n + 1 } }
      yield* persist(deps, r)
    }
    r.e = { ...r.e, rounds: r.e.rounds + 1 }
    yield* persist(deps, r)
    return [...cancels, ...closes, ...reductions].every(Boolean)
  })

const finalOf = (picture: Plan.Picture, flat: boolean): Audit.FinalState => ({
  flat,
  positions: picture.positions.map((p) => ({ contractId: p.contractId, size: p.size, type: p.type })),
  workingOrders: picture.orders.map((o) => ({ id: o.id, contractId: o.contractId, status: o.status }))
})

/** Escalates `r` once: an ERROR log, an audit record, an event, the callers' outcome. */
export const escalate = (deps: Deps, r: Running): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (r.escalated || (yield* Deferred.isDone(r.outcome))) return
    r.escalated = true
    const at = yield* Clock.currentTimeMillis
    const remaining = r.remaining.length === 0 ? "not verified yet" : r.remaining.join(", ")
    yield* Effect.logError(`enforcement ${r.e.id} on account ${r.e.accountId} not verified within ${deps.escalateAfterMillis} ms: ${remaining}; still trying`).pipe(
      Effect.annotateLogs({ account: r.e.accountId, rule: r.e.rule, enforcement: r.e.id })
    )
    yield* deps.audit.record({
      accountId: r.e.accountId,
      rule: r.e.rule,
      kind: "Escalated",
      enforcementId: r.e.id,
      reason: r.e.reason,
      figures: { ...r.e.figures, remaining },
      outcome: "Escalated",
      steps: r.steps
    })
    yield* deps.emit({ _tag: "Escalated", id: r.e.id, accountId: r.e.accountId, at, remaining })
    yield* Deferred.succeed(r.outcome, { _tag: "Escalated", id: r.e.id, at, remaining })
  })

const finish = (deps: Deps, r: Running, picture: Plan.Picture) =>
  Effect.gen(function*() {
    const at = yield* Clock.currentTimeMillis
    const final = finalOf(picture, picture.positions.length === 0 && picture.orders.length === 0)
    if (r.escalated) yield* Effect.logInfo(`enforcement ${r.e.id} on account ${r.e.accountId} verified after its escalation`)
    yield* deps.audit.record({
      accountId: r.e.accountId,
      rule: r.e.rule,
      kind: "Verified",
      enforcementId: r.e.id,
      reason: r.e.reason,
      figures: r.e.figures,
      outcome: "Done",
      steps: r.steps,
      final
    })
    yield* deps.emit({ _tag: "Verified", id: r.e.id, accountId: r.e.accountId, at, final })
    yield* deps.pending.done(r.e.id).pipe(
      Effect.catchAll((e) => Effect.logError(`enforcement ${r.e.id}: its row could not be removed: ${e.message}`))
    )
    yield* Deferred.succeed(r.outcome, { _tag: "Done", id: r.e.id, at })
  })

/** Runs `r` until verified done (escalating past the bound, then trying every `retryEvery`). */
export const run = (deps: Deps, r: Running): Effect.Effect<void> =>
  Effect.gen(function*() {
    const timer = yield* Effect.fork(Effect.zipRight(Effect.sleep(deps.escalateAfterMillis), escalate(deps, r)))
    const prefix = `${r.e.id}:`
    const pause = Effect.suspend(() => Effect.sleep(deps.retryEveryMillis))
    yield* lockIfAsked(deps, r)
    while (true) {
      const needs = Plan.needsOf(r.e.actions.map(Persisted.toAction))
      const rest = yield* Effect.either(readRest(deps, r.e.accountId))
      if (rest._tag === "Left") {
        yield* Effect.logWarning(`enforcement ${r.e.id}: the account could not be read: ${rest.left.message}`)
        yield* pause
        continue
      }
      r.remaining = Plan.remainingOf(needs, rest.right, prefix)
      const plan = Plan.planOf(needs, rest.right, prefix)
      if (!Plan.isEmpty(plan)) {
        if (!(yield* execute(deps, r, plan)) || r.escalated) yield* pause
        continue
      }
      if (r.remaining.length > 0) {
        // being worked on (a cancellation pending, a reduction filling): look again soon
        yield* Effect.sleep(deps.pollMillis)
        continue
      }
      const state = yield* agreed(deps, r, needs, prefix)
      const both = Plan.union(rest.right, state)
      r.remaining = Plan.remainingOf(needs, both, prefix)
      if (r.remaining.length === 0) {
        yield* Fiber.interrupt(timer)
        return yield* finish(deps, r, both)
      }
      // AccountState still shows what the gateway does not, past agreeWithin: act on it too, and have the account
      // reconciled (a lost event leaves the cache showing an order or a position that the gateway has ended)
      const now = yield* Clock.currentTimeMillis
      if (r.reconcileAskedAt === undefined || now - r.reconcileAskedAt >= mismatchReconcileMillis) {
        r.reconcileAskedAt = now
        yield* deps.reconcile(r.e.accountId)
      }
      const more = Plan.planOf(needs, both, prefix)
      if (Plan.isEmpty(more) || !(yield* execute(deps, r, more)) || r.escalated) yield* pause
    }
  })
