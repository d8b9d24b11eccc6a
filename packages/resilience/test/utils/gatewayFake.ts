/**
 * A scripted GatewayClient for ResilientGateway unit tests: each call takes the
 * next scripted outcome of its endpoint (default: a canned success) and is
 * logged with the token it carried.
 */
import { Endpoints, type Errors, GatewayClient } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as CircuitBreaker from "../../src/CircuitBreaker.js"
import { type DeepPartial, ResilienceConfig, type ResilienceConfigInput } from "../../src/Config.js"
import * as RateLimiter from "../../src/RateLimiter.js"
import * as ResilientGateway from "../../src/ResilientGateway.js"
import * as TokenManager from "../../src/TokenManager.js"

export type Outcome = Effect.Effect<unknown, Errors.GatewayError>

export interface Sent {
  readonly endpoint: string
  readonly token: string | undefined
  readonly at: number
  readonly request: unknown
}

export interface FakeGateway {
  readonly sent: Array<Sent>
  /** Queues outcomes for the next calls of `endpoint`. */
  readonly script: (endpoint: Endpoints.EndpointName, ...outcomes: ReadonlyArray<Outcome>) => void
}

const canned: Partial<Record<Endpoints.EndpointName, unknown>> = {
  accountSearch: { accounts: [] },
  positionSearchOpen: { positions: [] },
  orderSearchOpen: { orders: [] },
  historyRetrieveBars: { bars: [] },
  orderPlace: { orderId: 3_400_000_001 }
}

export const makeFake = (): FakeGateway & { readonly service: GatewayClient.Service } => {
  const sent: Array<Sent> = []
  const scripts = new Map<string, Array<Outcome>>()
  const call = (e: Endpoints.AnyEndpoint, request: unknown, token?: Redacted.Redacted<string>) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => {
      sent.push({ endpoint: e.name, token: token && Redacted.value(token), at, request })
      const next = scripts.get(e.name)?.shift()
      return next ?? Effect.succeed(canned[e.name as Endpoints.EndpointName] ?? {})
    })
  const methods = Object.fromEntries(
    Object.values(Endpoints.all).map((e) => [e.name, (r: unknown, t?: Redacted.Redacted<string>) => call(e, r, t)])
  )
  const service = {
    ...methods,
    call,
    ping: Effect.succeed("pong"),
    options: { baseUrl: "http://fake" }
  } as unknown as GatewayClient.Service
  return {
    sent,
    script: (endpoint, ...outcomes) => scripts.set(endpoint, [...(scripts.get(endpoint) ?? []), ...outcomes]),
    service
  }
}

/** A TokenManager that hands out `token-1`, `token-2`, ... (a new one after each invalidate). */
export const countingTokens = () => {
  let n = 1
  let invalidations = 0
  const current = () => Redacted.make(`token-${n}`)
  const service: TokenManager.Service = {
    get: Effect.sync(current),
    ensureValidFor: () => Effect.sync(current),
    invalidate: (token) =>
      Effect.sync(() => {
        if (Redacted.value(token) === `token-${n}`) {
          n++
          invalidations++
        }
      }),
    forceLogin: Effect.sync(current),
    info: Effect.succeed(undefined),
    changes: Effect.never as never
  }
  return { service, invalidations: () => invalidations }
}

/**
 * A TokenManager whose token is in view from the start (`info`): calls take
 * ResilientGateway's fast path. `countingTokens` has none in view: every call
 * asks `get` and takes the slow path.
 */
export const viewTokens = (): TokenManager.Service => ({
  get: Effect.succeed(Redacted.make("token-a")),
  ensureValidFor: () => Effect.die("unused"),
  invalidate: () => Effect.void,
  forceLogin: Effect.die("unused"),
  info: Effect.succeed({ token: Redacted.make("token-a"), expiresAt: 86_400_000, obtainedAt: 86_340_000 }),
  changes: Stream.never
})

/** ResilientGateway over a fake client, with its limiter and breaker exposed. */
export const fakeGatewayLayer = (
  fake: { readonly service: GatewayClient.Service },
  tokens: TokenManager.Service,
  config: DeepPartial<ResilienceConfigInput> = {}
) =>
  ResilientGateway.layerWithoutDependencies.pipe(
    Layer.provideMerge(Layer.mergeAll(RateLimiter.layer, CircuitBreaker.layer)),
    Layer.provideMerge(Layer.mergeAll(
      Layer.succeed(GatewayClient.GatewayClient, fake.service),
      Layer.succeed(TokenManager.TokenManager, tokens)
    )),
    Layer.provideMerge(ResilienceConfig.layer(config))
  )
