/**
 * CircuitBreaker (GAP-API-008): stops calling a gateway that is failing, and
 * finds out by itself when it is back.
 *
 * One circuit per endpoint group ({@link groupOf}): `auth` (Auth/*), `orders`
 * (Order/* and Position/close*, partialClose*), `history` (retrieveBars) and
 * `reads` (every other read). Closed → Open after `failureThreshold` (5)
 * consecutive failures → HalfOpen after `timeout` (60 s) → `halfOpenRequests`
 * (3) probes: all succeed → Closed; one fails → Open again. While HalfOpen,
 * calls beyond the probe budget fail fast.
 *
 * Only server-side trouble is a failure ({@link ErrorPolicy.isCircuitFailure}:
 * 5xx, 408, timeouts, transport, an OutcomeUnknown caused by one). Any other reply
 * — a business rejection, 401, 429, 4xx — proves the gateway is answering, so
 * it counts as a success and resets the consecutive count.
 *
 * When to use: ResilientGateway guards every call with it. Call {@link Service.run}
 * to guard your own effect; wrap a read in {@link withFallback} to serve a
 * stale value while the circuit is open. Watch {@link Service.changes} or
 * {@link Service.stateChanges} and read {@link Service.health} for monitoring.
 *
 * Gotcha: the state machine is pure (`internal/breakerState.ts`); this shell
 * owns the half-open timer and publishes transitions synchronously (so the
 * stream sees every transition, in order). A Closed circuit costs a plain read.
 *
 * @since 0.1.0
 */
import { Endpoints } from "@tradeguard/gateway"
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { ResilienceConfig } from "./Config.js"
import { type Failure, isCircuitFailure } from "./ErrorPolicy.js"
import { CircuitOpen } from "./Errors.js"
import * as BS from "./internal/breakerState.js"
import { makeGuard } from "./internal/breakerGuard.js"

export {
  /**
   * Effect Metrics of the breaker, tagged `group`.
   *
   * @since 0.1.0
   */
  metrics
} from "./internal/breakerGuard.js"

/**
 * A circuit's state: `Closed`, `Open` (until a time) or `HalfOpen`.
 *
 * @since 0.1.0
 */
export type State = BS.State
/**
 * The endpoint groups with a circuit each.
 *
 * @since 0.1.0
 */
export type Group = "auth" | "orders" | "reads" | "history"
/**
 * Every endpoint group, in order.
 *
 * @since 0.1.0
 */
export const allGroups: ReadonlyArray<Group> = ["auth", "orders", "reads", "history"]

/**
 * The circuit that guards an endpoint.
 *
 * @since 0.1.0
 */
export const groupOf = (endpoint: Pick<Endpoints.AnyEndpoint, "path" | "rateLimit">): Group =>
  endpoint.path.startsWith("/api/Auth/")
    ? "auth"
    : endpoint.path.startsWith("/api/Order/") || /^\/api\/Position\/(close|partialClose)/.test(endpoint.path)
    ? "orders"
    : endpoint.rateLimit === "history"
    ? "history"
    : "reads"

/**
 * Every endpoint of the table and its group.
 *
 * @since 0.1.0
 */
export const endpointGroups = Object.fromEntries(
  Object.values(Endpoints.all).map((e) => [e.name, groupOf(e)])
) as { readonly [K in Endpoints.EndpointName]: Group }

/**
 * A change of state of one group's circuit.
 *
 * @since 0.1.0
 */
export interface Transition {
  readonly group: Group
  readonly from: State
  readonly to: State
  /** Epoch millis. */
  readonly at: number
}

/**
 * The state of one group's circuit.
 *
 * @since 0.1.0
 */
export interface GroupHealth {
  readonly state: State["_tag"]
  readonly consecutiveFailures: number
  /** When Open: when it half-opens. */
  readonly halfOpensAt: number | undefined
  /** Epoch millis of the last change of state (undefined: never changed). */
  readonly since: number | undefined
  /** Circuit failures recorded since start (5xx, 408, timeouts, transport). */
  readonly failures: number
  /** Calls refused because the circuit was open (or out of probes). */
  readonly rejected: number
}

/**
 * Every group's circuit, and whether all are closed.
 *
 * @since 0.1.0
 */
export interface Health {
  /** Every circuit closed. */
  readonly healthy: boolean
  readonly groups: { readonly [G in Group]: GroupHealth }
}

/**
 * The synchronous core of one group, for hot paths that record outcomes
 * themselves (ResilientGateway). `enter` admits (returning a ticket) or refuses;
 * every admitted call must end with exactly one of `success`, `failure`,
 * `release` (or `settle`). A ticket (an opaque number) names the admission:
 * its state, and whether a success may reset the consecutive count (the call
 * was sent while there was one). Take it when the call is sent.
 *
 * @since 0.1.0
 */
