/**
 * ResilientGateway's call pipeline. One call is `Effect.withFiberRuntime` around:
 *
 * - the fast path (token in view, circuit closed, a free rate-limit slot, all
 *   decided synchronously with one clock read): the HTTP effect with one
 *   `matchCauseEffect` whose handlers complete the rate-limit slot (the call
 *   counts in the limiter's window from its completion on: the gateway
 *   counted it on arrival, before that) and lead a failure into the failure
 *   path. An interruption skips those handlers: an observer on the fiber
 *   completes the slot when the fiber exits (an `uninterruptibleMask` would
 *   do it at the interruption itself, but its two runtime-flag changes cost
 *   more than the whole fast path);
 * - the slow path otherwise: `TokenManager.get`, fail fast if the circuit is
 *   open (except an `enforcement` call: see {@link admit}), wait for a slot,
 *   let the breaker admit, send, complete the slot; all
 *   under one mask, so an interruption anywhere after the slot was taken
 *   still completes it (and frees a half-open probe);
 * - the failure path: record the outcome in the breaker, 401 → drop and
 *   invalidate the token and replay once, 429 → pause the limiter window
 *   (Retry-After capped at `maxRetryAfterMs`), ambiguous mutation →
 *   OutcomeUnknown, then retry what ErrorPolicy allows after `retryDelay`
 *   (the capped Retry-After at least), up to `maxAttempts`.
 *
 * @internal
 */
import type { Endpoints, Errors, GatewayClient } from "@tradeguard/gateway"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type * as Redacted from "effect/Redacted"
import type * as CircuitBreaker from "../CircuitBreaker.js"
import type { ResilienceConfigShape } from "../Config.js"
import { isRetryable, toOutcomeUnknown } from "../ErrorPolicy.js"
import { AuthenticationFailed, CircuitOpen, type QueueOverflow, type ResilientError } from "../Errors.js"
import type * as RateLimiter from "../RateLimiter.js"
import type { Priority } from "../ResilientGateway.js"
import { retryDelay } from "../Retry.js"
import type * as TokenManager from "../TokenManager.js"
import * as BS from "./breakerState.js"
import type { TokenCache } from "./tokenCache.js"

type Failure = Errors.GatewayError | ResilientError
type Token = Redacted.Redacted<string> | undefined

export interface Deps {
  readonly client: GatewayClient.Service
  readonly tokens: TokenManager.Service
  readonly cache: TokenCache
  readonly limiter: RateLimiter.Service
  readonly clock: Clock.Clock
  readonly retries: ResilienceConfigShape["errorHandling"]["retries"]
  readonly logRetries: boolean
}

/** Everything about one endpoint that does not change between calls. */
export interface Plan {
  readonly endpoint: Endpoints.AnyEndpoint
  readonly guard: CircuitBreaker.Guard
  /** `acquireSlot` per priority: the slot is completed when the call ends. */
  readonly permits: { readonly [P in Priority]: Effect.Effect<RateLimiter.Slot, QueueOverflow> }
  readonly defaultPriority: Priority
}

/** Where a call stands: attempt number (1-based) and whether its one 401 replay is spent. */
interface Ctx {
  readonly plan: Plan
  readonly priority: Priority
  readonly request: unknown
  readonly attempt: number
  readonly replayed: boolean
}

