import { Errors } from "@tradeguard/gateway"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import { settle } from "./utils/limiterHarness.js"
import { countingTokens, fakeGatewayLayer, makeFake } from "./utils/gatewayFake.js"

const e503 = (endpoint: string) => Effect.fail(new Errors.ServerError({ endpoint, status: 503 }))
const close = { accountId: 100001, contractId: "CON.F.US.MNQ.Z26" }

const setup = () => {
  const fake = makeFake()
  const tokens = countingTokens()
  return { fake, layer: fakeGatewayLayer(fake, tokens.service, { errorHandling: { retries: { maxAttempts: 1 } } }) }
}

describe("ResilientGateway: enforcement and the circuit breaker", () => {
  it.effect("a flatten is sent through an open circuit (a breach is not held for the breaker's 60 s), reads are not", () => {
    const { fake, layer } = setup()
    for (let i = 0; i < 5; i++) fake.script("positionSearchOpen", e503("positionSearchOpen"))
    for (let i = 0; i < 5; i++) fake.script("positionCloseContract", e503("positionCloseContract"))
    return Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const breaker = yield* CircuitBreaker.CircuitBreaker
      for (let i = 0; i < 5; i++) yield* Effect.flip(gw.positionSearchOpen({ accountId: 100001 }))
      for (let i = 0; i < 5; i++) yield* Effect.flip(gw.positionCloseContract(close))
      assert.strictEqual((yield* breaker.state("reads"))._tag, "Open")
      assert.strictEqual((yield* breaker.state("orders"))._tag, "Open")
      // a read of the other traffic fails fast
      assert.strictEqual((yield* Effect.flip(gw.positionSearchOpen({ accountId: 100001 })))._tag, "CircuitOpen")
      // the gateway answers again: the close (enforcement by default) and the read that verifies it go through at once
      yield* gw.positionCloseContract(close)
      assert.strictEqual(fake.sent.filter((s) => s.endpoint === "positionCloseContract").length, 6)
      assert.deepStrictEqual(yield* gw.positionSearchOpen({ accountId: 100001 }, { priority: "enforcement" }), { positions: [] })
      // they moved no state: the circuits still open until their own probes say otherwise
      assert.strictEqual((yield* breaker.state("orders"))._tag, "Open")
      assert.strictEqual((yield* breaker.state("reads"))._tag, "Open")
      yield* TestClock.adjust("60 seconds")
      assert.deepStrictEqual(yield* gw.positionSearchOpen({ accountId: 100001 }), { positions: [] })
    }).pipe(Effect.provide(layer))
  })

  it.effect("an enforcement call that fails while the circuit is open does not reopen or extend it", () => {
    const { fake, layer } = setup()
    for (let i = 0; i < 6; i++) fake.script("orderCancel", e503("orderCancel"))
    return Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const breaker = yield* CircuitBreaker.CircuitBreaker
      for (let i = 0; i < 5; i++) yield* Effect.flip(gw.orderCancel({ accountId: 100001, orderId: 7 }))
      const opened = yield* breaker.state("orders")
      assert.strictEqual(opened._tag, "Open")
      yield* TestClock.adjust("30 seconds")
      // sent (not refused by the breaker), answered 503
      assert.notStrictEqual((yield* Effect.flip(gw.orderCancel({ accountId: 100001, orderId: 7 })))._tag, "CircuitOpen")
      assert.deepStrictEqual(yield* breaker.state("orders"), opened)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a half-open circuit: enforcement takes a free probe, and passes when the probes are all in flight", () => {
    const { fake, layer } = setup()
    for (let i = 0; i < 5; i++) fake.script("positionSearchOpen", e503("positionSearchOpen"))
    fake.script("positionSearchOpen", Effect.never, Effect.never)
    return Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const breaker = yield* CircuitBreaker.CircuitBreaker
      for (let i = 0; i < 5; i++) yield* Effect.flip(gw.positionSearchOpen({ accountId: 100001 }))
      yield* TestClock.adjust("60 seconds")
      const probes = yield* Effect.forEach([1, 2], () => Effect.fork(gw.positionSearchOpen({ accountId: 100001 })))
      yield* settle
      // the third probe: an enforcement read, answered, counted as a probe
      assert.deepStrictEqual(yield* gw.positionSearchOpen({ accountId: 100001 }, { priority: "enforcement" }), { positions: [] })
      assert.strictEqual((yield* breaker.state("reads"))._tag, "HalfOpen")
      // out of probes: other reads are refused, enforcement still goes
      assert.strictEqual((yield* Effect.flip(gw.positionSearchOpen({ accountId: 100001 })))._tag, "CircuitOpen")
      assert.deepStrictEqual(yield* gw.positionSearchOpen({ accountId: 100001 }, { priority: "enforcement" }), { positions: [] })
      yield* Effect.forEach(probes, Fiber.interrupt)
    }).pipe(Effect.provide(layer))
  })
})
