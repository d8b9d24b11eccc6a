import { Endpoints, Errors } from "@tradeguard/gateway"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as TestClock from "effect/TestClock"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import * as RateLimiter from "../src/RateLimiter.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import type * as TokenManager from "../src/TokenManager.js"
import { settle } from "./utils/limiterHarness.js"
import { countingTokens, fakeGatewayLayer, makeFake, viewTokens } from "./utils/gatewayFake.js"

const search = { onlyActiveAccounts: true }
const place = { accountId: 100001, contractId: "CON.F.US.MNQ.Z26", type: 2, side: 0, size: 1, customTag: "tg-1" } as const
const e500 = (endpoint: string) => Effect.fail(new Errors.ServerError({ endpoint, status: 500 }))

const setup = (config: Parameters<typeof fakeGatewayLayer>[2] = {}) => {
  const fake = makeFake()
  const tokens = countingTokens()
  return { fake, tokens, layer: fakeGatewayLayer(fake, tokens.service, config) }
}
const gateway = ResilientGateway.ResilientGateway
const nominalJitter = Effect.withRandom(Random.fixed([0.5]))
const info = (token: string, expiresAt: number): TokenManager.TokenInfo => ({
  token: Redacted.make(token),
  expiresAt,
  obtainedAt: expiresAt - 60_000
})

