/**
 * RateLimiter (GAP-API-007): keeps every gateway call under the gateway's
 * limits before the gateway has to say 429.
 *
 * - Two exact sliding windows (logs, not fixed buckets): `history` (50 / 30 s,
 *   `/api/History/retrieveBars`) and `general` (200 / 60 s, everything else).
 *   A history call is counted against **both** windows: the gateway does not
 *   document whether bars share the general budget, so we assume they do (the
 *   conservative choice; it costs at most 50 of 200 general slots per 30 s).
 * - The gateway counts a request when it **arrives**, which is later than our
 *   admission (network, its own queue). So a call counts from the moment it is
 *   known to have reached the gateway at the latest: a slot taken with
 *   `unsafeTryAcquire` / `acquireSlot` is held while the call is in flight and
 *   counts from its completion (`complete(slot, now)`) for one window. A
 *   caller that does not report completion (`acquire`) gets admission-time
 *   semantics, which can run ahead of the gateway's window by the network
 *   delay.
 * - A call that does not fit waits in a bounded line (`queueSize`, shared by
 *   both classes), FIFO within a priority; `enforcement` (cancel, close)
 *   waiters go ahead of `normal` ones. A full line fails the oldest `normal`
 *   waiter (`dropOldest: true`) or the newcomer (`false`) with `QueueOverflow`.
 *   An interrupted waiter leaves the line at once.
 * - Enforcement reserve: `normal` calls fill at most `general.requests -
 *   enforcementReserve` of the general window; `enforcement` calls may use all
 *   of it, so a flood of reads never keeps a cancel or a close waiting for a
 *   slot.
 * - `pause(class, duration)`: a 429 despite the limiter stops that window
 *   until Retry-After, capped at `maxRetryAfterMs` (one bad header must never
 *   stop flattening for hours).
 *
 * When to use: through ResilientGateway (it acquires before every HTTP call
 * and completes the slot when the reply, failure or interruption comes). Use
 * it directly only for calls that bypass ResilientGateway but share the same
 * gateway budget — preferably with `withPermit`, which completes the slot
 * after the wrapped call.
 *
 * Gotcha: the success path is a synchronous ring-buffer check (plus one small
 * slot object for a tracked call); only a caller that must wait allocates (a
 * waiter and an `Effect.async`), and a single timer fiber wakes the line when
 * the next slot frees. A slot from `unsafeTryAcquire` / `acquireSlot` that is
 * never completed holds its place for good.
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
import { type HeldSlot, makeCore } from "./internal/limiterCore.js"
import type { Priority } from "./ResilientGateway.js"

/**
 * `history` (retrieveBars) or `general` (every other endpoint).
 *
 * @since 0.1.0
 */
export type RateLimitClass = Endpoints.RateLimitClass

/**
 * Options of `acquire`: priority and the endpoint name for errors.
 *
 * @since 0.1.0
 */
export interface AcquireOptions {
  /** `enforcement` waits ahead of `normal` (default). */
  readonly priority?: Priority
  /** Named in a `QueueOverflow`. */
  readonly endpoint?: string
}

/**
 * A rate-limit slot held by one call from its admission until
 * `complete(slot, now)`. Opaque: only the limiter makes them.
 *
 * @since 0.1.0
 */
export interface Slot {
  readonly cls: RateLimitClass
}

/**
 * The use of one rate-limit window.
 *
 * @since 0.1.0
 */
export interface WindowStats {
  readonly limit: number
  /** Of `limit`, the slots only `enforcement` calls may take (0 for history). */
  readonly reserve: number
  readonly windowMillis: number
  /** Calls that count now: in flight, or completed (admitted, for `acquire`) within the window ending now. */
  readonly used: number
  /** Of those, the calls in flight (slots not completed yet). */
  readonly inFlight: number
  /** Epoch millis until which a 429 to an enforcement call paused it (every call waits), if paused now. */
  readonly pausedUntil: number | undefined
  /** Epoch millis until which a 429 to a `normal` call paused its `normal` calls (enforcement still goes), if paused now. */
  readonly normalPausedUntil: number | undefined
  /**
   * Epoch millis of the next free slot if no call completes meanwhile (now
   * when one is free); `Infinity` while `limit` calls are in flight.
   */
  readonly nextFreeAt: number
}

/**
 * The limiter's queue and windows, as `stats` returns them.
 *
 * @since 0.1.0
 */
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
  /** 429s the gateway answered since start, by window (each one paused it: {@link Service.pause}). */
  readonly rateLimited: { readonly [C in RateLimitClass]: number }
  readonly totalWaitMillis: number
  readonly maxWaitMillis: number
}

