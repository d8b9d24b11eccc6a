/**
 * A TokenManager for tests: hands out `token-1`, `token-2`, ... and counts
 * what was asked of it.
 */
import { Errors, TokenManager } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

export interface FakeTokens {
  readonly service: TokenManager.Service
  readonly layer: Layer.Layer<TokenManager.TokenManager>
  readonly calls: { get: number; forceLogin: number; invalidate: Array<string> }
  /** The token `get` returns now. */
  current: string
  /** `get` and `forceLogin` fail while true. */
  failing: boolean
  /** A new token, announced on `changes` (as a refresh would). */
  readonly rotate: (token: string) => Effect.Effect<void>
}

export const makeFakeTokens: Effect.Effect<FakeTokens> = Effect.gen(function*() {
  const changes = yield* PubSub.unbounded<TokenManager.TokenInfo>()
  let n = 1
  const fake: FakeTokens = {
    service: undefined as unknown as TokenManager.Service,
    layer: undefined as unknown as Layer.Layer<TokenManager.TokenManager>,
    calls: { get: 0, forceLogin: 0, invalidate: [] },
    current: "token-1",
    failing: false,
    rotate: (token) =>
      Effect.suspend(() => {
        fake.current = token
        return PubSub.publish(changes, { token: Redacted.make(token), expiresAt: 0, obtainedAt: 0 })
      })
  }
  const fail = new Errors.AuthenticationFailed({ reason: "login refused" })
  const service: TokenManager.Service = {
    get: Effect.suspend(() => {
      fake.calls.get++
      return fake.failing ? Effect.fail(fail) : Effect.succeed(Redacted.make(fake.current))
    }),
    ensureValidFor: () => Effect.sync(() => Redacted.make(fake.current)),
    // as the TokenManager does: the current token refused, the next `get` has a new one
    invalidate: (token) =>
      Effect.sync(() => {
        fake.calls.invalidate.push(Redacted.value(token))
        if (Redacted.value(token) === fake.current) fake.current = `token-${++n}`
      }),
    forceLogin: Effect.suspend(() => {
      fake.calls.forceLogin++
      if (fake.failing) return Effect.fail(fail)
      fake.current = `token-${++n}`
      return Effect.succeed(Redacted.make(fake.current))
    }),
    info: Effect.succeed(undefined),
    changes: Stream.fromPubSub(changes)
  }
  Object.assign(fake, { service, layer: Layer.succeed(TokenManager.TokenManager, service) })
  return fake
})
