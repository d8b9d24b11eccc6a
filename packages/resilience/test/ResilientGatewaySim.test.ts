/**
 * The seed's integration tests 1, 3 and 4, against the in-process simulator
 * under TestClock, plus `ResilientGateway.layer` from config + HttpClient.
 */
import { Auth, Simulator } from "@tradeguard/simulator"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Chunk from "effect/Chunk"
import * as TestClock from "effect/TestClock"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import { ResilienceConfig } from "../src/Config.js"
import type { ResilientError } from "../src/Errors.js"
import * as RateLimiter from "../src/RateLimiter.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import * as TokenManager from "../src/TokenManager.js"
import { settle } from "./utils/limiterHarness.js"
import { firstAccount, recordingClient, simGateway, WireLog } from "./utils/gatewaySim.js"

const nominalJitter = Effect.withRandom(Random.fixed([0.5]))

const bars = (minute: number) => ({
  contractId: "CON.F.US.MNQ.Z26",
  live: false,
  startTime: new Date(Date.UTC(2026, 0, 2, 14, minute)).toISOString(),
  endTime: new Date(Date.UTC(2026, 0, 2, 14, minute + 1)).toISOString(),
  unit: 2 as const,
  unitNumber: 1,
  limit: 60,
  includePartialBar: false
})

