/**
 * The seed's chaos tests 2 (token expiry mid-operation), 4 (rate-limit burst)
 * and 5 (server error cascade), against the in-process simulator under
 * TestClock, with seeded randomness: one test per seed (the simulator's seed,
 * Effect's Random, fast-check's seed for 2), the seeds from the outside
 * (`TRADEGUARD_CHAOS_SEEDS=7,42`, or `pnpm chaos:seeds --scenario chaos4
 * --seeds <n | list>`); by default (CI) 20 of {@link seedList}. A final check
 * lets simulated time pass until what it waits for is done (`joinAdvancing`),
 * not for a fixed window.
 */
import { Auth, Simulator } from "@tradeguard/simulator"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Duration from "effect/Duration"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import type { ResilientError } from "../src/Errors.js"
import * as RateLimiter from "../src/RateLimiter.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import { settle } from "./utils/limiterHarness.js"
import { firstAccount, simGateway, WireLog } from "./utils/gatewaySim.js"
import { chaosSeeds, seedList } from "./utils/seeds.js"

/** The CI run: 20 seeds of each scenario. */
const SEEDS = chaosSeeds(seedList(20))

/**
 * Lets simulated time pass in `step`s until `fiber` is done, then joins it (its failure fails the
 * test); dies naming `what` after `maxSteps`, so a hang is a failure with a reason, not a timeout.
 */
const joinAdvancing = <A, E>(fiber: Fiber.Fiber<A, E>, what: string, step: Duration.DurationInput = "1 second", maxSteps = 7200) =>
  Effect.gen(function*() {
    for (let i = 0; i < maxSteps; i++) {
      yield* Effect.yieldNow()
      if ((yield* Fiber.poll(fiber))._tag === "Some") return yield* Fiber.join(fiber)
      yield* TestClock.adjust(step)
    }
    return yield* Effect.dieMessage(`${what}: not done after ${maxSteps} steps of ${Duration.format(Duration.decode(step))}`)
  })

const MNQ = "CON.F.US.MNQ.Z26"
const SINCE_EPOCH = "1970-01-01T00:00:00.0000000+00:00"
const bars = {
  contractId: MNQ,
  live: false,
  startTime: "2026-01-02T14:00:00Z",
  endTime: "2026-01-02T15:00:00Z",
  unit: 2 as const,
  unitNumber: 1,
  limit: 60,
  includePartialBar: false
}

