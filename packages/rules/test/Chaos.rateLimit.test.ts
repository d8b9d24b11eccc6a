/**
 * The seed's chaos test 4 (rate-limit burst) with the rules running: the whole guard over the in-process
 * simulator under TestClock. While another program sharing the client's limiter floods it with reads and the
 * gateway answers a forced window of 429 (Retry-After the time left, or 6 hours), the market moves a position
 * past the daily loss limit: the account is flat at the simulator and locked as soon as the path allows, and
 * never later than the breach + the Retry-After cap (`errorHandling.rateLimit.maxRetryAfterMs`) + a small bound
 * (enforcement calls go first; the reserved share covers the reads that verify them). One test per seed
 * (`TRADEGUARD_CHAOS_SEEDS=7,42`, or `pnpm chaos:seeds --scenario chaos4r --seeds <n | list>`); by default 5 of
 * the fixed sequence.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { RateLimiter } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { TestStack, Seeds } from "@tradeguard/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import {
  breach,
  callsText,
  firstFlatAndLocked,
  int,
  openPosition,
  outcome,
  prng,
  readFlood,
  SIZE,
  layer
} from "./utils/chaos.js"

const SEEDS = Seeds.chaosSeeds(Seeds.seedList(5))
/** `errorHandling.rateLimit.maxRetryAfterMs` (the default). */
const CAP = 60_000
/** What the enforcement itself takes once the path is open (a few requests and their verification), ms. */
const BOUND = 5_000

/** The trial of `seed`: the forced 429 window, its Retry-After, the flood, when the breach comes. */
export const trialOf = (seed: number) => {
  const r = prng(seed)
  const burstSeconds = int(r, 5, 55)
  return {
    burstMillis: burstSeconds * 1000,
    retryAfterSeconds: r() < 0.5 ? 21_600 : undefined,
    floodAtOnce: int(r, 150, 400),
    floodPerSecond: int(r, 4, 10),
    breachAfterSeconds: int(r, 0, burstSeconds - 1)
  }
}

describe("chaos with the rules running", () => {
  it.scoped("a REST fallback price held up by a 429 pause does not hold up the evaluation: a breach on a fresh quote is enforced at once", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const resting = yield* openPosition
      // a quiet market: the position's quote gets older than maxQuoteAgeMs, so the engine asks for the latest
      // bars; the gateway answers them 429 with a 6-hour Retry-After (the client pauses history calls for the cap)
      yield* sim.setFaults({
        rateLimitBursts: { probability: 1, durationMillis: 300_000, retryAfterSeconds: 21_600, endpoints: ["historyRetrieveBars"], count: 1 }
      })
      yield* TestStack.advance("15 seconds", "1 second")
      const at = yield* breach
      const first = yield* firstFlatAndLocked(at + 10_000)
      assert.isDefined(first, "flat and locked within 10 s of the breach")
      assert.isAtMost(first! - at, 3_000)
      const o = yield* outcome(at, resting)
      assert.strictEqual(o.placedSince.length, 1, "one close")
    }).pipe(Effect.provide(layer(7))))

  for (const seed of SEEDS) {
    const trial = trialOf(seed)
    it.scoped(
      `4r. rate-limit burst and a read flood during a daily loss breach: flat and locked within the Retry-After cap, one close (seed ${seed})`,
      () =>
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const limiter = yield* RateLimiter.RateLimiter
          const resting = yield* openPosition
          const burstFrom = yield* Clock.currentTimeMillis
          yield* sim.setFaults({
            rateLimitBursts: {
              probability: 1,
              durationMillis: trial.burstMillis,
              count: 1,
              ...(trial.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: trial.retryAfterSeconds })
            }
          })
          yield* Effect.forkScoped(readFlood(trial.floodAtOnce, trial.floodPerSecond, 240))
          yield* TestStack.advance(`${trial.breachAfterSeconds} seconds`, "1 second")
          const at = yield* breach
          // the path opens when the pause the client applied ends: min(Retry-After, cap); Retry-After the time
          // left in the window (it started with the flood's first read), or 6 hours (cut to the cap)
          const pathOpen = trial.retryAfterSeconds === undefined ? Math.max(at, burstFrom + trial.burstMillis) : at + CAP
          const first = yield* firstFlatAndLocked(at + CAP + BOUND)
          assert.isDefined(first, `not flat and locked by the breach + ${CAP + BOUND} ms (${JSON.stringify(trial)}); the guard's calls:\n${yield* callsText}`)
          assert.isAtMost(first!, pathOpen + BOUND, `flat and locked ${first! - pathOpen} ms after the path opened; the guard's calls:\n${yield* callsText}`)
          // the reads of the other program were still queued: the enforcement went first
          assert.isAbove((yield* limiter.stats).queueDepth, 0, "the flood still waits")
          yield* sim.setFaults({})
          yield* TestStack.advance("30 seconds", "1 second")
          const o = yield* outcome(at, resting)
          assert.deepStrictEqual(o.openPositions, [], "flat")
          assert.strictEqual(o.resting, Enums.OrderStatus.Cancelled, "the resting order cancelled")
          assert.strictEqual(o.lock?.rule, "dailyLossLimit", "locked")
          assert.deepStrictEqual(
            o.placedSince.map((x) => [x.side, x.size, x.status]),
            [[Enums.OrderSide.Ask, SIZE, Enums.OrderStatus.Filled]],
            "one close for the position, no duplicate order"
          )
        }).pipe(Effect.provide(layer(seed))),
      { timeout: 300_000 }
    )
  }
})
