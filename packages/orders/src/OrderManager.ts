/**
 * The OrderManager: orders that are never duplicated or lost.
 *
 * - `submit(intent)`: the intent (the caller's idempotency key + the request) and its first attempt are
 *   written and committed BEFORE the request goes out (write-ahead); the attempt's customTag is
 *   `<key>.<n>`. The same intent again within `idempotency.cacheTTL` answers `Duplicate(existing)` without
 *   a request, also after a restart; the same key with another request is `IdempotencyKeyReused`.
 * - An ambiguous failure (OutcomeUnknown: a timeout, a dropped reply, a 5xx after sending, a reset) is
 *   verified: the intent's tags are looked for with Order/search and on the user hub. Found: that order is
 *   adopted. Proven absent: the SAME tag is sent again (the gateway refuses a tag it has seen, so this can
 *   never make a second order); a refused resend is searched once more: found → adopted, absent → Rejected.
 *   Still unknown after `verification.maxRetries` rounds: `Verifying`, an alert, re-checked every
 *   `verification.timeout`, nothing sent. A new tag (`n+1`) only through `retry` after a rejection.
 * - cancel, modify and closeContract take the same verified path; `reduce` cuts a position with a tagged
 *   market order on the opposite side (partialCloseContract carries no tag and is never used).
 * - Fills (`partialFills`): volume and average price per order from the hub's order and trade events
 *   (consumed through `attach`, so none is missed), stored; PartiallyFilled / Filled / Incomplete events.
 * - Start-up: building the layer verifies every intent that is not terminal before anything new is sent.
 *
 * @example
 * ```ts
 * import { OrderManager } from "@tradeguard/orders"
 * import * as Effect from "effect/Effect"
 *
 * const buyOne = Effect.gen(function*() {
 *   const orders = yield* OrderManager.OrderManager
 *   const outcome = yield* orders.submit({
 *     key: "acct-7:open-long-1",
 *     request: { accountId: 7, contractId: "CON.F.US.MNQ.Z26", type: 2, side: 0, size: 1 }
 *   })
 *   if (outcome._tag === "Placed") yield* Effect.log(`order ${outcome.orderId} (${outcome.customTag})`)
 * })
 * ```
 *
 * @since 0.2.0
 */
import { type Endpoints, Enums, Errors as GatewayErrors, type Models } from "@tradeguard/gateway"
import { HubConnection, Subscription } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { OrderIntents } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { OrderConfig } from "./OrderConfig.js"
import { NotRetryable, type StoreUnavailable, UnknownIntent } from "./OrderErrors.js"
import type { OrderEvent } from "./OrderEvent.js"
import type { IntentRequest, Outcome, RecordedOutcome } from "./OrderIntent.js"
import {
  fingerprint,
  IdempotencyKeyReused,
  IntentRequest as IntentRequestSchema,
  InvalidIdempotencyKey,
  keyProblem,
  tagOf
} from "./OrderIntent.js"
import type * as Operation from "./Operation.js"
import { answer, findOrder, positionOf } from "./internal/calls.js"
import { decide } from "./internal/duplicates.js"
import * as Driver from "./internal/driver.js"
import { newIntent, outcomeOf, persistence, requestOf } from "./internal/persist.js"
import * as Tracking from "./internal/tracking.js"
import * as V from "./internal/verification.js"
import * as Verified from "./internal/verified.js"

/**
 * What `submit` takes: the caller's idempotency key, the request (the `Order/place` fields without
 * customTag), and an optional time in force `cancelAfter` (ms after submission).
 *
 * @since 0.2.0
 */
export interface Submission {
  readonly key: string
  readonly request: IntentRequest
  readonly cancelAfter?: number
  /** The rate-limit priority Order/place goes at (default the endpoint's: normal); risk enforcement passes `enforcement`. */
  readonly priority?: ResilientGateway.Priority
}

/**
 * What `submit` and `retry` may fail with. `OutcomeUnknown` only with `verification.enabled: false`.
 *
 * @since 0.2.0
 */
export type SubmitError = InvalidIdempotencyKey | IdempotencyKeyReused | StoreUnavailable | GatewayErrors.OutcomeUnknown

/**
 * What start-up recovery found: intents resumed (verified) and how they ended, and orders still working.
 *
 * @since 0.2.0
 */