export const makeCaller = (deps: Deps) => {
  const { cache, client, clock, limiter, retries, tokens } = deps

  /** A call of `plan`'s endpoint. */
  const call = (plan: Plan, request: unknown, priority: Priority): Effect.Effect<unknown, Failure> =>
    Effect.withFiberRuntime((fiber) => {
      const now = clock.unsafeCurrentTimeMillis()
      const token = plan.endpoint.authenticated ? cache.peek(now) : undefined
      const state = plan.guard.current()
      const slot = (token !== undefined || !plan.endpoint.authenticated) && state._tag === "Closed"
        ? limiter.unsafeTryAcquire(plan.endpoint.rateLimit, now, priority)
        : undefined
      if (slot === undefined) return slow({ plan, priority, request, attempt: 1, replayed: false })
      // taken now, when the call is sent: whether its success may reset the count (the breaker's rule)
      const ticket = BS.ticketOf(state)
      // An interrupted call runs neither handler below; the fiber's exit then completes the slot
      // (a mask would do it at the interruption itself, but costs more than the whole fast path).
      const done = () => limiter.complete(slot, clock.unsafeCurrentTimeMillis())
      fiber.addObserver(done)
      return Effect.matchCauseEffect(client.call(plan.endpoint, request, token), {
        onSuccess: (a) => {
          fiber.removeObserver(done)
          done()
          plan.guard.success(ticket)
          return Effect.succeed(a)
        },
        onFailure: (cause) => {
          fiber.removeObserver(done)
          done()
          return failed({ plan, priority, request, attempt: 1, replayed: false }, token, ticket, cause)
        }
      })
    })

  const tokenFor = (plan: Plan): Effect.Effect<Token, AuthenticationFailed> => {
    if (!plan.endpoint.authenticated) return Effect.succeed(undefined)
    const token = cache.peek(clock.unsafeCurrentTimeMillis())
    return token !== undefined ? Effect.succeed(token) : cache.get
  }

  /**
   * Token, open-circuit check, rate-limit slot, breaker admission, send,
   * complete the slot. Masked from the slot on: only the waits (token, slot,
   * HTTP) and what follows a failure are interruptible, and an interruption
   * of any of them still completes the slot and frees a half-open probe.
   */
  const slow = (ctx: Ctx): Effect.Effect<unknown, Failure> => {
    const { guard } = ctx.plan
    const prelude = Effect.flatMap(tokenFor(ctx.plan), (token) =>
      Effect.suspend((): Effect.Effect<readonly [Token, RateLimiter.Slot], CircuitOpen | QueueOverflow> => {
        const state = guard.current()
        if (state._tag === "Open" && ctx.priority !== "enforcement") return Effect.fail(openError(ctx.plan, state.halfOpensAt))
        return Effect.map(ctx.plan.permits[ctx.priority], (slot) => [token, slot] as const)
      }))
    return Effect.uninterruptibleMask((restore) =>
      Effect.matchCauseEffect(restore(prelude), {
        onFailure: (cause) => {
          const failure = Cause.failureOption(cause)
          return failure._tag === "Some" && failure.value._tag === "QueueOverflow"
            ? restore(retryOrFail(ctx, failure.value))
            : Effect.failCause(cause)
        },
        onSuccess: ([token, slot]) => {
          const ticket = admit(guard, ctx)
          if (typeof ticket !== "number") {
            limiter.complete(slot, clock.unsafeCurrentTimeMillis()) // not sent: counts from now, harmlessly
            return Effect.fail(ticket)
          }
          return Effect.matchCauseEffect(restore(client.call(ctx.plan.endpoint, ctx.request, token)), {
            onSuccess: (a) => {
              limiter.complete(slot, clock.unsafeCurrentTimeMillis())
              guard.success(ticket)
              return Effect.succeed(a)
            },
            onFailure: (cause) => {
              limiter.complete(slot, clock.unsafeCurrentTimeMillis())
              // an interruption lands here too: `failed` frees the ticket (a half-open probe)
              return restore(failed(ctx, token, ticket, cause))
            }
          })
        }
      })
    )
  }

  /** A sent call failed: record it, then 401 / 429 / OutcomeUnknown / retry. */
  const failed = (ctx: Ctx, token: Token, ticket: number, cause: Cause.Cause<Failure>) => {
    const failure = Cause.failureOption(cause)
    const { endpoint, guard } = ctx.plan
    if (failure._tag === "None") {
      guard.release(ticket)
      return Effect.failCause(cause)
    }
    const error = failure.value
    guard.record(ticket, error)
    if (error._tag === "Unauthorized" && token !== undefined) {
      cache.drop(token)
      const invalidate = tokens.invalidate(token)
      return ctx.replayed
        ? Effect.zipRight(
          invalidate,
          Effect.fail(new AuthenticationFailed({ reason: `${endpoint.name}: refused with 401 twice` }))
        )
        : Effect.zipRight(invalidate, slow({ ...ctx, replayed: true }))
    }
    if (error._tag === "RateLimited") {
      // the limiter caps the pause (maxRetryAfterMs); the retry waits for the pause it applied, not the header
      const pause = limiter.pause(endpoint.rateLimit, error.retryAfter ?? Duration.millis(retries.backoffBase), ctx.priority)
      return Effect.flatMap(pause, (paused) => retryOrFail(ctx, error, error.retryAfter && paused))
    }
    return retryOrFail(ctx, endpoint.mutating ? toOutcomeUnknown(error, endpoint, ctx.request, retries.retryableErrors) : error)
  }

  /** Retries after `retryDelay` (at least `retryAfter`: a 429's honoured, capped Retry-After), or fails. */
  const retryOrFail = (ctx: Ctx, error: Failure, retryAfter?: Duration.Duration): Effect.Effect<unknown, Failure> => {
    const { endpoint } = ctx.plan
    if (ctx.attempt >= retries.maxAttempts || !isRetryable(error, endpoint, retries.retryableErrors)) {
      return Effect.fail(error)
    }
    return Effect.flatMap(Random.next, (random) => {
      const delay = retryDelay(ctx.attempt, retries, retryAfter, random)
      const log = deps.logRetries
        ? Effect.logInfo(
          `retrying ${endpoint.name} in ${Duration.format(delay)} (attempt ${ctx.attempt + 1} of ${retries.maxAttempts})`
        ).pipe(Effect.annotateLogs({ module: "resilience/ResilientGateway", error: error._tag }))
        : Effect.void
      return log.pipe(
        Effect.zipRight(Effect.sleep(delay)),
        Effect.zipRight(Effect.suspend(() => slow({ ...ctx, attempt: ctx.attempt + 1 })))
      )
    })
  }

  return { call }
}

/**
 * The breaker's ticket for a call about to be sent, or the CircuitOpen that refuses it. An `enforcement` call
 * (cancel, close, the reads that verify a flatten) is never refused by the breaker: an open circuit would
 * otherwise hold a breach's flatten for the whole `circuitBreaker.timeout` (60 s) although the gateway may
 * answer it. It is sent on an {@link BS.unrecorded} ticket when the circuit is Open or out of probes (its outcome
 * moves no state: the circuit's own probes decide), as a probe when one is free. Enforcement traffic is a few
 * calls per breach, still under the rate limiter and the retry bound, so it cannot flood a failing gateway.
 */
const admit = (guard: CircuitBreaker.Guard, ctx: Ctx): BS.Ticket | CircuitOpen => {
  if (ctx.priority !== "enforcement") return guard.enter(ctx.plan.endpoint.name)
  // Open: not asked of the breaker at all (it would count a rejection that did not happen)
  if (guard.current()._tag === "Open") return BS.unrecorded
  const ticket = guard.enter(ctx.plan.endpoint.name)
  return typeof ticket === "number" ? ticket : BS.unrecorded
}

const openError = (plan: Plan, halfOpensAt: number) =>
  new CircuitOpen({ group: plan.guard.group, endpoint: plan.endpoint.name, halfOpensAt })
