/**
 * The seed's chaos test 5 (server error cascade) with the rules running: the whole guard over the in-process
 * simulator under TestClock. Repeated 500s on the order and read endpoints open the `orders` and `reads` circuits;
 * while they are open the market moves a position past the daily loss limit; the server returns at a seeded
 * time. The account is flat at the simulator and locked as soon as both circuits half-open after the server is
 * back (the breaker's timeout plus its probes) and a small bound; one close, no duplicate order; then both
 * circuits close and reads are fresh again. One test per seed (`TRADEGUARD_CHAOS_SEEDS=7,42`, or
 * `pnpm chaos:seeds --scenario chaos5r --seeds <n | list>`); by default 5 of the fixed sequence.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { CircuitBreaker } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { TestStack, Seeds } from "@tradeguard/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import {
  ACCOUNT,
  breach,
  callsText,
  firstFlatAndLocked,
  int,
  openPosition,
  outcome,
  prng,
  SharedGateway,
  SIZE,
  layer
} from "./utils/chaos.js"

const SEEDS = Seeds.chaosSeeds(Seeds.seedList(5))
/** `errorHandling.circuitBreaker.timeout` (the default). */
const BREAKER_TIMEOUT = 60_000
/** The probes and the enforcement's own rounds once the circuits let calls through, ms. */
const BOUND = 5_000

/** The trial of `seed`: the 5xx status, when the breach comes (the circuits open), when the server returns. */
export const trialOf = (seed: number) => {
  const r = prng(seed)
  return {
    status: ([500, 502, 503, 504] as const)[int(r, 0, 3)]!,
    breachAfterSeconds: int(r, 0, 50),
    healAfterSeconds: int(r, 0, 150)
  }
}

/** The endpoints the server fails (the order group's and the reads' the guard uses). */
const failing = ["orderCancel", "positionCloseContract", "orderSearch", "orderSearchOpen", "positionSearchOpen", "accountSearch"] as const

/** Another program on the same client: 5 readers, each reading positions and open orders every 10 s, failures ignored. */
const readers = Effect.gen(function*() {
  const gw = yield* SharedGateway
  const reader = Effect.forever(Effect.zipRight(
    Effect.ignore(Effect.zip(gw.positionSearchOpen({ accountId: ACCOUNT }), gw.orderSearchOpen({ accountId: ACCOUNT }), { concurrent: true })),
    Effect.sleep("10 seconds")
  ))
  for (let i = 0; i < 5; i++) yield* Effect.forkScoped(reader)
})

describe("chaos with the rules running", () => {
  for (const seed of SEEDS) {
    const trial = trialOf(seed)
    it.scoped(
      `5r. server error cascade during a daily loss breach: flat and locked once the circuits half-open after the server returns, one close, recovery (seed ${seed})`,
      () =>
        Effect.gen(function*() {
          const sim = yield* Simulator.Simulator
          const breaker = yield* CircuitBreaker.CircuitBreaker
          const transitions: Array<{ readonly group: string; readonly to: string; readonly at: number }> = []
          yield* breaker.changes.pipe(
            Stream.runForEach((t) => Effect.map(Clock.currentTimeMillis, (at) => void transitions.push({ group: t.group, to: t.to._tag, at }))),
            Effect.forkScoped
          )
          const resting = yield* openPosition
          yield* sim.setFaults({ serverErrors: { probability: 1, status: trial.status, endpoints: [...failing] } })
          yield* readers
          // the other program's failing reads open both circuits
          for (let i = 0; i < 60; i++) {
            if ((yield* breaker.state("orders"))._tag === "Open" && (yield* breaker.state("reads"))._tag === "Open") break
            yield* TestStack.advance("1 second", "1 second")
          }
          assert.strictEqual((yield* breaker.state("orders"))._tag, "Open", "the orders circuit opened")
          assert.strictEqual((yield* breaker.state("reads"))._tag, "Open", "the reads circuit opened")
          yield* TestStack.advance(`${trial.breachAfterSeconds} seconds`, "1 second")
          const at = yield* breach
          yield* TestStack.advance(`${trial.healAfterSeconds} seconds`, "1 second")
          yield* sim.setFaults({}) // the server returns
          const healed = yield* Clock.currentTimeMillis
          const first = yield* firstFlatAndLocked(healed + 3 * BREAKER_TIMEOUT)
          const why = () => `${JSON.stringify(trial)}; transitions ${JSON.stringify(transitions)}`
          assert.isDefined(first, `never flat and locked (${why()}); the guard's calls:\n${yield* callsText}`)
          // the path opens when both circuits half-open after the server returned (a probe before it fails and re-opens)
          const halfOpen = (group: string) =>
            transitions.find((t) => t.group === group && t.to === "HalfOpen" && t.at >= healed)?.at ?? healed
          const pathOpen = Math.max(healed, halfOpen("orders"), halfOpen("reads"))
          assert.isAtMost(pathOpen, healed + BREAKER_TIMEOUT, `a circuit half-opened ${pathOpen - healed} ms after the server returned (${why()})`)
          assert.isAtMost(
            first!,
            pathOpen + BOUND,
            `flat and locked ${first! - pathOpen} ms after the circuits half-opened (${why()}); the guard's calls:\n${yield* callsText}`
          )
          if (at < healed) assert.isAtLeast(first!, healed, "nothing gets through while the server fails")
          // recovery: both circuits close, reads are fresh, the account stays flat and locked
          yield* TestStack.advance("30 seconds", "1 second")
          assert.strictEqual((yield* breaker.state("orders"))._tag, "Closed")
          assert.strictEqual((yield* breaker.state("reads"))._tag, "Closed")
          const { positions } = yield* (yield* SharedGateway).positionSearchOpen({ accountId: ACCOUNT })
          assert.deepStrictEqual(positions, [], "a fresh read: flat")
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
      { timeout: 120_000 }
    )
  }
})
