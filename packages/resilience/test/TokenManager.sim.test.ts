/**
 * TokenManager against the in-process simulator, under TestClock: the seed's
 * integration test 1 (token refresh during a long operation: zero failures)
 * and chaos test 2 (token expires mid-operation: refresh, replay, complete).
 */
import { assert, describe, it } from "@effect/vitest"
import { GatewayClient } from "@tradeguard/gateway"
import { Auth, Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { ResilienceConfig } from "../src/Config.js"
import * as TokenManager from "../src/TokenManager.js"
import * as TokenStore from "../src/TokenStore.js"
import { HOUR, settle } from "./utils/tokenFakes.js"

/** The gateway client over the in-process simulator, counting auth calls. */
const counting = () => {
  const counts = { login: 0, validate: 0 }
  const client = Layer.effect(
    GatewayClient.GatewayClient,
    Effect.map(GatewayClient.make({ baseUrl: Simulator.baseUrl }), (c): GatewayClient.Service => ({
      ...c,
      authLoginKey: (request, token) => Effect.suspend(() => (counts.login++, c.authLoginKey(request, token))),
      authValidate: (request, token) => Effect.suspend(() => (counts.validate++, c.authValidate(request, token)))
    }))
  )
  const layer = TokenManager.layer.pipe(
    Layer.provideMerge(client),
    Layer.provide(TokenStore.layerMemory),
    Layer.provide(ResilienceConfig.layer()),
    Layer.provide(TokenManager.Credentials.layer("demo", "demo-api-key")),
    Layer.provideMerge(Simulator.layerInProcess({ seed: 3, tickInterval: "1 hour" }))
  )
  return { counts, layer }
}

const accounts = Effect.gen(function*() {
  const client = yield* GatewayClient.GatewayClient
  return yield* TokenManager.authenticated((token) => client.accountSearch({ onlyActiveAccounts: true }, token))
})

describe("TokenManager against the simulator", () => {
  it.scoped("a 25 h operation calling every 10 minutes never fails: refreshed at 22 h, a call at 25 h succeeds", () => {
    const { counts, layer } = counting()
    return Effect.gen(function*() {
      const tokens = yield* TokenManager.TokenManager
      const first = yield* tokens.info
      let failures = 0
      let calls = 0
      const operation = Effect.gen(function*() {
        for (let i = 0; i < 150; i++) {
          yield* accounts.pipe(Effect.tap(() => calls++), Effect.catchAll(() => Effect.sync(() => failures++)))
          yield* Effect.sleep("10 minutes")
        }
      })
      const fiber = yield* Effect.fork(operation)
      yield* TestClock.adjust(23 * HOUR)
      yield* settle
      assert.strictEqual(counts.validate, 1, "refreshed once, proactively")
      const info = yield* tokens.info
      assert.strictEqual(info?.obtainedAt, 22 * HOUR)
      assert.notStrictEqual(info?.token, first?.token)
      yield* TestClock.adjust(2 * HOUR)
      const reply = yield* accounts
      assert.isAbove(reply.accounts.length, 0)
      yield* TestClock.adjust(1 * HOUR)
      yield* Fiber.join(fiber)
      assert.strictEqual(failures, 0)
      assert.strictEqual(calls, 150)
      assert.strictEqual(counts.login, 1)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a token expired mid-operation is replaced and the call replayed: zero failures", () => {
    const { counts, layer } = counting()
    return Effect.gen(function*() {
      const auth = yield* Auth.Auth
      let failures = 0
      const operation = Effect.gen(function*() {
        for (let i = 0; i < 10; i++) {
          yield* accounts.pipe(Effect.catchAll(() => Effect.sync(() => failures++)))
          yield* Effect.sleep("1 minute")
        }
      })
      const fiber = yield* Effect.fork(operation)
      yield* TestClock.adjust("3 minutes")
      yield* settle
      yield* auth.expireTokens("demo")
      yield* TestClock.adjust("10 minutes")
      yield* Fiber.join(fiber)
      assert.strictEqual(failures, 0)
      assert.strictEqual(counts.login, 2, "one fresh login after the 401")
    }).pipe(Effect.provide(layer))
  })
})
