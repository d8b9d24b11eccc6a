/**
 * The gateway's rate limits: a sliding window per user and class, `history`
 * (retrieveBars, 50 per 30 s) and `general` (everything else, 200 per 60 s).
 * Over the limit a request is not counted and gets 429 with Retry-After.
 *
 * @since 0.1.0
 */
import type { Endpoints } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Resolved } from "./Options.js"
import { admit as admitWith, retryAfterSeconds } from "./internal/SlidingWindow.js"

/**
 * The gateway's rate limits, per user and class, as the simulator enforces them.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Counts a request of `user` in `rateClass`; `Some(seconds)` to wait when over the limit. */
  readonly admit: (user: string, rateClass: Endpoints.RateLimitClass) => Effect.Effect<Option.Option<number>>
  /** Forgets every window (e.g. between test phases). */
  readonly reset: Effect.Effect<void>
}

/**
 * The simulator rate limiter's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class RateLimiter extends Context.Tag("@tradeguard/simulator/RateLimiter")<RateLimiter, Service>() {}

/**
 * A rate limiter with the given windows.
 *
 * @since 0.1.0
 */
export const make = (limits: Resolved["rateLimits"]): Effect.Effect<Service> =>
  Effect.sync(() => {
    const logs = new Map<string, ReadonlyArray<number>>()
    const admit = Effect.fn("RateLimiter.admit")(function*(user: string, rateClass: Endpoints.RateLimitClass) {
      if (!limits.enabled) return Option.none()
      const now = yield* Clock.currentTimeMillis
      const key = `${rateClass}|${user}`
      const { limit, windowMillis } = limits[rateClass]
      const r = admitWith(logs.get(key) ?? [], now, limit, windowMillis)
      logs.set(key, r.log)
      return r.admitted ? Option.none() : Option.some(retryAfterSeconds(r.retryAfterMillis))
    })
    return { admit, reset: Effect.sync(() => logs.clear()) } satisfies Service
  })

/**
 * The rate limiter as a layer.
 *
 * @since 0.1.0
 */
export const layer = (limits: Resolved["rateLimits"]): Layer.Layer<RateLimiter> =>
  Layer.effect(RateLimiter, make(limits))
