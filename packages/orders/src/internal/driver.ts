/**
 * Runs one intent's placement state machine (`verification.ts`): performs its actions (write the attempt
 * BEFORE sending it, send, search, schedule, alert, record the outcome) and feeds what happened back, until
 * the intent is done. The caller's answer is `first` (the first outcome, Verifying included); `settled` is
 * the final one.
 *
 * @internal
 */
import { Errors as GatewayErrors, type Models } from "@tradeguard/gateway"
import type { ResilientGateway } from "@tradeguard/resilience"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type { OrderManagement } from "../OrderConfig.js"
import type { OrderEvent } from "../OrderEvent.js"
import type { IntentRequest, RecordedOutcome } from "../OrderIntent.js"
import { parseTag } from "../OrderIntent.js"
import { answer, ordersSince } from "./calls.js"
import type { Persistence } from "./persist.js"
import { statusOf } from "./persist.js"
import * as V from "./verification.js"

/** How far before the intent's creation an Order/search starts (clock skew between us and the gateway). */
export const searchSlackMillis = 60_000

/** What the driver needs from the manager. */
export interface Deps {
  readonly gateway: ResilientGateway.Service
  readonly config: OrderManagement
  readonly store: Persistence
  /** An order of one of these tags already seen on the user hub, if any. */
  readonly seen: (key: string, tags: ReadonlySet<string>) => Option.Option<Models.Order>
  readonly emit: (event: OrderEvent) => Effect.Effect<void>
  /** Records the placement (intent Working or the end the hub reported, the attempt's order id and fills). */
  readonly recordPlaced: (key: string, orderId: number, customTag: string, outcome: RecordedOutcome) => Effect.Effect<void>
  /** The intent's order is known: track it (fills, status, time in force). */
  readonly placed: (key: string, orderId: number, customTag: string) => Effect.Effect<void>
  /** Runs an effect in the background, for as long as the manager lives. */
  readonly fork: (effect: Effect.Effect<void>) => Effect.Effect<void>
}

/** One intent being driven. */
export interface Running {
  readonly key: string
  readonly fingerprint: string
  readonly request: IntentRequest
  /** When the intent was written (ms): Order/search looks from a little before. */
  readonly createdAt: number
  readonly inbox: Queue.Queue<V.Event>
  /** The caller's answer: the first outcome (Verifying included), or OutcomeUnknown (verification disabled). */
  readonly first: Deferred.Deferred<RecordedOutcome, GatewayErrors.OutcomeUnknown>
  /** The final outcome (never Verifying). */
  readonly settled: Deferred.Deferred<RecordedOutcome, GatewayErrors.OutcomeUnknown>
  /** The tags already written (write-ahead) for this intent. */
  readonly written: Set<string>
  /** The rate-limit priority Order/place is sent at (undefined: the endpoint's default, normal). */
  readonly priority: ResilientGateway.Priority | undefined
}

/** A new Running intent. */
export const running = (
  key: string,
  fingerprint: string,
  request: IntentRequest,
  createdAt: number,
  written: ReadonlyArray<string>,
  priority?: ResilientGateway.Priority
): Effect.Effect<Running> =>
  Effect.gen(function*() {
    return {
      key,
      fingerprint,
      request,
      createdAt,
      inbox: yield* Queue.unbounded<V.Event>(),
      first: yield* Deferred.make<RecordedOutcome, GatewayErrors.OutcomeUnknown>(),
      settled: yield* Deferred.make<RecordedOutcome, GatewayErrors.OutcomeUnknown>(),
      written: new Set(written),
      priority
    }
  })

const isOwnTag = (tags: ReadonlySet<string>, tag: string | null | undefined): boolean => {
  if (tag === undefined || tag === null) return false
  if (tags.has(tag)) return true
  const parsed = parseTag(tag)
  return Option.isSome(parsed) && parsed.value.leg !== undefined &&
    tags.has(`${parsed.value.key}.${parsed.value.n}`)
}