export interface Guard {
  readonly group: Group
  /** The state now (applies a due Open → HalfOpen first). */
  readonly current: () => State
  readonly enter: (endpoint: string) => number | CircuitOpen
  readonly success: (ticket: number) => void
  readonly failure: (ticket: number) => void
  readonly release: (ticket: number) => void
  /** `failure` if `error` is a circuit failure, else `success`. */
  readonly record: (ticket: number, error: unknown) => void
  /** Records an Exit: success, failure per `record`, or release (interrupted, defect). */
  readonly settle: (ticket: number, exit: Exit.Exit<unknown, unknown>) => void
}

/**
 * Options of `run`: the endpoint to name and a fallback while open.
 *
 * @since 0.1.0
 */
export interface RunOptions<B, E2, R2> {
  /** Named in a CircuitOpen (default: the group). */
  readonly endpoint?: string
  /** Served instead of failing with CircuitOpen while the circuit is open (e.g. the last known state). */
  readonly fallback?: (open: CircuitOpen) => Effect.Effect<B, E2, R2>
}

/**
 * The circuit breaker: one circuit per endpoint group.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Runs `effect` if the group's circuit lets it pass, and records its outcome. */
  readonly run: <A, E, R, B = never, E2 = CircuitOpen, R2 = never>(
    group: Group,
    effect: Effect.Effect<A, E, R>,
    options?: RunOptions<B, E2, R2>
  ) => Effect.Effect<A | B, E | E2, R | R2>
  readonly state: (group: Group) => Effect.Effect<State>
  readonly health: Effect.Effect<Health>
  /** Every transition of every group, as it happens. */
  readonly changes: Stream.Stream<Transition>
  /** The group's state now, then each new state. */
  readonly stateChanges: (group: Group) => Stream.Stream<State>
  readonly guard: (group: Group) => Guard
}

/**
 * The circuit breaker's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class CircuitBreaker extends Context.Tag("@tradeguard/resilience/CircuitBreaker")<CircuitBreaker, Service>() {}

/**
 * Failure threshold and open time (defaults: the seed's values).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly failureThreshold?: number
  /** How long a circuit stays open before it half-opens (default 60 s). */
  readonly timeout?: Duration.DurationInput
  readonly halfOpenRequests?: number
  /** What counts as a failure (default: ErrorPolicy.isCircuitFailure). */
  readonly isFailure?: (error: unknown) => boolean
  /** Log every transition (`logging.resilience.circuitBreaker`, default true); an opening is always logged. */
  readonly log?: boolean
}

const defaultIsFailure = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "_tag" in error && isCircuitFailure(error as Failure)

