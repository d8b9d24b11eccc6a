/**
 * The ops endpoint's handlers over a daemon being built: its phase, its services once the rules step is done,
 * and the escalations seen since.
 *
 * @internal
 */
import type { Enforcer } from "@tradeguard/rules"
import { Locks } from "@tradeguard/rules"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Ops from "../Ops.js"
import * as Readiness from "../Readiness.js"
import * as Status from "../Status.js"

/** Everything the handlers read from the running daemon. */
export type Services = Readiness.Sources | Status.Sources | Locks.Locks

/** The escalated accounts after `event`: an escalation is remembered until that account's enforcement is verified. */
export const escalationsAfter = (
  current: ReadonlyMap<number, Readiness.Escalation>,
  event: Enforcer.Event
): ReadonlyMap<number, Readiness.Escalation> => {
  switch (event._tag) {
    case "Escalated": {
      const next = new Map(current)
      next.set(event.accountId, { accountId: event.accountId, at: event.at, remaining: event.remaining })
      return next
    }
    case "Verified": {
      if (!current.has(event.accountId)) return current
      const next = new Map(current)
      next.delete(event.accountId)
      return next
    }
    default:
      return current
  }
}

/** The daemon's state the handlers look at. */
export interface DaemonState {
  readonly phase: SubscriptionRef.SubscriptionRef<Readiness.Phase>
  readonly services: Ref.Ref<Context.Context<Services> | undefined>
  readonly escalations: Ref.Ref<ReadonlyMap<number, Readiness.Escalation>>
  /** The exposition of the running daemon's metrics, once it runs. */
  readonly metrics: Ref.Ref<Effect.Effect<Ops.Exposition> | undefined>
}

/** A fresh state: starting at `step`, no services. */
export const makeState = (step: string): Effect.Effect<DaemonState> =>
  Effect.all({
    phase: SubscriptionRef.make<Readiness.Phase>({ _tag: "Starting", step }),
    services: Ref.make<Context.Context<Services> | undefined>(undefined),
    escalations: Ref.make<ReadonlyMap<number, Readiness.Escalation>>(new Map()),
    metrics: Ref.make<Effect.Effect<Ops.Exposition> | undefined>(undefined)
  })

/** What the lead may plug in: the metrics exposition, extra readiness reasons (session conflicts). */
export interface Seams {
  readonly metrics?: Effect.Effect<Ops.Exposition> | undefined
  readonly extraReasons?: Effect.Effect<ReadonlyArray<Readiness.Reason>> | undefined
}

/** The readiness and the status now. */
export const snapshot = (
  state: DaemonState,
  seams: Seams
): Effect.Effect<{ readonly readiness: Readiness.Readiness; readonly status: Status.Status }> =>
  Effect.gen(function*() {
    const phase = yield* SubscriptionRef.get(state.phase)
    const services = yield* Ref.get(state.services)
    if (services === undefined || phase._tag !== "Running") {
      const readiness = Readiness.evaluate(Readiness.phaseOnly(phase, yield* Clock.currentTimeMillis))
      return { readiness, status: Status.phaseOnly(readiness, phase) }
    }
    const escalations = [...(yield* Ref.get(state.escalations)).values()]
    const extra = seams.extraReasons === undefined ? [] : yield* seams.extraReasons
    const readiness = Readiness.evaluate(
      yield* Effect.provide(Readiness.observe(phase, escalations, extra), services)
    )
    const status = yield* Effect.provide(Status.collect(readiness, phase), services)
    return { readiness, status }
  })

/** The endpoint's handlers over `state`. */
export const handlers = (state: DaemonState, seams: Seams): Ops.Handlers => ({
  readiness: Effect.map(snapshot(state, seams), (s) => s.readiness),
  status: Effect.map(snapshot(state, seams), (s) => s.status),
  metrics: seams.metrics ?? Effect.flatMap(Ref.get(state.metrics), (m) => m ?? Effect.succeed(undefined)),
  unlock: (account, reason) =>
    Effect.gen(function*() {
      const services = yield* Ref.get(state.services)
      if (services === undefined) {
        return yield* new Ops.OpsUnavailable({ reason: "the daemon is not running yet (or stopping): try again" })
      }
      const unlocked = yield* Effect.provide(Effect.flatMap(Locks.Locks, (l) => l.unlock(account, reason)), services)
      return { account, unlocked }
    })
})
