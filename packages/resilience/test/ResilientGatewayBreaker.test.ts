/**
 * ResilientGateway and the circuit breaker's reset rule: a success resets a
 * group's consecutive-failure count only when the call was sent while there
 * was a count to reset, on the fast path (token in view, limiter free) and the
 * slow path (no token in view, or calls waiting in the limiter) alike.
 */
import { type Endpoints, Errors, GatewayClient } from "@tradeguard/gateway"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import type * as TokenManager from "../src/TokenManager.js"
import { countingTokens, fakeGatewayLayer, makeFake, viewTokens } from "./utils/gatewayFake.js"
import { settle } from "./utils/limiterHarness.js"

const search = { onlyActiveAccounts: true }
const e500 = Effect.fail(new Errors.ServerError({ endpoint: "accountSearch", status: 500 }))
const paths = { fast: viewTokens, slow: () => countingTokens().service } as const

describe("ResilientGateway: one breaker reset rule on both paths", () => {
  for (const path of ["fast", "slow"] as const) {
    it.effect(`${path} path: a success sent while the count was 0 does not reset failures that came after it`, () => {
      const fake = makeFake()
      const layer = fakeGatewayLayer(fake, paths[path](), { errorHandling: { retries: { maxAttempts: 1 } } })
      return Effect.gen(function*() {
        const gw = yield* ResilientGateway.ResilientGateway
        const breaker = yield* CircuitBreaker.CircuitBreaker
        const reply = yield* Deferred.make<void>()
        fake.script("accountSearch", Effect.as(Deferred.await(reply), { accounts: [] }), e500, e500, e500, e500, e500)
        const slowRead = yield* Effect.fork(gw.accountSearch(search)) // sent while the count is 0
        yield* settle
        for (let i = 0; i < 4; i++) assert.strictEqual((yield* Effect.flip(gw.accountSearch(search)))._tag, "ServerError")
        yield* Deferred.succeed(reply, undefined)
        assert.deepStrictEqual(yield* Fiber.join(slowRead), { accounts: [] })
        assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 4)
        assert.strictEqual((yield* Effect.flip(gw.accountSearch(search)))._tag, "ServerError")
        assert.strictEqual((yield* breaker.state("reads"))._tag, "Open")
      }).pipe(Effect.provide(layer))
    })
  }

  for (const path of ["fast", "slow"] as const) {
    it.effect(`${path} path: a 4xx reply to a call sent while the count was 0 does not reset it either`, () => {
      const fake = makeFake()
      const layer = fakeGatewayLayer(fake, paths[path](), { errorHandling: { retries: { maxAttempts: 1 } } })
      return Effect.gen(function*() {
        const gw = yield* ResilientGateway.ResilientGateway
        const breaker = yield* CircuitBreaker.CircuitBreaker
        const reply = yield* Deferred.make<void>()
        const refused = Effect.zipRight(
          Deferred.await(reply),
          Effect.fail(new Errors.UnexpectedStatus({ endpoint: "accountSearch", status: 404 }))
        )
        fake.script("accountSearch", refused, e500, e500)
        const early = yield* Effect.fork(gw.accountSearch(search))
        yield* settle
        for (let i = 0; i < 2; i++) yield* Effect.flip(gw.accountSearch(search))
        yield* Deferred.succeed(reply, undefined)
        assert.strictEqual((yield* Effect.flip(Fiber.join(early)))._tag, "UnexpectedStatus")
        assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 2)
        yield* gw.accountSearch(search) // sent with a count: resets it
        assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 0)
      }).pipe(Effect.provide(layer))
    })
  }
})

// ---------------------------------------------------------------- property

type Outcome = "ok" | "500" | "408" | "404"
type Op =
  | { readonly _tag: "send" }
  | { readonly _tag: "reply"; readonly pick: number; readonly outcome: Outcome }
  | { readonly _tag: "wait" }

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ _tag: "send" }), weight: 4 },
  {
    arbitrary: fc.record({
      _tag: fc.constant("reply" as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Outcome>("ok", "ok", "500", "500", "408", "404")
    }),
    weight: 4
  },
  { arbitrary: fc.constant<Op>({ _tag: "wait" }), weight: 1 }
)

/** A GatewayClient whose every call waits until the test replies to it. */
const heldClient = () => {
  const pending: Array<Deferred.Deferred<unknown, Errors.GatewayError>> = []
  const service = {
    call: (_e: Endpoints.AnyEndpoint) =>
      Effect.flatMap(Deferred.make<unknown, Errors.GatewayError>(), (d) =>
        Effect.zipRight(Effect.sync(() => pending.push(d)), Deferred.await(d)))
  } as unknown as GatewayClient.Service
  return { pending, service }
}

const outcomeOf = (outcome: Outcome): Effect.Effect<unknown, Errors.GatewayError> =>
  outcome === "ok"
    ? Effect.succeed({ accounts: [] })
    : outcome === "500"
    ? Effect.fail(new Errors.ServerError({ endpoint: "accountSearch", status: 500 }))
    : Effect.fail(new Errors.UnexpectedStatus({ endpoint: "accountSearch", status: Number(outcome) }))

const instance = (tokens: TokenManager.Service) =>
  Effect.gen(function*() {
    const client = heldClient()
    const context = yield* Layer.build(
      fakeGatewayLayer(client, tokens, {
        errorHandling: { retries: { maxAttempts: 1 }, circuitBreaker: { failureThreshold: 3, halfOpenRequests: 2 } }
      })
    )
    return {
      pending: client.pending,
      gw: Context.get(context, ResilientGateway.ResilientGateway),
      breaker: Context.get(context, CircuitBreaker.CircuitBreaker)
    }
  })

describe("ResilientGateway breaker property", () => {
  it.effect.prop(
    "the fast and the slow path reach the same breaker state for any interleaving of sends and outcomes",
    [fc.array(op, { minLength: 1, maxLength: 80 })],
    ([ops]) =>
      Effect.scoped(Effect.gen(function*() {
        const both = [yield* instance(viewTokens()), yield* instance(countingTokens().service)] as const
        const trace: Array<Array<string>> = [[], []]
        for (const o of ops) {
          if (o._tag === "wait") yield* TestClock.adjust("60 seconds")
          for (const side of both) {
            if (o._tag === "send") yield* Effect.fork(Effect.ignore(side.gw.accountSearch(search)))
            if (o._tag === "reply" && side.pending.length > 0) {
              const [d] = side.pending.splice(o.pick % side.pending.length, 1)
              yield* Deferred.complete(d, outcomeOf(o.outcome))
            }
          }
          yield* settle
          for (const [i, side] of both.entries()) {
            const reads = (yield* side.breaker.health).groups.reads
            trace[i].push(`${reads.state}:${reads.consecutiveFailures}:${side.pending.length}`)
          }
          assert.deepStrictEqual(trace[1], trace[0])
        }
        // clean up: every call still in flight gets its reply
        for (const side of both) for (const d of side.pending.splice(0)) yield* Deferred.succeed(d, { accounts: [] })
        yield* settle
      })),
    { fastCheck: { numRuns: 100 } }
  )
})