/**
 * Builds the breaker; its half-open timers and transition logger live in the Scope.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config: BS.BreakerConfig = {
      failureThreshold: options.failureThreshold ?? 5,
      timeoutMillis: Duration.toMillis(options.timeout ?? "60 seconds"),
      halfOpenRequests: options.halfOpenRequests ?? 3
    }
    const pubsub = yield* Effect.acquireRelease(PubSub.unbounded<Transition>(), PubSub.shutdown)
    const env = {
      config,
      clock: yield* Effect.clock,
      runtime: yield* Effect.runtime<never>(),
      isFailure: options.isFailure ?? defaultIsFailure,
      publish: (t: Transition) => void pubsub.unsafeOffer(t)
    }
    const guards = Object.fromEntries(allGroups.map((g) => [g, makeGuard(g, env)])) as Record<
      Group,
      ReturnType<typeof makeGuard>
    >
    yield* Effect.addFinalizer(() => Effect.sync(() => allGroups.forEach((g) => guards[g].close())))

    // An opening is always a warning; the other transitions are info lines when `log` is on.
    const sub = yield* PubSub.subscribe(pubsub)
    yield* Stream.fromQueue(sub).pipe(
      Stream.runForEach((t) =>
        t.to._tag === "Open" || options.log !== false
          ? (t.to._tag === "Open" ? Effect.logWarning : Effect.logInfo)(
            `circuit ${t.group}: ${t.from._tag} -> ${t.to._tag}`
          ).pipe(Effect.annotateLogs({ module: "resilience/CircuitBreaker", group: t.group }))
          : Effect.void
      ),
      Effect.forkScoped
    )

    const run: Service["run"] = <A, E, R, B, E2, R2>(
      group: Group,
      effect: Effect.Effect<A, E, R>,
      opts?: RunOptions<B, E2, R2>
    ) => {
      const guard = guards[group]
      const endpoint = opts?.endpoint ?? group
      return Effect.suspend((): Effect.Effect<A | B, E | E2, R | R2> => {
        const state = guard.current()
        if (state._tag === "Closed") {
          // closed: a field read; the outcome is recorded on failure (and on success only when the
          // call was sent with a count to reset: the reset rule of breakerState)
          const ticket = BS.ticketOf(state)
          const onFailure = (cause: Cause.Cause<E>) => {
            guard.settle(ticket, Exit.failCause(cause))
            return Effect.failCause(cause)
          }
          return state.failures === 0
            ? Effect.catchAllCause(effect, onFailure)
            : Effect.matchCauseEffect(effect, {
              onSuccess: (a) => {
                guard.success(ticket)
                return Effect.succeed(a)
              },
              onFailure
            })
        }
        const ticket = guard.enter(endpoint)
        if (typeof ticket !== "number") {
          return opts?.fallback ? opts.fallback(ticket) : Effect.fail(ticket as E2)
        }
        // a probe: record whatever happens, interruption included (it frees the probe slot)
        return Effect.onExit(effect, (exit) => Effect.sync(() => guard.settle(ticket, exit)))
      })
    }

    const health = Effect.sync((): Health => {
      const groups = Object.fromEntries(allGroups.map((g) => [g, guards[g].health()])) as Health["groups"]
      return { healthy: allGroups.every((g) => groups[g].state === "Closed"), groups }
    })

    const changes = Stream.fromPubSub(pubsub)
    const stateChanges = (group: Group): Stream.Stream<State> =>
      Stream.unwrapScoped(Effect.map(PubSub.subscribe(pubsub), (sub) =>
        Stream.concat(
          Stream.sync(() => guards[group].current()),
          Stream.fromQueue(sub).pipe(Stream.filterMap((t) => t.group === group ? Option.some(t.to) : Option.none()))
        ).pipe(Stream.changesWith((a, b) => a.epoch === b.epoch))))

    return {
      run,
      state: (group) => Effect.sync(() => guards[group].current()),
      health,
      changes,
      stateChanges,
      guard: (group) => guards[group]
    } satisfies Service
  })

/**
 * The breaker from explicit options (tests, tools); the seed's values where omitted.
 *
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<CircuitBreaker> =>
  Layer.scoped(CircuitBreaker, make(options))

/**
 * The breaker from `errorHandling.circuitBreaker` (and `logging.resilience.circuitBreaker`).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<CircuitBreaker, never, ResilienceConfig> = Layer.scoped(
  CircuitBreaker,
  Effect.flatMap(ResilienceConfig, (c) =>
    make({
      failureThreshold: c.errorHandling.circuitBreaker.failureThreshold,
      timeout: Duration.millis(c.errorHandling.circuitBreaker.timeout),
      halfOpenRequests: c.errorHandling.circuitBreaker.halfOpenRequests,
      log: c.logging.resilience.circuitBreaker
    }))
)

/**
 * A value, and whether it came from a fallback because the circuit was open.
 *
 * @since 0.1.0
 */
export type MaybeStale<A, B = A> = { readonly value: A; readonly stale: false } | {
  readonly value: B
  readonly stale: true
  readonly open: CircuitOpen
}

/**
 * Serves `fallback` (e.g. the last known state) when `self` fails with
 * CircuitOpen, marked `stale: true`. For reads: a mutation has no fallback.
 *
 * @since 0.1.0
 */
export const withFallback: {
  <B, E2, R2>(
    fallback: (open: CircuitOpen) => Effect.Effect<B, E2, R2>
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<MaybeStale<A, B>, Exclude<E, CircuitOpen> | E2, R | R2>
  <A, E, R, B, E2, R2>(
    self: Effect.Effect<A, E, R>,
    fallback: (open: CircuitOpen) => Effect.Effect<B, E2, R2>
  ): Effect.Effect<MaybeStale<A, B>, Exclude<E, CircuitOpen> | E2, R | R2>
} = dual(2, <A, E, R, B, E2, R2>(
  self: Effect.Effect<A, E, R>,
  fallback: (open: CircuitOpen) => Effect.Effect<B, E2, R2>
): Effect.Effect<MaybeStale<A, B>, Exclude<E, CircuitOpen> | E2, R | R2> =>
  Effect.matchEffect(self, {
    onSuccess: (value): Effect.Effect<MaybeStale<A, B>, Exclude<E, CircuitOpen> | E2, R2> =>
      Effect.succeed({ value, stale: false }),
    onFailure: (error): Effect.Effect<MaybeStale<A, B>, Exclude<E, CircuitOpen> | E2, R2> =>
      error instanceof CircuitOpen
        ? Effect.map(fallback(error), (value): MaybeStale<A, B> => ({ value, stale: true, open: error }))
        : Effect.fail(error as Exclude<E, CircuitOpen>)
  }))