describe("ResilientGateway on the simulator", () => {
  it.effect("1. token refresh during a long operation: zero failures", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const tokens = yield* TokenManager.TokenManager
      const wire = yield* WireLog
      const seen = yield* tokens.changes.pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      const accountId = yield* firstAccount
      // a 3-hour operation: a read every 5 minutes while the 1-hour token is renewed in the background
      const read = (i: number): Effect.Effect<unknown, ResilientError> =>
        i % 2 === 0 ? gw.positionSearchOpen({ accountId }) : gw.orderSearchOpen({ accountId })
      const step = (i: number) => Effect.zipRight(Effect.sleep("5 minutes"), read(i))
      const operation = yield* Effect.fork(Effect.forEach(Array.from({ length: 36 }, (_, i) => i), step))
      yield* TestClock.adjust("3 hours")
      const results = yield* Fiber.join(operation)
      assert.strictEqual(results.length, 36)
      assert.strictEqual(Chunk.size(yield* Fiber.join(seen)), 3) // the first token and at least two renewals
      assert.deepStrictEqual(WireLog.statuses(wire).filter((s) => s !== 200), [])
      assert.isAtLeast(WireLog.statuses(wire, "/api/Auth/validate").length, 2)
    }).pipe(Effect.provide(simGateway({ simulator: { tokenLifetime: "1 hour" } }))))

  it.effect("3. a burst of 120 history calls: throttled to 50 per 30 s, zero 429, all complete", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const limiter = yield* RateLimiter.RateLimiter
      const wire = yield* WireLog
      const burst = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 120 }, (_, i) => i), (i) => gw.historyRetrieveBars(bars(i % 50)), {
          concurrency: "unbounded"
        })
      )
      yield* settle
      const waiting = yield* limiter.stats
      assert.strictEqual(waiting.queued.history, 70)
      yield* TestClock.adjust("30 seconds")
      yield* TestClock.adjust("30 seconds")
      const replies = yield* Fiber.join(burst)
      assert.strictEqual(replies.length, 120)
      const served = wire.filter((e) => e.path === "/api/History/retrieveBars")
      assert.strictEqual(served.length, 120)
      assert.deepStrictEqual([...new Set(served.map((e) => e.status))], [200]) // zero 429
      assert.deepStrictEqual(
        [0, 30_000, 60_000].map((t) => served.filter((e) => e.at === t).length),
        [50, 50, 20]
      )
      const stats = yield* limiter.stats
      assert.strictEqual(stats.waited, 70)
      assert.strictEqual(stats.maxWaitMillis, 60_000)
    }).pipe(Effect.provide(simGateway())))

  it.effect("no 429 when the gateway counts requests on arrival, later than admission", () =>
    Effect.gen(function*() {
      // The simulator waits 0–2 s (its latency fault) before its own rate-limit admission, so each
      // request enters the gateway's window later than it left ours. Both sides allow 50 per 30 s.
      // Counting a call from its admission let the 51st go while the gateway still held the 1st.
      const gw = yield* ResilientGateway.ResilientGateway
      const limiter = yield* RateLimiter.RateLimiter
      const wire = yield* WireLog
      const burst = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 150 }, (_, i) => i), (i) => gw.historyRetrieveBars(bars(i % 50)), {
          concurrency: "unbounded"
        })
      )
      yield* settle
      let stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.history.inFlight, stats.queued.history], [50, 100])
      for (let i = 0; i < 12; i++) yield* TestClock.adjust("10 seconds")
      const replies = yield* Fiber.join(burst)
      assert.strictEqual(replies.length, 150)
      const statuses = WireLog.statuses(wire, "/api/History/retrieveBars")
      assert.strictEqual(statuses.filter((s) => s === 429).length, 0) // zero 429 seen by the gateway
      assert.deepStrictEqual([statuses.length, statuses.filter((s) => s === 200).length], [150, 150])
      stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.history.inFlight, stats.queueDepth, stats.waited], [0, 0, 100])
    }).pipe(Effect.provide(simGateway({
      simulator: { faults: { latency: { minMillis: 0, maxMillis: 2_000, endpoints: ["historyRetrieveBars"] } } }
    }))))

  it.effect("a flood of reads cannot starve enforcement: cancels and verifying reads go out at once, zero 429", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const limiter = yield* RateLimiter.RateLimiter
      const wire = yield* WireLog
      const accountId = yield* firstAccount
      const flood = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 400 }, () => gw.positionSearchOpen({ accountId })), (read) => read, {
          concurrency: "unbounded"
        })
      )
      yield* settle
      const stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.general.used, stats.queued.general], [180, 221]) // reads hold their share
      yield* TestClock.adjust("10 seconds")
      const enforcement = yield* Effect.fork(Effect.all([
        ...Array.from({ length: 10 }, (_, i) => Effect.either(gw.orderCancel({ accountId, orderId: 9_000 + i }))),
        ...Array.from({ length: 10 }, () => gw.orderSearchOpen({ accountId }, { priority: "enforcement" }))
      ], { concurrency: "unbounded" }))
      yield* settle
      const sentAt = (path: string) => wire.filter((e) => e.path === path).map((e) => e.at)
      assert.deepStrictEqual(sentAt("/api/Order/cancel"), Array(10).fill(10_000)) // while reads saturate their share
      assert.deepStrictEqual(sentAt("/api/Order/searchOpen"), Array(10).fill(10_000))
      yield* Fiber.join(enforcement)
      for (let i = 0; i < 4; i++) yield* TestClock.adjust("60 seconds")
      assert.strictEqual((yield* Fiber.join(flood)).length, 400)
      assert.deepStrictEqual(WireLog.statuses(wire).filter((s) => s !== 200), []) // zero 429
    }).pipe(Effect.provide(simGateway())))

  it.effect("a read answered 429 with Retry-After 6 h: a cancel right after goes out at once; reads paused for the cap only", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const limiter = yield* RateLimiter.RateLimiter
      const sim = yield* Simulator.Simulator
      const wire = yield* WireLog
      const accountId = yield* firstAccount
      yield* sim.setFaults({
        rateLimitBursts: { probability: 1, durationMillis: 1, retryAfterSeconds: 21_600, endpoints: ["positionSearchOpen"], count: 1 }
      })
      const read = yield* Effect.fork(gw.positionSearchOpen({ accountId }))
      yield* settle
      const general = (yield* limiter.stats).windows.general
      assert.deepStrictEqual([general.normalPausedUntil, general.pausedUntil], [60_000, undefined]) // reads only, not 6 h
      yield* TestClock.adjust("1 millis")
      const cancel = yield* Effect.fork(Effect.either(gw.orderCancel({ accountId, orderId: 9_001 })))
      const otherRead = yield* Effect.fork(gw.orderSearchOpen({ accountId }))
      yield* settle
      const sentBefore = (at: number) =>
        wire.filter((e) => e.at < at && e.path !== "/api/Auth/loginKey" && e.path !== "/api/Account/search")
      assert.deepStrictEqual(sentBefore(60_000).map((e) => [e.path, e.at]), [
        ["/api/Position/searchOpen", 0],
        ["/api/Order/cancel", 1] // enforcement is not held by a read's 429
      ])
      yield* TestClock.adjust("59998 millis")
      assert.strictEqual(sentBefore(60_000).length, 2) // the reads wait out the capped pause
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(cancel)
      yield* Fiber.join(read)
      yield* Fiber.join(otherRead)
      const sent = wire.filter((e) => e.path !== "/api/Auth/loginKey" && e.path !== "/api/Account/search")
      assert.deepStrictEqual(sent.map((e) => [e.path, e.status, e.at]), [
        ["/api/Position/searchOpen", 429, 0],
        ["/api/Order/cancel", 200, 1],
        ["/api/Order/searchOpen", 200, 60_000],
        ["/api/Position/searchOpen", 200, 60_000]
      ])
    }).pipe(nominalJitter, Effect.provide(simGateway())))

  it.effect("4. five consecutive 5xx: circuit opens, fallback served, half-open after 60 s, closed after probes", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const breaker = yield* CircuitBreaker.CircuitBreaker
      const sim = yield* Simulator.Simulator
      const wire = yield* WireLog
      const accountId = yield* firstAccount
      const lastKnown = yield* gw.positionSearchOpen({ accountId })
      const positions = CircuitBreaker.withFallback(gw.positionSearchOpen({ accountId }), () => Effect.succeed(lastKnown))
      yield* sim.setFaults({ serverErrors: { probability: 1, status: 503, endpoints: ["positionSearchOpen"] } })
      for (let i = 0; i < 5; i++) {
        assert.strictEqual((yield* Effect.flip(gw.positionSearchOpen({ accountId })))._tag, "ServerError")
      }
      assert.strictEqual((yield* breaker.state("reads"))._tag, "Open")
      const sent = wire.length
      const fallback = yield* positions
      assert.isTrue(fallback.stale)
      assert.strictEqual(fallback.value, lastKnown)
      assert.strictEqual(wire.length, sent) // served without calling the gateway
      // other groups are unaffected
      assert.deepStrictEqual(yield* gw.orderSearchOpen({ accountId }), { orders: [] })
      yield* sim.setFaults({})
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual((yield* breaker.state("reads"))._tag, "HalfOpen")
      for (let i = 0; i < 3; i++) assert.isFalse((yield* positions).stale)
      assert.strictEqual((yield* breaker.state("reads"))._tag, "Closed")
      assert.isTrue((yield* breaker.health).healthy)
    }).pipe(Effect.provide(simGateway({ config: { errorHandling: { retries: { maxAttempts: 1 } } } }))))

  it.effect("a 401 mid-operation (every token expired by the server) is refreshed and replayed", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const auth = yield* Auth.Auth
      const wire = yield* WireLog
      const accountId = yield* firstAccount
      yield* auth.expireTokens("demo")
      const reply = yield* gw.orderSearchOpen({ accountId })
      assert.deepStrictEqual(reply, { orders: [] })
      assert.deepStrictEqual(wire.slice(-3).map((e) => [e.path, e.status]), [
        ["/api/Order/searchOpen", 401],
        ["/api/Auth/loginKey", 200],
        ["/api/Order/searchOpen", 200]
      ])
    }).pipe(Effect.provide(simGateway())))

  it.effect("ResilientGateway.layer needs only the config and an HttpClient, and shares its TokenManager", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      assert.deepStrictEqual(accounts.map((a) => a.name), ["SIM-50K-DEMO-1", "SIM-150K-DEMO-2"])
      // The TokenManager it outputs is the one the gateway uses: one login for both.
      const tokens = yield* TokenManager.TokenManager
      yield* tokens.get
      const wire = yield* WireLog
      assert.strictEqual(wire.filter((e) => e.path === "/api/Auth/loginKey").length, 1)
    }).pipe(
      Effect.provide(ResilientGateway.layer.pipe(
        Layer.provide(ResilienceConfig.layer({
          api: { baseUrl: Simulator.baseUrl },
          authentication: { storage: { type: "memory" } }
        })),
        Layer.provideMerge(recordingClient()),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
          new Map([["PROJECTX_USERNAME", "demo"], ["PROJECTX_API_KEY", "demo-api-key"]])
        )))
      )),
      Effect.withRandom(Random.make(1))
    ))

  describe("ResilientGateway.layerWithCredentials", () => {
    const withCredentials = (apiKey: string | Redacted.Redacted<string>) =>
      ResilientGateway.layerWithCredentials({ userName: "demo", apiKey }).pipe(
        Layer.provide(ResilienceConfig.layer({
          api: { baseUrl: Simulator.baseUrl },
          authentication: { storage: { type: "memory" } },
          logging: { resilience: { tokenRefresh: false } }
        })),
        Layer.provideMerge(recordingClient()),
        // no PROJECTX_* variables anywhere: the credentials are the value given
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))
      )

    it.effect("logs in with the credentials given as a value (no environment) and shares its TokenManager", () =>
      Effect.gen(function*() {
        const gw = yield* ResilientGateway.ResilientGateway
        const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
        assert.deepStrictEqual(accounts.map((a) => a.name), ["SIM-50K-DEMO-1", "SIM-150K-DEMO-2"])
        yield* (yield* TokenManager.TokenManager).get
        const wire = yield* WireLog
        assert.strictEqual(wire.filter((e) => e.path === "/api/Auth/loginKey").length, 1)
      }).pipe(Effect.provide(withCredentials(Redacted.make("demo-api-key"))), Effect.withRandom(Random.make(1))))

    it.effect("a plain-string key is accepted too", () =>
      Effect.gen(function*() {
        const gw = yield* ResilientGateway.ResilientGateway
        const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
        assert.strictEqual(accounts.length, 2)
      }).pipe(Effect.provide(withCredentials("demo-api-key")), Effect.withRandom(Random.make(1))))

    it.effect("a wrong key fails building the layer with AuthenticationFailed", () =>
      Effect.gen(function*() {
        const error = yield* Layer.build(withCredentials(Redacted.make("not-the-key"))).pipe(Effect.scoped, Effect.flip)
        assert.strictEqual(error._tag, "AuthenticationFailed")
      }).pipe(Effect.withRandom(Random.make(1))))
  })
})