/**
 * The client-side rate limiter of the gateway's two windows (history, general).
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * Waits for a slot of `cls` (and of `general` for a history call) and
   * returns the slot, held until {@link Service.complete}: the call counts
   * in the window from its completion, not its admission. Lazy and
   * reusable: hot paths build it once per endpoint and priority. The caller
   * must complete the slot whatever happens (reply, failure, interruption):
   * acquire it with interruption masked (see `withPermit`).
   */
  readonly acquireSlot: (cls: RateLimitClass, options?: AcquireOptions) => Effect.Effect<Slot, QueueOverflow>
  /**
   * Waits for a slot of `cls`, for a caller that does not report
   * completion: the call counts from its admission (admission-time
   * semantics: when the gateway counts the request on arrival, later, its
   * window can still hold the call after ours freed the slot). Prefer
   * `withPermit` or `acquireSlot` + `complete`.
   */
  readonly acquire: (cls: RateLimitClass, options?: AcquireOptions) => Effect.Effect<void, QueueOverflow>
  /**
   * The success path alone, synchronous: takes a slot at `now` (the Clock's
   * time in millis) and returns it if one is free for `priority` (default
   * `normal`: below the enforcement reserve) and nobody waits; else
   * returns undefined and takes nothing (then use `acquireSlot`). For hot
   * paths that already read the clock (ResilientGateway). The slot is held
   * until {@link Service.complete}.
   */
  readonly unsafeTryAcquire: (cls: RateLimitClass, now: number, priority?: Priority) => Slot | undefined
  /**
   * The call holding `slot` completed at `now` (reply, failure or
   * interruption; the Clock's time in millis): from now on it counts until
   * `now + window`. Synchronous and idempotent (a second call is a no-op).
   */
  readonly complete: (slot: Slot, now: number) => void
  /**
   * `acquireSlot`, then `self`, then `complete` when `self` ends however it
   * ends (interruption included).
   */
  readonly withPermit: (
    cls: RateLimitClass,
    options?: AcquireOptions
  ) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | QueueOverflow, R>
  /**
   * After a 429 to a call of `priority` (default `enforcement`): for `duration` (Retry-After), at
   * most `maxRetryAfterMs`, no admission in `cls`'s window of that priority — a 429 to a read pauses
   * the `normal` calls only, so a bad header on a read never holds a cancel or a close; a 429 to an
   * enforcement call pauses every call of the window. Returns the pause it applied (the capped
   * Retry-After: retry after that, not after the header's value).
   */
  readonly pause: (
    cls: RateLimitClass,
    duration: Duration.DurationInput,
    priority?: Priority
  ) => Effect.Effect<Duration.Duration>
  readonly stats: Effect.Effect<Stats>
}

/**
 * The rate limiter's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class RateLimiter extends Context.Tag("@tradeguard/resilience/RateLimiter")<RateLimiter, Service>() {}

/**
 * The windows' limits, the queue size and what happens when it is full (defaults: the gateway's limits).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly history?: { readonly requests: number; readonly windowSeconds: number }
  readonly general?: { readonly requests: number; readonly windowSeconds: number }
  readonly queueSize?: number
  readonly dropOldest?: boolean
  /** Count a history call against the general window too (default true: conservative). */
  readonly historyCountsAsGeneral?: boolean
  /**
   * The longest pause a 429 causes, ms: a longer Retry-After is cut to this
   * (default 60000, the general window). `errorHandling.rateLimit.maxRetryAfterMs`.
   */
  readonly maxRetryAfterMs?: number
  /**
   * General-window slots only `enforcement` calls may take: `normal` calls
   * fill at most `general.requests - enforcementReserve`. Must be below
   * `general.requests`. Default 0 here (the limits exactly as given, for
   * tests and tools); `errorHandling.rateLimit.enforcementReserve` defaults
   * to 20 of the 200.
   */
  readonly enforcementReserve?: number
  /**
   * Copy window usage and admission counts into the metrics this often. Off by
   * default: they are copied whenever a call waits and on every `stats` read,
   * and a poller would wake a TestClock every interval.
   */
  readonly metricsInterval?: Duration.DurationInput
}

export {
  /**
   * Effect Metrics of the limiter, tagged `class`: queue depth, waits, drops, pauses, window usage.
   *
   * @since 0.1.0
   */
  metrics
} from "./internal/limiterCore.js"

