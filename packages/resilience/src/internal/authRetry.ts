/**
 * The retry of a loginKey / validate call: transient and rate-limited failures
 * are retried after `retryDelayMs[i]` (the last delay repeats; a Retry-After
 * longer than the delay wins), up to `maxRetries` times. Anything else fails
 * at once (a refused login or a dead session will not get better).
 *
 * @internal
 */
import type { Endpoints, Errors } from "@tradeguard/gateway"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { classify } from "../ErrorPolicy.js"

/** The delay before retry `i` (0-based) from `retryDelayMs`. */
export const delayAt = (retryDelayMs: ReadonlyArray<number>, i: number): number =>
  retryDelayMs[Math.min(i, retryDelayMs.length - 1)] ?? 1000

export const retryAuthCall = <A>(
  what: string,
  endpoint: Endpoints.AnyEndpoint,
  call: Effect.Effect<A, Errors.GatewayError>,
  maxRetries: number,
  retryDelayMs: ReadonlyArray<number>
): Effect.Effect<A, Errors.GatewayError> => {
  const attempt = (i: number): Effect.Effect<A, Errors.GatewayError> =>
    Effect.catchAll(call, (error) => {
      const c = classify(error, endpoint)
      if ((c !== "transient" && c !== "rateLimited") || i >= maxRetries) return Effect.fail(error)
      const retryAfter = error._tag === "RateLimited" && error.retryAfter ? Duration.toMillis(error.retryAfter) : 0
      const wait = Math.max(delayAt(retryDelayMs, i), retryAfter)
      return Effect.logWarning(`${what} failed (${error._tag}); retry ${i + 1} of ${maxRetries} in ${wait} ms`).pipe(
        Effect.zipRight(Effect.sleep(wait)),
        Effect.zipRight(Effect.suspend(() => attempt(i + 1)))
      )
    })
  return attempt(0)
}