export interface RecoveryReport {
  /** Intents whose outcome was unknown at start-up and were verified. */
  readonly resumed: number
  readonly placed: number
  readonly rejected: number
  readonly failed: number
  /** Still unknown: left Verifying (re-checked on a schedule). */
  readonly verifying: number
  /** Intents with a working order, tracked again. */
  readonly working: number
}

/**
 * A position to cut by `size` contracts with a tagged market order on the opposite side (clamped to the
 * position: a reduction never reverses it).
 *
 * @since 0.2.0
 */
export interface Reduction {
  readonly key: string
  readonly accountId: number
  readonly contractId: string
  readonly size: number
  /** The rate-limit priority of the position read and of Order/place (default normal); risk enforcement passes `enforcement`. */
  readonly priority?: ResilientGateway.Priority
}

/**
 * The OrderManager.
 *
 * @since 0.2.0
 */
export interface Service {
  /**
   * Places an intent exactly once (see the module's description). A request `Order/place` cannot carry
   * (e.g. a fractional size) answers `Failed`, nothing written nor sent.
   */
  readonly submit: (submission: Submission) => Effect.Effect<Outcome, SubmitError>
  /** After Rejected or Failed: the next attempt, with a new tag (`<key>.<n+1>`). */
  readonly retry: (key: string) => Effect.Effect<Outcome, SubmitError | UnknownIntent | NotRetryable>
  /** The intent's outcome as it stands (Verifying while unknown), `None` for an unknown key. */
  readonly outcome: (key: string) => Effect.Effect<Option.Option<RecordedOutcome>, StoreUnavailable>
  /** Waits until the intent's outcome is known (never Verifying). */
  readonly settled: (key: string) => Effect.Effect<RecordedOutcome, StoreUnavailable | UnknownIntent | GatewayErrors.OutcomeUnknown>
  /** Cancels an order, verified. */
  readonly cancel: (accountId: number, orderId: number) => Effect.Effect<Operation.OrderOutcome, GatewayErrors.OutcomeUnknown>
  /** Modifies an order (size, prices), verified: done when the order shows the new values. */
  readonly modify: (request: typeof Endpoints.ModifyOrderRequest.Type) => Effect.Effect<Operation.OrderOutcome, GatewayErrors.OutcomeUnknown>
  /** Closes the position in a contract, verified through positions (an already flat position is done). */
  readonly closeContract: (accountId: number, contractId: string) => Effect.Effect<Operation.CloseOutcome, GatewayErrors.OutcomeUnknown>
  /** Cuts a position with a tagged market order (a verifiable intent); `None` when there is no position, Failed when it cannot be read. */
  readonly reduce: (reduction: Reduction) => Effect.Effect<Option.Option<Outcome>, SubmitError>
  /** The fill volume and average price of an order of an intent, if tracked. */
  readonly fills: (orderId: number) => Effect.Effect<Option.Option<{ readonly fillVolume: number; readonly avgPrice: number | undefined }>>
  /** Verifies every intent that is not terminal (the layer runs it at start-up). */
  readonly recover: Effect.Effect<RecoveryReport, StoreUnavailable>
  /** Outcomes, alerts, fills, incomplete and expired orders, live. */
  readonly events: Stream.Stream<OrderEvent>
  /** Subscribes to the events now (for as long as the scope lives). */
  readonly subscribe: Effect.Effect<Queue.Dequeue<OrderEvent>, never, Scope.Scope>
}

/**
 * The OrderManager's tag.
 *
 * @since 0.2.0
 */
export class OrderManager extends Context.Tag("@tradeguard/orders/OrderManager")<OrderManager, Service>() {}

/**
 * What the OrderManager needs.
 *
 * @since 0.2.0
 */
export type Requirements = ResilientGateway.ResilientGateway | HubConnection.UserHub | OrderIntents.OrderIntents | OrderConfig

const validateRequest = Schema.validateEither(IntentRequestSchema)

const opposite = (side: Enums.OrderSide): Enums.OrderSide => (side === Enums.OrderSide.Bid ? Enums.OrderSide.Ask : Enums.OrderSide.Bid)