/**
 * Builds the limiter; its wake-up timer (and metrics poller) live in the Scope.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const queueSize = options.queueSize ?? 1000
    const general = options.general ?? { requests: 200, windowSeconds: 60 }
    const enforcementReserve = options.enforcementReserve ?? 0
    const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
    if (!Number.isInteger(enforcementReserve) || enforcementReserve < 0 || enforcementReserve >= general.requests) {
      return yield* Effect.dieMessage(
        `RateLimiter: enforcementReserve (${enforcementReserve}) must be an integer in [0, general.requests = ${general.requests})`
      )
    }
    const core = makeCore(
      {
        history: options.history ?? { requests: 50, windowSeconds: 30 },
        general,
        queueSize,
        dropOldest: options.dropOldest ?? true,
        historyCountsAsGeneral: options.historyCountsAsGeneral ?? true,
        enforcementReserve
      },
      () => clock.unsafeCurrentTimeMillis(),
      runFork
    )
    yield* Effect.addFinalizer(() => Effect.sync(core.close))

    const now = () => clock.unsafeCurrentTimeMillis()

    /** Waits in line; with `track` the admission hands back a held slot. */
    const enqueue = (cls: RateLimitClass, priority: Priority, endpoint: string, track: boolean) =>
      Effect.async<HeldSlot | undefined, QueueOverflow>((resume) => {
        const overflow = () => new QueueOverflow({ endpoint, queueSize })
        const joined = core.join(cls, priority, endpoint, now(), track)
        if (joined._tag === "Admitted") return resume(Effect.succeed(joined.slot))
        if (joined._tag === "Refused") return resume(Effect.fail(overflow()))
        const { waiter } = joined
        waiter.resume = (ok) => resume(ok ? Effect.succeed(waiter.slot) : Effect.fail(overflow()))
        // interrupted: leave the line (or give back a slot admitted in the same instant)
        return Effect.sync(() => core.quit(waiter, now()))
      })

    const acquireSlot = (cls: RateLimitClass, opts?: AcquireOptions): Effect.Effect<Slot, QueueOverflow> => {
      const slow = enqueue(cls, opts?.priority ?? "normal", opts?.endpoint ?? cls, true) as Effect.Effect<
        HeldSlot,
        QueueOverflow
      >
      const priority = opts?.priority ?? "normal"
      return Effect.suspend(() => {
        const slot = core.tryAcquire(cls, now(), priority)
        return slot !== undefined ? Effect.succeed(slot) : slow
      })
    }

    const acquire = (cls: RateLimitClass, opts?: AcquireOptions): Effect.Effect<void, QueueOverflow> => {
      const priority = opts?.priority ?? "normal"
      const slow = Effect.asVoid(enqueue(cls, priority, opts?.endpoint ?? cls, false))
      return Effect.suspend(() => (core.tryRecord(cls, now(), priority) ? Effect.void : slow))
    }

    // a Slot the limiter did not make has no `held`: completing it is a no-op
    const complete = core.complete as (slot: Slot, at: number) => void

    const withPermit = (cls: RateLimitClass, opts?: AcquireOptions) => {
      const permit = acquireSlot(cls, opts)
      return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | QueueOverflow, R> =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(restore(permit), (slot) =>
            Effect.onExit(restore(self), () => Effect.sync(() => complete(slot, now()))))
        )
    }

    const pause = Effect.fn("RateLimiter.pause")(function*(
      cls: RateLimitClass,
      duration: Duration.DurationInput,
      priority: Priority = "enforcement"
    ) {
      const t = now()
      const asked = Duration.decode(duration)
      const capped = Duration.toMillis(asked) > maxRetryAfterMs
      const applied = capped ? Duration.millis(maxRetryAfterMs) : asked
      core.pause(cls, t + Duration.toMillis(applied), t, priority)
      yield* Effect.logWarning(
        `rate limit ${cls}: the gateway answered 429; ` +
          `${priority === "enforcement" ? "window" : "normal calls (not enforcement)"} paused for ${Duration.format(applied)}` +
          (capped ? ` (Retry-After ${Duration.format(asked)} capped at maxRetryAfterMs)` : "")
      )
      return applied
    })

    if (options.metricsInterval !== undefined) {
      yield* Effect.sync(() => core.report(now())).pipe(
        Effect.repeat(Schedule.spaced(options.metricsInterval)),
        Effect.forkScoped
      )
    }

    return {
      acquireSlot,
      acquire,
      unsafeTryAcquire: core.tryAcquire,
      complete,
      withPermit,
      pause,
      stats: Effect.sync(() => core.snapshot(now())).pipe(Effect.withSpan("RateLimiter.stats"))
    } satisfies Service
  })

/**
 * The limiter from explicit options (tests, tools); the seed's values where omitted.
 *
 * @since 0.1.0
 */
export const layerWith = (options: Options = {}): Layer.Layer<RateLimiter> => Layer.scoped(RateLimiter, make(options))

/**
 * The limiter from `errorHandling.rateLimit` of the ResilienceConfig.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RateLimiter, never, ResilienceConfig> = Layer.scoped(
  RateLimiter,
  Effect.flatMap(ResilienceConfig, (config) => make(config.errorHandling.rateLimit))
)