describe("ResilientGateway", () => {
  it.effect("has one method per endpoint of the table except auth", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const gw = yield* gateway
      const names = Object.keys(Endpoints.all).filter((n) => !n.startsWith("auth"))
      for (const name of names) assert.isFunction((gw as unknown as Record<string, unknown>)[name], name)
    }).pipe(Effect.provide(layer))
  })

  it.effect("success path: sends the current token once and returns the reply", () => {
    const { fake, layer } = setup()
    return Effect.gen(function*() {
      const gw = yield* gateway
      const reply = yield* gw.accountSearch(search)
      assert.deepStrictEqual(reply, { accounts: [] })
      assert.deepStrictEqual(fake.sent.map((s) => [s.endpoint, s.token]), [["accountSearch", "token-1"]])
      const stats = yield* (yield* RateLimiter.RateLimiter).stats
      assert.strictEqual(stats.windows.general.used, 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 401 invalidates the token, refreshes once and replays the call once", () => {
    const { fake, layer, tokens } = setup()
    fake.script("orderPlace", Effect.fail(new Errors.Unauthorized({ endpoint: "orderPlace" })))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const reply = yield* gw.orderPlace(place)
      assert.deepStrictEqual(reply, { orderId: 3_400_000_001 })
      assert.deepStrictEqual(fake.sent.map((s) => s.token), ["token-1", "token-2"])
      assert.strictEqual(tokens.invalidations(), 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a second 401 is AuthenticationFailed, and not retried further", () => {
    const { fake, layer } = setup()
    const refused = Effect.fail(new Errors.Unauthorized({ endpoint: "accountSearch" }))
    fake.script("accountSearch", refused, refused, refused)
    return Effect.gen(function*() {
      const gw = yield* gateway
      const error = yield* Effect.flip(gw.accountSearch(search))
      assert.strictEqual(error._tag, "AuthenticationFailed")
      assert.strictEqual(fake.sent.length, 2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a read is retried with backoff after transient 5xx and succeeds", () => {
    const { fake, layer } = setup()
    fake.script("positionSearchOpen", e500("positionSearchOpen"), e500("positionSearchOpen"))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const fiber = yield* Effect.fork(gw.positionSearchOpen({ accountId: 1 }))
      yield* TestClock.adjust("3 seconds") // 1 s, then 2 s
      assert.deepStrictEqual(yield* Fiber.join(fiber), { positions: [] })
      assert.deepStrictEqual(fake.sent.map((s) => s.at), [0, 1_000, 3_000])
    }).pipe(nominalJitter, Effect.provide(layer))
  })

  it.effect("a read gives up after maxAttempts with the last error", () => {
    const { fake, layer } = setup({ errorHandling: { retries: { maxAttempts: 3 } } })
    fake.script("tradeSearch", e500("tradeSearch"), e500("tradeSearch"), e500("tradeSearch"), e500("tradeSearch"))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const fiber = yield* Effect.fork(gw.tradeSearch({ accountId: 1, startTimestamp: "2026-01-02T14:30:00Z" }))
      yield* TestClock.adjust("1 minute")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(fake.sent.length, 3)
    }).pipe(nominalJitter, Effect.provide(layer))
  })

  it.effect("a mutation that fails ambiguously is OutcomeUnknown with its request and customTag, never retried", () => {
    const { fake, layer } = setup()
    fake.script("orderPlace", Effect.fail(new Errors.ServerError({ endpoint: "orderPlace", status: 502 })))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const error = yield* Effect.flip(gw.orderPlace(place))
      assert.strictEqual(error._tag, "OutcomeUnknown")
      if (error._tag === "OutcomeUnknown") {
        assert.strictEqual(error.customTag, "tg-1")
        assert.deepStrictEqual(error.request, place)
        assert.strictEqual(error.reason, "HTTP 502")
      }
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(fake.sent.length, 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a business rejection is permanent: not retried, and does not trip the breaker", () => {
    const { fake, layer } = setup()
    const rejected = Effect.fail(new Errors.Rejected({ endpoint: "orderPlace", errorCode: 3, errorName: "InsufficientFunds" }))
    for (let i = 0; i < 6; i++) fake.script("orderPlace", rejected)
    return Effect.gen(function*() {
      const gw = yield* gateway
      for (let i = 0; i < 6; i++) assert.strictEqual((yield* Effect.flip(gw.orderPlace(place)))._tag, "Rejected")
      assert.strictEqual(fake.sent.length, 6)
      assert.isTrue((yield* (yield* CircuitBreaker.CircuitBreaker).health).healthy)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 429 pauses the limiter window until Retry-After and the call (even a mutation) completes after it", () => {
    const { fake, layer } = setup()
    fake.script("orderCancel", Effect.fail(new Errors.RateLimited({ endpoint: "orderCancel", retryAfter: Duration.seconds(7) })))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const limiter = yield* RateLimiter.RateLimiter
      const cancel = yield* Effect.fork(gw.orderCancel({ accountId: 1, orderId: 2 }))
      yield* settle
      assert.strictEqual((yield* limiter.stats).windows.general.pausedUntil, 7_000)
      const read = yield* Effect.fork(gw.accountSearch(search)) // held by the pause too
      yield* TestClock.adjust("7 seconds")
      yield* Fiber.join(cancel)
      yield* Fiber.join(read)
      assert.deepStrictEqual(fake.sent.map((s) => `${s.endpoint}@${s.at}`).sort(), [
        "accountSearch@7000",
        "orderCancel@0",
        "orderCancel@7000"
      ])
    }).pipe(nominalJitter, Effect.provide(layer))
  })

  it.effect("a slow reply holds its rate-limit slot until it comes: the call counts in the window from its reply", () => {
    const fake = makeFake()
    const layer = fakeGatewayLayer(fake, viewTokens(), {
      errorHandling: { rateLimit: { general: { requests: 1, windowSeconds: 10 }, enforcementReserve: 0 } }
    })
    fake.script("accountSearch", Effect.as(Effect.sleep("4 seconds"), { accounts: [] }))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const limiter = yield* RateLimiter.RateLimiter
      const first = yield* Effect.fork(gw.accountSearch(search))
      const second = yield* Effect.fork(gw.accountSearch(search))
      yield* settle
      assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 1)
      yield* TestClock.adjust("4 seconds")
      yield* Fiber.join(first)
      assert.strictEqual((yield* limiter.stats).windows.general.nextFreeAt, 14_000) // reply + window, not admission + window
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(second)
      assert.deepStrictEqual(fake.sent.map((s) => s.at), [0, 14_000])
    }).pipe(Effect.provide(layer))
  })

  // Fast path: the token is in view (TokenManager.info); slow path: it is not (every call asks `get`).
  for (const path of ["fast", "slow"] as const) {
    it.effect(`an interrupted call completes its slot when it ends (${path} path)`, () => {
      const fake = makeFake()
      const tokens = path === "fast" ? viewTokens() : countingTokens().service
      const layer = fakeGatewayLayer(fake, tokens, {
        errorHandling: { rateLimit: { general: { requests: 1, windowSeconds: 10 }, enforcementReserve: 0 } }
      })
      fake.script("accountSearch", Effect.never)
      return Effect.gen(function*() {
        const gw = yield* gateway
        const limiter = yield* RateLimiter.RateLimiter
        const hung = yield* Effect.fork(gw.accountSearch(search))
        yield* TestClock.adjust("3 seconds")
        assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 1)
        yield* Fiber.interrupt(hung)
        const stats = yield* limiter.stats
        assert.deepStrictEqual([stats.windows.general.inFlight, stats.windows.general.nextFreeAt], [0, 13_000])
        const next = yield* Effect.fork(gw.accountSearch(search))
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.join(next)
        assert.deepStrictEqual(fake.sent.map((s) => s.at), [0, 13_000])
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a 429 reply completes its slot (it reached the gateway); the retry takes a new slot", () => {
    const { fake, layer } = setup({ errorHandling: { rateLimit: { general: { requests: 2, windowSeconds: 10 }, enforcementReserve: 0 } } })
    const limited = new Errors.RateLimited({ endpoint: "orderCancel", retryAfter: Duration.seconds(1) })
    fake.script("orderCancel", Effect.zipRight(Effect.sleep("1 second"), Effect.fail(limited)))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const limiter = yield* RateLimiter.RateLimiter
      const cancel = yield* Effect.fork(gw.orderCancel({ accountId: 1, orderId: 2 }))
      yield* TestClock.adjust("2 seconds") // the 429 at 1 s, the retry at 2 s (Retry-After)
      yield* Fiber.join(cancel)
      const read = yield* Effect.fork(gw.accountSearch(search)) // the window holds the 429 (1 s) and the retry (2 s)
      yield* TestClock.adjust("9 seconds")
      yield* Fiber.join(read)
      assert.deepStrictEqual(fake.sent.map((s) => `${s.endpoint}@${s.at}`), [
        "orderCancel@0",
        "orderCancel@2000",
        "accountSearch@11000"
      ])
      const stats = yield* limiter.stats
      assert.deepStrictEqual([stats.admitted, stats.windows.general.inFlight], [3, 0])
    }).pipe(nominalJitter, Effect.provide(layer))
  })

  it.effect("an interrupted half-open probe frees the probe and completes its rate-limit slot", () => {
    const { fake, layer } = setup({ errorHandling: { retries: { maxAttempts: 1 } } })
    for (let i = 0; i < 5; i++) fake.script("accountSearch", e500("accountSearch"))
    fake.script("accountSearch", Effect.never, Effect.never, Effect.never)
    return Effect.gen(function*() {
      const gw = yield* gateway
      const limiter = yield* RateLimiter.RateLimiter
      const breaker = yield* CircuitBreaker.CircuitBreaker
      for (let i = 0; i < 5; i++) yield* Effect.flip(gw.accountSearch(search))
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual((yield* breaker.state("reads"))._tag, "HalfOpen")
      const probes = yield* Effect.forEach([1, 2, 3], () => Effect.fork(gw.accountSearch(search)))
      yield* settle
      assert.strictEqual((yield* Effect.flip(gw.accountSearch(search)))._tag, "CircuitOpen") // out of probes
      assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 3)
      yield* Fiber.interrupt(probes[0])
      assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 2)
      assert.deepStrictEqual(yield* gw.accountSearch(search), { accounts: [] }) // the freed probe
      yield* Effect.forEach(probes.slice(1), Fiber.interrupt)
      assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("five 408 Request Timeout replies open the circuit like 5xx (a server-side timeout)", () => {
    const { fake, layer } = setup({ errorHandling: { retries: { maxAttempts: 1 } } })
    const e408 = Effect.fail(new Errors.UnexpectedStatus({ endpoint: "accountSearch", status: 408 }))
    for (let i = 0; i < 5; i++) fake.script("accountSearch", e408)
    return Effect.gen(function*() {
      const gw = yield* gateway
      for (let i = 0; i < 5; i++) assert.strictEqual((yield* Effect.flip(gw.accountSearch(search)))._tag, "UnexpectedStatus")
      assert.strictEqual((yield* Effect.flip(gw.accountSearch(search)))._tag, "CircuitOpen")
      assert.strictEqual(fake.sent.length, 5)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an open circuit fails fast with CircuitOpen without spending a rate-limit slot", () => {
    const { fake, layer } = setup({ errorHandling: { retries: { maxAttempts: 1 } } })
    for (let i = 0; i < 5; i++) fake.script("accountSearch", e500("accountSearch"))
    return Effect.gen(function*() {
      const gw = yield* gateway
      for (let i = 0; i < 5; i++) yield* Effect.flip(gw.accountSearch(search))
      const error = yield* Effect.flip(gw.contractSearch({ live: false }))
      assert.strictEqual(error._tag, "CircuitOpen")
      if (error._tag === "CircuitOpen") assert.deepStrictEqual([error.group, error.halfOpensAt], ["reads", 60_000])
      assert.strictEqual(fake.sent.length, 5)
      assert.strictEqual((yield* (yield* RateLimiter.RateLimiter).stats).admitted, 5)
      // orders are another circuit
      assert.deepStrictEqual(yield* gw.orderSearchOpen({ accountId: 1 }), { orders: [] })
    }).pipe(Effect.provide(layer))
  })

  it.effect("cancel and close wait ahead of queued reads (enforcement priority by default)", () => {
    const { fake, layer } = setup({ errorHandling: { rateLimit: { general: { requests: 2, windowSeconds: 60 }, enforcementReserve: 0 } } })
    return Effect.gen(function*() {
      const gw = yield* gateway
      const reads = yield* Effect.forEach([1, 2, 3, 4], (id) => Effect.fork(gw.positionSearchOpen({ accountId: id })))
      yield* settle
      const close = yield* Effect.fork(gw.positionCloseContract({ accountId: 1, contractId: "CON.F.US.MNQ.Z26" }))
      const cancel = yield* Effect.fork(gw.orderCancel({ accountId: 1, orderId: 9 }))
      const urgentRead = yield* Effect.fork(gw.orderSearchOpen({ accountId: 1 }, { priority: "enforcement" }))
      yield* settle
      yield* TestClock.adjust("3 minutes")
      yield* Effect.forEach([...reads, close, cancel, urgentRead], Fiber.join)
      assert.deepStrictEqual(fake.sent.slice(2, 5).map((s) => s.endpoint), [
        "positionCloseContract",
        "orderCancel",
        "orderSearchOpen"
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a history call takes a history slot (and a general one)", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const gw = yield* gateway
      yield* gw.historyRetrieveBars({
        contractId: "CON.F.US.MNQ.Z26",
        live: false,
        startTime: "2026-01-02T14:30:00Z",
        endTime: "2026-01-02T14:31:00Z",
        unit: 2,
        unitNumber: 1,
        limit: 10,
        includePartialBar: false
      })
      const stats = yield* (yield* RateLimiter.RateLimiter).stats
      assert.deepStrictEqual([stats.windows.history.used, stats.windows.general.used], [1, 1])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a timeout on a read counts toward the breaker; a retry that succeeds resets it", () => {
    const { fake, layer } = setup()
    const timeout = Effect.fail(new Errors.TransportError({ endpoint: "accountSearch", reason: "Timeout", detail: "" }))
    fake.script("accountSearch", timeout, timeout, timeout, timeout)
    return Effect.gen(function*() {
      const gw = yield* gateway
      const breaker = yield* CircuitBreaker.CircuitBreaker
      const fiber = yield* Effect.fork(gw.accountSearch(search))
      yield* TestClock.adjust("14 seconds") // 1 + 2 + 4 + ... s
      yield* settle
      assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 4)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 0)
    }).pipe(nominalJitter, Effect.provide(layer))
  })

  it.effect("follows TokenManager: a renewed token is used at once, an expired one is never sent", () => {
    const fake = makeFake()
    return Effect.gen(function*() {
      const ref = yield* SubscriptionRef.make<TokenManager.TokenInfo | undefined>(info("token-a", 60_000))
      let gets = 0
      const tokens: TokenManager.Service = {
        get: Effect.flatMap(SubscriptionRef.get(ref), (i) => Effect.sync(() => (gets++, i!.token))),
        ensureValidFor: () => Effect.die("unused"),
        invalidate: () => Effect.void,
        forceLogin: Effect.die("unused"),
        info: SubscriptionRef.get(ref),
        changes: ref.changes.pipe(Stream.filter((i): i is TokenManager.TokenInfo => i !== undefined))
      }
      const layer = fakeGatewayLayer(fake, tokens)
      yield* Effect.gen(function*() {
        const gw = yield* gateway
        yield* gw.accountSearch(search)
        yield* SubscriptionRef.set(ref, info("token-b", 120_000)) // renewed in the background
        yield* settle
        yield* gw.accountSearch(search)
        yield* TestClock.adjust("2 minutes") // token-b expires: the next call asks TokenManager
        yield* SubscriptionRef.set(ref, info("token-c", 600_000))
        yield* gw.accountSearch(search)
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(fake.sent.map((s) => s.token), ["token-a", "token-b", "token-c"])
      assert.isAtMost(gets, 1)
    })
  })

  it.effect("call(endpoint, request) reaches any endpoint; a success after failures resets the breaker's count", () => {
    const { fake, layer } = setup({ errorHandling: { retries: { maxAttempts: 1 } } })
    fake.script("contractAvailable", e500("contractAvailable"), e500("contractAvailable"))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* Effect.flip(gw.call(Endpoints.contractAvailable, { live: true }))
      yield* Effect.flip(gw.call(Endpoints.contractAvailable, { live: true }))
      assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 2)
      yield* gw.call(Endpoints.contractAvailable, { live: true })
      assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a defect in the transport is not a gateway failure: it surfaces as is and leaves the breaker alone", () => {
    const { fake, layer } = setup()
    fake.script("accountSearch", Effect.die("bug in a transport"))
    return Effect.gen(function*() {
      const gw = yield* gateway
      const exit = yield* Effect.exit(gw.accountSearch(search))
      assert.isTrue(exit._tag === "Failure" && exit.cause._tag === "Die")
      const health = yield* (yield* CircuitBreaker.CircuitBreaker).health
      assert.deepStrictEqual([health.groups.reads.failures, health.groups.reads.state], [0, "Closed"])
    }).pipe(Effect.provide(layer))
  })
})

