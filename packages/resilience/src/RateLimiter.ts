/**
 * RateLimiter (GAP-API-007): keeps every gateway call under the gateway's
 * limits before the gateway has to say 429.
 *
 * - Two exact sliding windows (admission-time logs, not fixed buckets):
 *   `history` (50 / 30 s, `/api/History/retrieveBars`) and `general`
 *   (200 / 60 s, everything else). A history call is counted against **both**
 *   windows: the gateway does not document whether bars share the general
 *   budget, so we assume they do (the conservative choice; it costs at most
 *   50 of 200 general slots per 30 s).
 * - A call that does not fit waits in a bounded line (`queueSize`, shared by
 *   both classes), FIFO within a priority; `enforcement` (cancel, close)
 *   waiters go ahead of `normal` ones. A full line fails the oldest `normal`
 *   waiter (`dropOldest: true`) or the newcomer (`false`) with `QueueOverflow`.
 *   An interrupted waiter leaves the line at once.
 * - `pause(class, duration)`: a 429 despite the limiter stops that window
 *   until Retry-After.
 *
 * When to use: through ResilientGateway (it acquires before every HTTP call).
 * Use it directly only for calls that bypass ResilientGateway but share the
 * same gateway budget.
 *
 * Gotcha: the success path is a synchronous ring-buffer check; only a caller
 * that must wait allocates (a waiter and an `Effect.async`), and a single timer
 * fiber wakes the line when the next slot frees.
 *
 * @since 0.1.0
 */
import type { Endpoints } from "@tradeguard/gateway"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { ResilienceConfig } from "./Config.js"
import { QueueOverflow } from "./Errors.js"
import { makeCore } from "./internal/limiterCore.js"
import type { Priority } from "./ResilientGateway.js"

/** `history` (retrieveBars) or `general` (every other endpoint). */
export type RateLimitClass = Endpoints.RateLimitClass

export interface AcquireOptions {
  /** `enforcement` waits ahead of `normal` (default). */
  readonly priority?: Priority
  /** Named in a `QueueOverflow`. */
  readonly endpoint?: string
}

export interface WindowStats {
  readonly limit: number
  readonly windowMillis: number
  /** Admissions inside the window ending now. */
  readonly used: number
  /** Epoch millis until which a 429 paused it, if it is paused now. */
  readonly pausedUntil: number | undefined
  /** Epoch millis of the next free slot (now when one is free). */
  readonly nextFreeAt: number
}

export interface Stats {
  /** Waiters in line, both classes. */
  readonly queueDepth: number
  readonly queued: { readonly [C in RateLimitClass]: number }
  readonly windows: { readonly [C in RateLimitClass]: WindowStats }
  /** Calls admitted since start (at once or after waiting). */
  readonly admitted: number
  /** Of those, the ones that had to wait. */
  readonly waited: number
  /** Calls failed with QueueOverflow. */
  readonly dropped: number
  readonly totalWaitMillis: number
  readonly maxWaitMillis: number
}

export interface Service {
  /**
   * Waits for a slot of `cls` (and of `general` for a history call). Lazy and
   * reusable: hot paths build it once per endpoint and priority.
   */
  readonly acquire: (cls: RateLimitClass, options?: AcquireOptions) => Effect.Effect<void, QueueOverflow>
  /**
   * The success path alone, synchronous: takes a slot at `now` (the Clock's
   * time in millis) and returns true if one is free and nobody waits; else
   * returns false and takes nothing (then use `acquire`). For hot paths that
   * already read the clock (ResilientGateway).
   */
  readonly unsafeTryAcquire: (cls: RateLimitClass, now: number) => boolean
  /** `acquire`, then `self`. */
  readonly withPermit: (
    cls: RateLimitClass,
    options?: AcquireOptions
  ) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | QueueOverflow, R>
  /** After a 429: no admission in `cls`'s window for `duration` (Retry-After). */
  readonly pause: (cls: RateLimitClass, duration: Duration.DurationInput) => Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
}