describe("chaos", () => {
  for (const seed of SEEDS) {
    it.effect.prop(
      `2. token expiry mid-operation: every step completes, each order placed exactly once (seed ${seed})`,
      [fc.uniqueArray(fc.integer({ min: 1, max: 29 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 400 })],
      ([expireBefore, latency]) =>
        Effect.gen(function*() {
          const gw = yield* ResilientGateway.ResilientGateway
          const auth = yield* Auth.Auth
          const wire = yield* WireLog
          const sim = yield* Simulator.Simulator
          const accountId = yield* firstAccount
          if (latency > 0) yield* sim.setFaults({ latency: { minMillis: latency, maxMillis: latency } })
          const step = (i: number): Effect.Effect<unknown, ResilientError> =>
            i % 5 === 0
              ? gw.orderPlace({ accountId, contractId: MNQ, type: 1, side: 0, size: 1, limitPrice: 10_000, customTag: `op-${i}` })
              : i % 5 === 1
              ? gw.historyRetrieveBars(bars)
              : i % 2 === 0
              ? gw.positionSearchOpen({ accountId })
              : gw.orderSearchOpen({ accountId })
          const operation = Effect.forEach(Array.from({ length: 30 }, (_, i) => i), (i) =>
            Effect.gen(function*() {
              if (expireBefore.includes(i)) yield* auth.expireTokens("demo")
              yield* step(i)
              yield* Effect.sleep("1 minute")
            }))
          const fiber = yield* Effect.fork(operation)
          yield* joinAdvancing(fiber, "the 30 steps", "10 seconds") // fails the test on any failure
          yield* sim.setFaults({})
          const { orders } = yield* gw.orderSearch({ accountId, startTimestamp: SINCE_EPOCH })
          assert.deepStrictEqual(
            orders.map((o) => o.customTag).sort(),
            ["op-0", "op-10", "op-15", "op-20", "op-25", "op-5"]
          )
          const logins = WireLog.statuses(wire, "/api/Auth/loginKey")
          assert.strictEqual(logins.length, 1 + expireBefore.length) // one fresh login per expiry
          assert.strictEqual(WireLog.statuses(wire).filter((s) => s === 401).length, expireBefore.length)
        }).pipe(
          Effect.provide(simGateway({ simulator: { seed } })),
          Effect.withRandom(Random.make(seed))
        ),
      { fastCheck: { numRuns: 1, seed } }
    )
  }

  it.effect("2b. concurrent callers that all see the expired token cause one login", () =>
    Effect.gen(function*() {
      const gw = yield* ResilientGateway.ResilientGateway
      const wire = yield* WireLog
      const accountId = yield* firstAccount
      yield* (yield* Auth.Auth).expireTokens()
      const replies = yield* Effect.all(
        Array.from({ length: 20 }, () => gw.positionSearchOpen({ accountId })),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(replies.length, 20)
      assert.strictEqual(WireLog.statuses(wire, "/api/Auth/loginKey").length, 2)
    }).pipe(Effect.provide(simGateway())))

  for (const seed of SEEDS) {
    it.effect(`4. rate-limit burst: throttling, queuing, server 429 bursts honoured, all complete (seed ${seed})`, () =>
      Effect.gen(function*() {
        const gw = yield* ResilientGateway.ResilientGateway
        const limiter = yield* RateLimiter.RateLimiter
        const sim = yield* Simulator.Simulator
        const wire = yield* WireLog
        const accountId = yield* firstAccount
        const burst = (n: number) =>
          Effect.forEach(
            Array.from({ length: n }, (_, i) => i),
            (i): Effect.Effect<unknown, ResilientError> =>
              i % 4 === 0 ? gw.historyRetrieveBars(bars) : i % 4 === 1 ? gw.orderSearchOpen({ accountId }) : gw.positionSearchOpen({ accountId }),
            { concurrency: "unbounded" }
          )
        // phase 1: 400 calls at once; the limiter alone keeps the gateway from saying 429
        const first = yield* Effect.fork(burst(400))
        yield* settle
        assert.isAbove((yield* limiter.stats).queueDepth, 150)
        assert.strictEqual((yield* joinAdvancing(first, "the 400 calls")).length, 400)
        assert.deepStrictEqual(WireLog.statuses(wire).filter((s) => s !== 200), [])
        // phase 2: the gateway throws 429 bursts anyway (shared budget, other clients)
        yield* sim.setFaults({ rateLimitBursts: { probability: 0.2, durationMillis: 5_000, count: 3 } })
        const before = wire.length
        const second = yield* Effect.fork(burst(200))
        assert.strictEqual((yield* joinAdvancing(second, "the 200 calls")).length, 200)
        const statuses = WireLog.statuses(wire.slice(before))
        assert.isAbove(statuses.filter((s) => s === 429).length, 0)
        assert.strictEqual(statuses.filter((s) => s === 200).length, 200)
        assert.deepStrictEqual([...new Set(statuses)].sort(), [200, 429])
      }).pipe(Effect.provide(simGateway({ simulator: { seed } })), Effect.withRandom(Random.make(seed))))
  }

  for (const seed of SEEDS) {
    it.effect(`5. server error cascade: breaker opens, fallback serves, no hammering, recovery after the server returns (seed ${seed})`, () =>
      Effect.gen(function*() {
        const gw = yield* ResilientGateway.ResilientGateway
        const breaker = yield* CircuitBreaker.CircuitBreaker
        const sim = yield* Simulator.Simulator
        const wire = yield* WireLog
        const accountId = yield* firstAccount
        const lastKnown = yield* gw.positionSearchOpen({ accountId })
        const transitions: Array<string> = []
        yield* breaker.changes.pipe(
          Stream.runForEach((t) => Effect.sync(() => transitions.push(`${t.group}:${t.to._tag}`))),
          Effect.fork
        )
        yield* settle
        // 10 readers, one read every 10 s each, serving the last known state while the circuit is open
        const reader = Effect.forEach(Array.from({ length: 30 }, (_, i) => i), () =>
          CircuitBreaker.withFallback(gw.positionSearchOpen({ accountId }), () => Effect.succeed(lastKnown)).pipe(
            Effect.catchTag("ServerError", () => Effect.succeed({ value: lastKnown, stale: true as const })),
            Effect.zipLeft(Effect.sleep("10 seconds"))
          ))
        yield* sim.setFaults({ serverErrors: { probability: 1, status: 500, endpoints: ["positionSearchOpen"] } })
        const readers = yield* Effect.forEach(Array.from({ length: 10 }, () => 0), () => Effect.fork(reader))
        yield* TestClock.adjust("2 minutes")
        assert.strictEqual((yield* breaker.state("reads"))._tag, "Open")
        // 10 calls were in flight when the circuit opened; after that only half-open probes reach the server
        const failures = wire.filter((e) => e.status === 500).length
        const halfOpens = transitions.filter((t) => t === "reads:HalfOpen").length
        assert.isAtMost(failures, 10 + 3 * halfOpens, "the breaker stops the retries from hammering a failing server")
        yield* sim.setFaults({}) // the server returns
        const results = yield* joinAdvancing(Fiber.all(readers), "the 10 readers")
        assert.strictEqual(results.length, 10)
        assert.strictEqual((yield* breaker.state("reads"))._tag, "Closed")
        const tail = results.flatMap((r) => r.slice(-5))
        assert.isTrue(tail.every((r) => !r.stale), "fresh data once the circuit closed")
        assert.isTrue(results.some((r) => r.some((x) => x.stale)), "the fallback was served meanwhile")
        assert.strictEqual(transitions[0], "reads:Open")
        assert.deepStrictEqual(transitions.slice(-2), ["reads:HalfOpen", "reads:Closed"])
        assert.isTrue(transitions.every((t, i) => i === 0 || t !== transitions[i - 1]))
      }).pipe(Effect.provide(simGateway({ simulator: { seed } })), Effect.withRandom(Random.make(seed))))
  }
})