/** Drives `r` from `step` until the intent is done. */
export const drive = (deps: Deps, r: Running, step: V.Step): Effect.Effect<void> =>
  Effect.gen(function*() {
    const offer = (e: V.Event) => Queue.offer(r.inbox, e)
    const warn = (message: string) =>
      Effect.zipRight(Effect.logWarning(message).pipe(Effect.annotateLogs("intent", r.key)), deps.emit({ _tag: "Alert", key: r.key, message }))
    const quietly = <E>(what: string, effect: Effect.Effect<unknown, E>) =>
      Effect.catchAll(Effect.asVoid(effect), (e) => warn(`order intent ${r.key}: ${what} failed after sending: ${String((e as { message?: unknown }).message ?? e)}`))

    const send = (customTag: string) =>
      Effect.gen(function*() {
        if (!r.written.has(customTag)) {
          // write-ahead: the attempt is committed before the request goes out
          const written = yield* Effect.either(deps.store.addAttempt(r.key, customTag))
          if (written._tag === "Left") return yield* offer({ _tag: "FailedPermanently", reason: written.left.message })
          r.written.add(customTag)
        }
        yield* offer({ _tag: "Sent" })
        yield* deps.fork(Effect.gen(function*() {
          const a = yield* answer(deps.gateway.orderPlace({ ...r.request, customTag }, r.priority === undefined ? undefined : { priority: r.priority }))
          switch (a._tag) {
            case "Ok":
              return yield* offer({ _tag: "Replied", orderId: a.value.orderId })
            case "Refused":
              yield* quietly("recording the refusal", deps.store.updateAttempt(customTag, { status: "Rejected" }))
              return yield* offer(
                a.message === undefined
                  ? { _tag: "Rejected", errorCode: a.errorCode }
                  : { _tag: "Rejected", errorCode: a.errorCode, message: a.message }
              )
            case "Unknown":
              // not when the intent is already settled (its order seen on the hub while this reply was lost)
              if (!(yield* Deferred.isDone(r.settled))) {
                yield* quietly("recording the unknown outcome", deps.store.updateAttempt(customTag, { status: "Unknown" }))
              }
              return yield* offer({ _tag: "Ambiguous", cause: a.reason })
            case "NotSent":
              return yield* offer({ _tag: "FailedPermanently", reason: a.reason })
          }
        }))
      })

    const search = (tags: ReadonlyArray<string>) =>
      deps.fork(Effect.gen(function*() {
        const wanted = new Set(tags)
        const onHub = deps.seen(r.key, wanted)
        if (Option.isSome(onHub)) return yield* offer({ _tag: "SearchFound", order: onHub.value })
        const orders = yield* Effect.either(
          ordersSince(deps.gateway, r.request.accountId, r.createdAt - searchSlackMillis, deps.config.verification.timeout)
        )
        if (orders._tag === "Left") {
          const e = orders.left
          return yield* offer({ _tag: "SearchFailed", reason: e._tag === "LookupTimeout" ? "Order/search timed out" : e.message })
        }
        const found = orders.right.find((o) => isOwnTag(wanted, o.customTag))
        return yield* offer(found === undefined ? { _tag: "SearchAbsent" } : { _tag: "SearchFound", order: found })
      }))

    const complete = (outcome: RecordedOutcome) =>
      Effect.gen(function*() {
        if (outcome._tag === "Placed") {
          yield* deps.recordPlaced(r.key, outcome.orderId, outcome.customTag, outcome)
          yield* deps.placed(r.key, outcome.orderId, outcome.customTag)
        } else {
          yield* quietly("recording the outcome", deps.store.setStatus(r.key, statusOf(outcome), outcome))
        }
        yield* Deferred.succeed(r.first, outcome)
        if (outcome._tag !== "Verifying") yield* Deferred.succeed(r.settled, outcome)
        yield* deps.emit({ _tag: "OutcomeReached", key: r.key, outcome })
      })

    const perform = (a: V.Action, s: V.State): Effect.Effect<void> => {
      switch (a._tag) {
        case "Send":
          return send(a.customTag)
        case "Search":
          return search(a.tags)
        case "Adopt":
          return Effect.logDebug(`order intent ${r.key}: adopting order ${a.orderId} (${a.customTag})`)
        case "Alert":
          return warn(a.message)
        case "Schedule":
          return deps.fork(Effect.zipRight(Effect.sleep(a.delayMillis), offer({ _tag: "Timer" })))
        case "Complete":
          return complete(a.outcome)
        case "Unverified": {
          const error = new GatewayErrors.OutcomeUnknown({
            endpoint: "orderPlace",
            reason: a.cause,
            request: { ...r.request, customTag: V.tagsOf(s).at(-1) },
            customTag: V.tagsOf(s).at(-1)
          })
          return Effect.zipRight(Deferred.fail(r.first, error), Effect.asVoid(Deferred.fail(r.settled, error)))
        }
      }
    }

    let [state, actions] = step
    for (;;) {
      for (const a of actions) yield* perform(a, state)
      if (state.phase._tag === "Done" || state.phase._tag === "Unverified") return
      ;[state, actions] = V.transition(state, yield* Queue.take(r.inbox))
    }
  })