export class RateLimiter extends Context.Tag("@tradeguard/resilience/RateLimiter")<RateLimiter, Service>() {}

export interface Options {
  readonly history?: { readonly requests: number; readonly windowSeconds: number }
  readonly general?: { readonly requests: number; readonly windowSeconds: number }
  readonly queueSize?: number
  readonly dropOldest?: boolean
  /** Count a history call against the general window too (default true: conservative). */
  readonly historyCountsAsGeneral?: boolean
  /**
   * Copy window usage and admission counts into the metrics this often. Off by
   * default: they are copied whenever a call waits and on every `stats` read,
   * and a poller would wake a TestClock every interval.
   */
  readonly metricsInterval?: Duration.DurationInput
}

export { metrics } from "./internal/limiterCore.js"

/** Builds the limiter; its wake-up timer (and metrics poller) live in the Scope. */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const queueSize = options.queueSize ?? 1000
    const core = makeCore(
      {
        history: options.history ?? { requests: 50, windowSeconds: 30 },
        general: options.general ?? { requests: 200, windowSeconds: 60 },
        queueSize,
        dropOldest: options.dropOldest ?? true,
        historyCountsAsGeneral: options.historyCountsAsGeneral ?? true
      },
      () => clock.unsafeCurrentTimeMillis(),
      runFork
    )
    yield* Effect.addFinalizer(() => Effect.sync(core.close))

    const enqueue = (cls: RateLimitClass, priority: Priority, endpoint: string) =>
      Effect.async<void, QueueOverflow>((resume) => {
        const overflow = () => new QueueOverflow({ endpoint, queueSize })
        const joined = core.join(cls, priority, endpoint, clock.unsafeCurrentTimeMillis())
        if (joined._tag === "Admitted") return resume(Effect.void)
        if (joined._tag === "Refused") return resume(Effect.fail(overflow()))
        const { waiter } = joined
        waiter.resume = (ok) => resume(ok ? Effect.void : Effect.fail(overflow()))
        return Effect.sync(() => core.quit(waiter)) // interrupted: leave the line
      })

    const acquire = (cls: RateLimitClass, opts?: AcquireOptions): Effect.Effect<void, QueueOverflow> => {
      const slow = enqueue(cls, opts?.priority ?? "normal", opts?.endpoint ?? cls)
      return Effect.suspend(() => (core.tryAcquire(cls, clock.unsafeCurrentTimeMillis()) ? Effect.void : slow))
    }

    const pause = Effect.fn("RateLimiter.pause")(function*(cls: RateLimitClass, duration: Duration.DurationInput) {
      const now = clock.unsafeCurrentTimeMillis()
      core.pause(cls, now + Duration.toMillis(duration), now)
      yield* Effect.logWarning(`rate limit ${cls}: the gateway answered 429; window paused for ${Duration.format(duration)}`)
    })

    if (options.metricsInterval !== undefined) {
      yield* Effect.sync(() => core.report(clock.unsafeCurrentTimeMillis())).pipe(
        Effect.repeat(Schedule.spaced(options.metricsInterval)),
        Effect.forkScoped
      )
    }

    return {
      acquire,
      unsafeTryAcquire: core.tryAcquire,
      withPermit: (cls, opts) => {
        const permit = acquire(cls, opts)
        return (self) => Effect.zipRight(permit, self)
      },
      pause,
      stats: Effect.sync(() => core.snapshot(clock.unsafeCurrentTimeMillis())).pipe(Effect.withSpan("RateLimiter.stats"))
    } satisfies Service
  })

/** The limiter from explicit options (tests, tools); the seed's values where omitted. */
export const layerWith = (options: Options = {}): Layer.Layer<RateLimiter> => Layer.scoped(RateLimiter, make(options))

/** The limiter from `errorHandling.rateLimit` of the ResilienceConfig. */
export const layer: Layer.Layer<RateLimiter, never, ResilienceConfig> = Layer.scoped(
  RateLimiter,
  Effect.flatMap(ResilienceConfig, (config) => make(config.errorHandling.rateLimit))
)
