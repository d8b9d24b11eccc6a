/**
 * Retry for gateway calls, from `errorHandling.retries`: exponential backoff
 * (`backoffBase` × `backoffMultiplier`^n, capped at `maxBackoffMs`, ±10 %
 * jitter), at most `maxAttempts` attempts in all, only for failures that
 * {@link isRetryable} allows; a 429 waits at least its Retry-After.
 *
 * When to use: {@link withRetry} around one raw call (it costs nothing until
 * the call fails: no Schedule driver on the success path);
 * {@link retrySchedule} with `Effect.retry` when you compose your own.
 *
 * Gotchas:
 * - A mutation is retried only after a failure that proves it was not applied:
 *   a 429, a limiter drop (QueueOverflow), or a definite rejection whose code
 *   means "later" (e.g. CancelOrder Pending). Never after a 5xx, a timeout or a
 *   lost connection: that is OutcomeUnknown, for the order layer.
 * - CircuitOpen is transient but not retried here: the circuit stays open for
 *   its timeout (60 s), longer than the backoff; the caller decides.
 * - Jitter draws from Effect's `Random`: provide `Random.fixed([0.5])` for
 *   exact nominal delays in tests.
 * - Retry-After is honoured even above `maxBackoffMs`: the server knows best.
 *
 * @since 0.1.0
 */
import { Endpoints } from "@tradeguard/gateway"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { ResilienceConfigShape } from "./Config.js"
import { classify, type Failure } from "./ErrorPolicy.js"

/**
 * The `errorHandling.retries` section.
 *
 * @since 0.1.0
 */
export type RetriesConfig = ResilienceConfigShape["errorHandling"]["retries"]

/**
 * Each delay is the nominal delay × a factor drawn from [1 − jitter, 1 + jitter].
 *
 * @since 0.1.0
 */
export const jitter = 0.1

/**
 * The delay before retry number `attempt` (1 = the first retry, after the first
 * failure): `backoffBase × backoffMultiplier^(attempt − 1)`, jittered by
 * `random` ∈ [0, 1) (0.5 = no jitter), capped at `maxBackoffMs`, and at least
 * `retryAfter` when given. Pure.
 *
 * @since 0.1.0
 */
export const retryDelay = (
  attempt: number,
  retries: RetriesConfig,
  retryAfter?: Duration.DurationInput,
  random = 0.5
): Duration.Duration => {
  const nominal = retries.backoffBase * Math.pow(retries.backoffMultiplier, Math.max(0, attempt - 1))
  const jittered = Math.min(retries.maxBackoffMs, Math.round(nominal * (1 + jitter * (2 * random - 1))))
  const floor = retryAfter === undefined ? 0 : Duration.toMillis(retryAfter)
  return Duration.millis(Math.max(jittered, floor))
}

/** `ping` is a read; any other name not in the table is treated as a mutation (conservative). */
const ping: Endpoints.AnyEndpoint = { ...(Endpoints.accountSearch as Endpoints.AnyEndpoint), name: "ping" }
const unknownEndpoint: Endpoints.AnyEndpoint = { ...(Endpoints.orderPlace as Endpoints.AnyEndpoint), name: "unknown" }
const byName: ReadonlyMap<string, Endpoints.AnyEndpoint> = new Map(
  Object.values(Endpoints.all).map((e) => [e.name, e as Endpoints.AnyEndpoint])
)

/**
 * The endpoint a failure names (every gateway error carries its endpoint's name).
 *
 * @since 0.1.0
 */
export const endpointOf = (error: Failure): Endpoints.AnyEndpoint => {
  const name = "endpoint" in error ? error.endpoint : undefined
  return name === undefined ? unknownEndpoint : name === "ping" ? ping : byName.get(name) ?? unknownEndpoint
}

/**
 * Whether `error` from a call to `endpoint` may be retried: its classification
 * is `transient` or `rateLimited`, it is not CircuitOpen, and for a mutation it
 * proves the call was not applied (RateLimited, QueueOverflow, or a Rejected
 * whose documented decision is transient).
 *
 * @since 0.1.0
 */
export const isRetryable = (
  error: Failure,
  endpoint: Endpoints.AnyEndpoint,
  retryableStatuses?: ReadonlyArray<number>
): boolean => {
  if (error._tag === "CircuitOpen") return false
  const c = classify(error, endpoint, retryableStatuses)
  if (c !== "transient" && c !== "rateLimited") return false
  if (!endpoint.mutating) return true
  return error._tag === "RateLimited" || error._tag === "QueueOverflow" || error._tag === "Rejected"
}

const retryAfterOf = (error: Failure): Duration.Duration | undefined =>
  error._tag === "RateLimited" ? error.retryAfter : undefined

/**
 * The retry Schedule for a failed call: use with `Effect.retry` on an effect
 * failing with ResilientError / GatewayError. Without `endpoint`, each failure's
 * own endpoint name is looked up in the table. Outputs `[failure, retriesSoFar]`.
 *
 * @since 0.1.0
 */
export const retrySchedule = (
  retries: RetriesConfig,
  endpoint?: Endpoints.AnyEndpoint
): Schedule.Schedule<[Failure, number], Failure> =>
  Schedule.identity<Failure>().pipe(
    Schedule.intersect(Schedule.count),
    Schedule.whileInput((error: Failure) =>
      isRetryable(error, endpoint ?? endpointOf(error), retries.retryableErrors)
    ),
    Schedule.whileOutput(([, n]) => n < retries.maxAttempts - 1),
    Schedule.addDelayEffect(([error, n]) =>
      Effect.map(Random.next, (random) => retryDelay(n + 1, retries, retryAfterOf(error), random))
    )
  )

/**
 * Options of `withRetry`.
 *
 * @since 0.1.0
 */
export interface WithRetryOptions {
  /** Log each retry at Info (`logging.resilience.errorRetries`). */
  readonly log?: boolean
}

/**
 * Runs `effect` (one call to `endpoint`) and retries it per {@link retrySchedule}.
 * The success path is a plain `catchAll`: the Schedule is built only after a
 * failure that {@link isRetryable} allows.
 *
 * @since 0.1.0
 */
export const withRetry = <A, E extends Failure, R>(
  effect: Effect.Effect<A, E, R>,
  endpoint: Endpoints.AnyEndpoint,
  retries: RetriesConfig,
  options?: WithRetryOptions
): Effect.Effect<A, E, R> =>
  Effect.catchAll(effect, (first) => {
    if (retries.maxAttempts <= 1 || !isRetryable(first, endpoint, retries.retryableErrors)) return Effect.fail(first)
    let replayFirst = true
    const again = Effect.suspend(() => {
      if (!replayFirst) return effect
      replayFirst = false
      return Effect.fail(first)
    })
    const schedule = retrySchedule(retries, endpoint)
    return Effect.retry(
      again,
      options?.log === true
        ? Schedule.modifyDelayEffect(schedule, ([error, n], delay) =>
          Effect.as(
            Effect.logInfo(
              `retrying ${endpoint.name} in ${Duration.format(delay)} (attempt ${n + 2} of ${retries.maxAttempts})`
            ).pipe(Effect.annotateLogs({ module: "resilience/Retry", error: error._tag })),
            delay
          ))
        : schedule
    ) as Effect.Effect<A, E, R>
  })
