/**
 * Holds the fault plan in force and draws its decisions. The plan is a
 * SubscriptionRef: set it at start-up (Options.faults), change it at run time
 * (`set` / `update`, or `POST /admin/faults`), and watch it (`changes`, e.g.
 * for the hub server). Setting a plan re-seeds the PRNG and resets its counts.
 * The hub rules draw from a generator of their own (`hubEvents`,
 * `hubConnect`), so hub traffic does not shift the REST faults.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { FaultPlan } from "./FaultPlan.js"
import { decide as decideWith, type Decision, type FaultState, initialState } from "./internal/Faults.js"
import * as HubFaults from "./internal/HubFaults.js"

export type {
  /**
   * What the fault plan does to one request: a delay, an early answer (429 or a server error), or a server error after running it.
   *
   * @since 0.1.0
   */
  Decision
} from "./internal/Faults.js"
export type {
  /**
   * What to do with one hub event about to be sent.
   *
   * @since 0.1.0
   */
  EventFault,
  /**
   * A hub of the simulator: `user` or `market`.
   *
   * @since 0.1.0
   */
  HubName
} from "./internal/HubFaults.js"

/**
 * The fault plan in force and the decision for each request and hub event.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The plan in force. */
  readonly plan: Effect.Effect<FaultPlan>
  /** Replaces the plan (re-seeds its PRNG, resets its counts). */
  readonly set: (plan: FaultPlan) => Effect.Effect<void>
  /** Replaces the plan with `f(current)`. */
  readonly update: (f: (plan: FaultPlan) => FaultPlan) => Effect.Effect<void>
  /** The plan now and after every change. */
  readonly changes: Stream.Stream<FaultPlan>
  /** The faults for one request of `endpoint`. */
  readonly decide: (endpoint: { readonly name: string; readonly mutating: boolean }) => Effect.Effect<Decision>
  /** A PRNG draw in [0, 1) from the plan's generator. */
  readonly draw: Effect.Effect<number>
  /**
   * The per-event hub rules for one batch of events on a connection of `hub`:
   * a synchronous decider (one call per event), or undefined when no
   * per-event rule applies (the fast path).
   */
  readonly hubEvents: (hub: HubFaults.HubName) => Effect.Effect<(() => HubFaults.EventFault) | undefined>
  /** Whether the plan refuses a connection attempt to `hub` now (`refuseReconnect`), and with which status. */
  readonly hubConnect: (hub: HubFaults.HubName) => Effect.Effect<{ readonly status: 401 | 503 } | undefined>
  /** Records that a connection of `hub` was dropped (opens `refuseReconnect.afterDrop` windows). */
  readonly hubDropped: (hub: HubFaults.HubName) => Effect.Effect<void>
}

/**
 * The fault injector's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class FaultInjector extends Context.Tag("@tradeguard/simulator/FaultInjector")<FaultInjector, Service>() {}

/**
 * An injector starting with `initial`; `seed` is used when the plan has none.
 *
 * @since 0.1.0
 */
export const make = (initial: FaultPlan, seed: number): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const ref = yield* SubscriptionRef.make(initial)
    let state: FaultState = initialState(initial, seed)
    let hubState = HubFaults.initialHubState(initial, seed)
    const set = Effect.fn("FaultInjector.set")(function*(plan: FaultPlan) {
      yield* SubscriptionRef.set(ref, plan)
      state = initialState(plan, seed)
      hubState = HubFaults.initialHubState(plan, seed)
    })
    const update = Effect.fn("FaultInjector.update")(function*(f: (plan: FaultPlan) => FaultPlan) {
      const next = f(yield* SubscriptionRef.get(ref))
      yield* set(next)
    })
    const decide = Effect.fn("FaultInjector.decide")(function*(endpoint: { readonly name: string; readonly mutating: boolean }) {
      const plan = yield* SubscriptionRef.get(ref)
      const now = yield* Clock.currentTimeMillis
      return decideWith(plan, state, endpoint, now)
    })
    return {
      plan: SubscriptionRef.get(ref),
      set,
      update,
      changes: ref.changes,
      decide,
      draw: Effect.sync(() => state.prng.next()),
      hubEvents: (hub) =>
        Effect.map(SubscriptionRef.get(ref), (plan) => {
          const rules = HubFaults.rulesFor(plan, hub)
          if (!HubFaults.hasEventRules(rules)) return undefined
          const s = hubState
          return () => HubFaults.decideEvent(rules, s)
        }),
      hubConnect: (hub) =>
        Effect.zipWith(
          SubscriptionRef.get(ref),
          Clock.currentTimeMillis,
          (plan, now) => HubFaults.decideConnect(plan, hubState, hub, now)
        ),
      hubDropped: (hub) =>
        Effect.zipWith(
          SubscriptionRef.get(ref),
          Clock.currentTimeMillis,
          (plan, now) => HubFaults.noteDrop(plan, hubState, hub, now)
        )
    } satisfies Service
  })

/**
 * The fault injector with an initial plan and a seed.
 *
 * @since 0.1.0
 */
export const layer = (initial: FaultPlan, seed: number): Layer.Layer<FaultInjector> =>
  Layer.effect(FaultInjector, make(initial, seed))