const emptyReport: RecoveryReport = { resumed: 0, placed: 0, rejected: 0, failed: 0, verifying: 0, working: 0 }

/**
 * Builds the manager in a scope (its background fibers live as long as the scope) WITHOUT running start-up
 * recovery; `layer` runs it.
 *
 * @since 0.2.0
 */
export const make: Effect.Effect<Service, never, Requirements | Scope.Scope> = Effect.gen(function*() {
  const gateway = yield* ResilientGateway.ResilientGateway
  const hub = yield* HubConnection.UserHub
  const config = yield* OrderConfig
  const store = persistence(yield* OrderIntents.OrderIntents)
  const fibers = yield* FiberSet.make()
  const fork = (effect: Effect.Effect<void>) => Effect.asVoid(FiberSet.run(fibers, effect))
  const pubsub = yield* PubSub.unbounded<OrderEvent>()
  const emit = (e: OrderEvent) => Effect.asVoid(PubSub.publish(pubsub, e))
  const commands = yield* Queue.unbounded<Tracking.Command>()
  const active = new Map<string, Driver.Running>()
  const admission = yield* Effect.makeSemaphore(1)
  const subscribed = new Set<number>()
  const alert = (message: string) => Effect.zipRight(Effect.logWarning(message), emit({ _tag: "Alert", message }))

  const ops = {
    cancel: (accountId: number, orderId: number) =>
      Verified.run<Operation.OrderOutcome>({
        name: `cancel of order ${orderId}`,
        send: answer(gateway.orderCancel({ accountId, orderId })),
        check: Effect.map(findOrder(gateway, accountId, orderId, config.verification.timeout), (found) => {
          if (Option.isNone(found)) return { _tag: "Done", outcome: { _tag: "Rejected", errorCode: 2, message: `order ${orderId} not found` } }
          const s = found.value.status
          if (s === Enums.OrderStatus.Cancelled) return { _tag: "Done", outcome: { _tag: "Done", already: false } }
          if (Enums.isTerminalStatus(s)) return { _tag: "Done", outcome: { _tag: "OrderClosed", status: s } }
          return s === Enums.OrderStatus.PendingCancellation ? { _tag: "InProgress" } : { _tag: "NotApplied" }
        }),
        ...outcomes,
        unverified: (reason) => new GatewayErrors.OutcomeUnknown({ endpoint: "orderCancel", reason, request: { accountId, orderId } })
      }, config.verification, { alert, background: fork }),
    modify: (request: Parameters<Service["modify"]>[0]) =>
      Verified.run<Operation.OrderOutcome>({
        name: `modify of order ${request.orderId}`,
        send: answer(gateway.orderModify(request)),
        check: Effect.map(findOrder(gateway, request.accountId, request.orderId, config.verification.timeout), (found) => {
          if (Option.isNone(found)) return { _tag: "Done", outcome: { _tag: "Rejected", errorCode: 2, message: `order ${request.orderId} not found` } }
          const o = found.value
          if (Enums.isTerminalStatus(o.status)) return { _tag: "Done", outcome: { _tag: "OrderClosed", status: o.status } }
          return matches(o, request) ? { _tag: "Done", outcome: { _tag: "Done", already: false } } : { _tag: "NotApplied" }
        }),
        ...outcomes,
        unverified: (reason) => new GatewayErrors.OutcomeUnknown({ endpoint: "orderModify", reason, request })
      }, config.verification, { alert, background: fork }),
    closeContract: (accountId: number, contractId: string) =>
      Verified.run<Operation.CloseOutcome>({
        name: `close of ${contractId} on account ${accountId}`,
        send: answer(gateway.positionCloseContract({ accountId, contractId })),
        check: Effect.map(positionOf(gateway, accountId, contractId, config.verification.timeout), ({ closing, position }) =>
          Option.isNone(position)
            ? { _tag: "Done", outcome: { _tag: "Done", already: false } }
            : closing
            ? { _tag: "InProgress" }
            : { _tag: "NotApplied" }),
        ...outcomes,
        unverified: (reason) => new GatewayErrors.OutcomeUnknown({ endpoint: "positionCloseContract", reason, request: { accountId, contractId } })
      }, config.verification, { alert, background: fork })
  }

  const lock = yield* Effect.makeSemaphore(1)
  const tracking = Tracking.make({
    lock,
    config,
    store,
    emit,
    toDriver: (key, order) =>
      Effect.suspend(() => {
        const r = active.get(key)
        return r === undefined ? Effect.succeed(false) : Effect.as(Queue.offer(r.inbox, { _tag: "HubSaw", order }), true)
      }),
    schedule: (delayMillis, command) => fork(Effect.zipRight(Effect.sleep(delayMillis), Queue.offer(commands, command))),
    cancelRest: (accountId, orderId) => fork(Effect.asVoid(Effect.ignore(ops.cancel(accountId, orderId))))
  })
  yield* fork(Effect.forever(Effect.flatMap(Queue.take(commands), tracking.handle)))
  yield* hub.attach((events) => {
    if (events.some((e) => e._tag === "Order" || e._tag === "Trade")) Queue.unsafeOffer(commands, { _tag: "Hub", events })
  })

  /** Placed: own the order, look it up if it stays Pending, cancel it when its time in force ends. */
  const placed = (key: string, orderId: number, customTag: string): Effect.Effect<void> =>
    Effect.gen(function*() {
      const r = active.get(key)
      const accountId = r?.request.accountId ?? (yield* Effect.map(Effect.option(store.find(key)), Option.flatten)).pipe(Option.map((i) => i.accountId), Option.getOrElse(() => 0))
      yield* Queue.offer(commands, { _tag: "Own", orderId, owned: { key, customTag, accountId } })
      yield* fork(Effect.gen(function*() {
        yield* Effect.sleep(config.verification.timeout)
        const s = tracking.statusOf(orderId)
        if (s !== undefined && s !== Enums.OrderStatus.Pending) return
        // a lookup that fails (the gateway down or slow) is tried again every verification.timeout: the hub
        // may have lost the order's events, and then only this lookup tells its fills
        const found = yield* Effect.option(Effect.retry(
          findOrder(gateway, accountId, orderId, config.verification.timeout),
          Schedule.spaced(config.verification.timeout)
        ))
        if (Option.isSome(found) && Option.isSome(found.value)) yield* Queue.offer(commands, { _tag: "Order", order: found.value.value })
      }))
      const intent = yield* Effect.option(store.find(key))
      const expiresAt = Option.flatten(intent).pipe(Option.flatMap((i) => Option.fromNullable(i.expiresAt)))
      if (Option.isSome(expiresAt)) yield* armExpiry(key, accountId, orderId, expiresAt.value)
    })

  const armExpiry = (key: string, accountId: number, orderId: number, expiresAt: number) =>
    fork(Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (expiresAt > now) yield* Effect.sleep(expiresAt - now)
      if (Tracking.isTerminal(tracking.statusOf(orderId))) return
      const result = yield* Effect.either(ops.cancel(accountId, orderId))
      if (result._tag === "Right" && result.right._tag === "Done") {
        yield* Effect.ignore(store.setStatus(key, "Expired"))
        yield* emit({ _tag: "Expired", key, orderId })
      }
    }))

  const driverDeps: Driver.Deps = { gateway, config, store, seen: tracking.seen, emit, recordPlaced: tracking.recordPlaced, placed, fork }

  /** Starts driving `r` from `step` in the background; it leaves `active` when done. */
  const launch = (r: Driver.Running, step: V.Step) =>
    Effect.gen(function*() {
      active.set(r.key, r)
      tracking.watch(r.key)
      yield* fork(Driver.drive(driverDeps, r, step).pipe(
        Effect.ensuring(Effect.sync(() => {
          if (active.get(r.key) === r) {
            active.delete(r.key)
            tracking.unwatch(r.key)
          }
        }))
      ))
    })

  const subscribeAccount = (accountId: number) =>
    Effect.suspend(() => {
      if (subscribed.has(accountId)) return Effect.void
      subscribed.add(accountId)
      // declared even when the invocation fails now (retried by the hub); verification covers the gap
      return Effect.ignore(Effect.zipRight(hub.subscribe(Subscription.orders(accountId)), hub.subscribe(Subscription.trades(accountId))))
    })

  const answerOf = (r: Driver.Running) => Deferred.await(r.first)

  type Admitted =
    | { readonly _tag: "Answer"; readonly outcome: Outcome }
    | { readonly _tag: "Await"; readonly running: Driver.Running; readonly duplicate: boolean }

  const admit = (s: Submission, fp: string): Effect.Effect<Admitted, SubmitError> =>
    Effect.gen(function*() {
      const running = active.get(s.key)
      if (running !== undefined) {
        if (!config.idempotency.enabled) return { _tag: "Await", running, duplicate: true }
        if (running.fingerprint !== fp) {
          return yield* new IdempotencyKeyReused({ key: s.key, fingerprint: fp, existingFingerprint: running.fingerprint })
        }
        return { _tag: "Await", running, duplicate: true }
      }
      const now = yield* Clock.currentTimeMillis
      const expiresAt = s.cancelAfter === undefined ? undefined : now + s.cancelAfter
      // a new key (the usual case) costs one transaction: the write-ahead row itself; a key seen before is
      // refused by it without a change, and looked up
      const tag1 = tagOf(s.key, 1)
      const begun = yield* store.begin(newIntent(s.key, fp, s.request, expiresAt), tag1)
      if (Option.isSome(begun)) {
        const r = yield* Driver.running(s.key, fp, s.request, begun.value.intent.createdAt, [tag1], s.priority)
        yield* launch(r, V.start(s.key, config.verification))
        return { _tag: "Await", running: r, duplicate: false }
      }
      const row = yield* store.find(s.key)
      if (Option.isSome(row)) {
        const attempts = yield* store.attempts(s.key)
        const last = attempts.at(-1)
        const remembered = {
          key: s.key,
          fingerprint: row.value.fingerprint,
          outcome: Option.getOrElse(outcomeOf(row.value), (): RecordedOutcome => ({ _tag: "Verifying", customTag: last?.customTag ?? tagOf(s.key, 1) })),
          submittedAt: row.value.createdAt
        }
        const decision = decide(remembered, { key: s.key, fingerprint: fp }, now, config.idempotency)
        if (decision._tag === "Duplicate") return { _tag: "Answer", outcome: { _tag: "Duplicate", existing: decision.existing } }
        if (decision._tag === "Reused") return yield* decision.error
        const n = (last?.attemptNo ?? 0) + 1
        const tag = tagOf(s.key, n)
        const written = yield* store.reopen(newIntent(s.key, fp, s.request, expiresAt), tag)
        const r = yield* Driver.running(s.key, fp, s.request, written.intent.createdAt, [tag], s.priority)
        yield* launch(r, V.startAt(s.key, n, config.verification))
        return { _tag: "Await", running: r, duplicate: false }
      }
      // refused as existing, then gone (retention purged it in between): write it again
      return yield* admit(s, fp)
    })

  const submit = (s: Submission): Effect.Effect<Outcome, SubmitError> =>
    Effect.gen(function*() {
      const problem = keyProblem(s.key)
      if (problem !== undefined) return yield* new InvalidIdempotencyKey({ key: s.key, reason: problem })
      // a request Order/place cannot carry (e.g. a fractional size) is not written nor sent
      const invalid = validateRequest(s.request)
      if (invalid._tag === "Left") {
        const { detail, path } = GatewayErrors.describeParseError(invalid.left)
        return { _tag: "Failed" as const, reason: `invalid request: ${path === "" ? "" : `${path}: `}${detail}` }
      }
      const fp = fingerprint(s.request)
      yield* subscribeAccount(s.request.accountId)
      const admitted = yield* admission.withPermits(1)(admit(s, fp))
      if (admitted._tag === "Answer") return admitted.outcome
      if (admitted.duplicate && !config.idempotency.enabled) {
        // the duplicate check is off: wait for the intent in flight, then send this one as a new intent
        yield* Effect.ignore(answerOf(admitted.running))
        return yield* submit(s)
      }
      const outcome = yield* answerOf(admitted.running)
      return admitted.duplicate ? { _tag: "Duplicate" as const, existing: outcome } : outcome
    }).pipe(Effect.withSpan("OrderManager.submit", { attributes: { key: s.key } }))

  const retry = (key: string) =>
    Effect.gen(function*() {
      const admitted = yield* admission.withPermits(1)(Effect.gen(function*() {
        if (active.has(key)) return yield* new NotRetryable({ key, outcome: "still being placed" })
        const row = yield* store.find(key)
        if (Option.isNone(row)) return yield* new UnknownIntent({ key })
        const outcome = outcomeOf(row.value)
        if (Option.isNone(outcome) || (outcome.value._tag !== "Rejected" && outcome.value._tag !== "Failed")) {
          return yield* new NotRetryable({ key, outcome: Option.match(outcome, { onNone: () => "not known yet", onSome: (o) => o._tag }) })
        }
        const attempts = yield* store.attempts(key)
        const mine = attempts.filter((a) => a.createdAt >= row.value.createdAt)
        const n = attempts.at(-1)?.attemptNo ?? 1
        const first = mine[0]?.attemptNo ?? n
        const state: V.State = { key, n, first, phase: { _tag: "Done", outcome: outcome.value }, config: config.verification }
        const request = requestOf(row.value)
        yield* store.setStatus(key, "Pending")
        const r = yield* Driver.running(key, row.value.fingerprint, request, row.value.createdAt, [])
        yield* launch(r, V.transition(state, { _tag: "RetryRequested" }))
        return r
      }))
      return yield* answerOf(admitted)
    })

  const outcome = (key: string) =>
    Effect.gen(function*() {
      const r = active.get(key)
      if (r !== undefined) {
        const done = yield* Deferred.poll(r.first)
        if (Option.isSome(done)) {
          const value = yield* Effect.either(done.value)
          if (value._tag === "Right") return Option.some(value.right)
        }
        return Option.some<RecordedOutcome>({ _tag: "Verifying", customTag: [...r.written].at(-1) ?? tagOf(key, 1) })
      }
      return Option.flatMap(yield* store.find(key), outcomeOf)
    })

  const settled = (key: string) =>
    Effect.gen(function*() {
      const r = active.get(key)
      if (r !== undefined) return yield* Deferred.await(r.settled)
      const row = yield* store.find(key)
      if (Option.isNone(row)) return yield* new UnknownIntent({ key })
      const o = outcomeOf(row.value)
      if (Option.isSome(o) && o.value._tag !== "Verifying") return o.value
      return yield* new GatewayErrors.OutcomeUnknown({ endpoint: "orderPlace", reason: "not being verified", request: requestOf(row.value) })
    })

  const reduce = (x: Reduction) =>
    Effect.gen(function*() {
      const existing = yield* store.find(x.key)
      const priority = x.priority === undefined ? {} : { priority: x.priority }
      if (Option.isSome(existing)) return Option.some(yield* submit({ key: x.key, request: requestOf(existing.value), ...priority }))
      const open = yield* Effect.either(gateway.positionSearchOpen({ accountId: x.accountId }, x.priority === undefined ? undefined : priority))
      // a position that cannot be read is not "no position": nothing is sent, the caller learns why
      if (open._tag === "Left") return Option.some<Outcome>({ _tag: "Failed", reason: `the position could not be read: ${open.left.message}` })
      const position = open.right.positions.find((p) => p.contractId === x.contractId && p.size > 0)
      if (position === undefined) return Option.none()
      const side = opposite(position.type === Enums.PositionType.Long ? Enums.OrderSide.Bid : Enums.OrderSide.Ask)
      const size = Math.min(x.size, position.size)
      return Option.some(yield* submit({
        key: x.key,
        request: { accountId: x.accountId, contractId: x.contractId, type: Enums.OrderType.Market, side, size },
        ...priority
      }))
    })

  const recoverOne = (row: OrderIntents.Intent): Effect.Effect<keyof RecoveryReport | "unsent" | undefined, StoreUnavailable> =>
    Effect.gen(function*() {
      const attempts = yield* store.attempts(row.idempotencyKey)
      const key = row.idempotencyKey
      if (row.status === "Working") {
        const last = [...attempts].reverse().find((a) => a.gatewayOrderId !== null)
        if (last === undefined) return undefined
        const orderId = last.gatewayOrderId!
        // its fills come on the user hub: a new process has not subscribed to the account yet
        yield* subscribeAccount(row.accountId)
        const found = yield* Effect.option(findOrder(gateway, row.accountId, orderId, config.verification.timeout))
        const order = Option.isSome(found) ? Option.getOrUndefined(found.value) : undefined
        // the incomplete-order timeout counts from the first fill, which may be before the restart
        const fills = yield* Effect.orElseSucceed(store.fills(orderId), () => [])
        const firstFillAt = fills.length === 0 ? undefined : Math.min(...fills.map((f) => f.at))
        yield* Queue.offer(commands, {
          _tag: "Own",
          orderId,
          owned: { key, customTag: last.customTag, accountId: row.accountId },
          ...(order === undefined ? {} : { order }),
          ...(firstFillAt === undefined ? {} : { firstFillAt })
        })
        if (row.expiresAt !== null) yield* armExpiry(key, row.accountId, orderId, row.expiresAt)
        return "working"
      }
      const mine = attempts.filter((a) => a.createdAt >= row.createdAt)
      if (mine.length === 0) {
        yield* store.setStatus(key, "Failed", { _tag: "Failed", reason: "nothing was sent: no attempt was written" })
        return "unsent"
      }
      yield* subscribeAccount(row.accountId)
      const r = yield* Driver.running(key, row.fingerprint, requestOf(row), row.createdAt, mine.map((a) => a.customTag))
      yield* launch(r, V.resume(key, mine.at(-1)!.attemptNo, config.verification, mine[0]!.attemptNo))
      const o = yield* Effect.either(answerOf(r))
      if (o._tag === "Left") return "verifying"
      switch (o.right._tag) {
        case "Placed":
          return "placed"
        case "Rejected":
          return "rejected"
        case "Failed":
          return "failed"
        case "Verifying":
          return "verifying"
      }
    })

  const recover = Effect.gen(function*() {
    const rows = yield* store.nonTerminal
    const results = yield* admission.withPermits(1)(Effect.forEach(rows, recoverOne, { concurrency: 8 }))
    const report: Record<keyof RecoveryReport, number> = { ...emptyReport }
    for (const r of results) {
      if (r === undefined) continue
      report[r === "unsent" ? "failed" : r]++
    }
    // verified: the Pending intents with an attempt (one without was never sent: Failed at once)
    report.resumed = rows.filter((r) => r.status === "Pending").length - results.filter((r) => r === "unsent").length
    return report as RecoveryReport
  }).pipe(Effect.withSpan("OrderManager.recover"))

  return {
    submit,
    retry,
    outcome,
    settled,
    cancel: ops.cancel,
    modify: ops.modify,
    closeContract: ops.closeContract,
    reduce,
    fills: (orderId) => Effect.sync(() => Option.fromNullable(tracking.progress(orderId))),
    recover,
    events: Stream.fromPubSub(pubsub),
    subscribe: PubSub.subscribe(pubsub)
  } satisfies Service
})

const outcomes = {
  ok: { _tag: "Done", already: false },
  already: <A extends { readonly _tag: string }>(a: A): A => (a._tag === "Done" ? { ...a, already: true } : a),
  refused: (errorCode: number, message: string | undefined): Operation.Rejected =>
    message === undefined ? { _tag: "Rejected", errorCode } : { _tag: "Rejected", errorCode, message },
  notSent: (reason: string): Operation.Failed => ({ _tag: "Failed", reason }),
  verifying: (reason: string): Operation.Verifying => ({ _tag: "Verifying", reason })
} as const

const matches = (o: Models.Order, r: Parameters<Service["modify"]>[0]): boolean =>
  (r.size === undefined || o.size === r.size) &&
  (r.limitPrice === undefined || o.limitPrice === r.limitPrice) &&
  (r.stopPrice === undefined || o.stopPrice === r.stopPrice) &&
  (r.trailPrice === undefined || o.trailPrice === r.trailPrice || o.trailDistance === r.trailPrice)

/**
 * The OrderManager, with start-up recovery: building it verifies every intent that is not terminal before
 * it answers anything (a step of the runtime's start-up, before rules start).
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<OrderManager, StoreUnavailable, Requirements> = Layer.scoped(
  OrderManager,
  Effect.gen(function*() {
    const manager = yield* make
    const report = yield* manager.recover
    if (report.resumed + report.working > 0) {
      yield* Effect.logInfo("order intents recovered at start-up").pipe(Effect.annotateLogs({ ...report }))
    }
    return manager
  })
)
