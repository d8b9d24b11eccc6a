/**
 * The property of the acceptance, per rule, over the whole guard (test/utils/full.ts) and the in-process
 * simulator under TestClock: random interleavings of quotes (pinned price moves), fills (other-front-end market
 * orders), resting limit orders (filled by later moves, or cancelled from the other front-end) and brackets. An
 * oracle computed from the simulator's ground truth (test/acceptance/oracle.ts) decides when the rule is breached;
 * whenever it is, within 5 simulated seconds the action is complete on the ground truth (flat and locked, reduced to
 * the limit, that position closed, flat at flatBy); without a breach tradeguard sends nothing. fast-check prints the
 * seed and the events of a failing run.
 */
import { assert, describe, it } from "@effect/vitest"
import { afterAll } from "vitest"
import { Enums } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as TestClock from "effect/TestClock"
import * as Clock from "effect/Clock"
import { cancelElsewhere, elsewhere, flat, layer, lockOf, marketElsewhere, MES, MNQ, type RiskInput, run, sent, setPrice, truth } from "../utils/full.js"
import type { Locks } from "../../src/Locks.js"
import * as Oracle from "./oracle.js"

const CONTRACTS = [MNQ, MES] as const
const START = { [MNQ]: 21_500, [MES]: 6_000 } as Record<string, number>

/** One thing that happens on the market or from another front-end. */
type Ev =
  | { readonly _tag: "price"; readonly c: 0 | 1; readonly ticks: number }
  | { readonly _tag: "market"; readonly c: 0 | 1; readonly size: number }
  | { readonly _tag: "limit"; readonly c: 0 | 1; readonly buy: boolean; readonly away: number }
  | { readonly _tag: "bracket"; readonly c: 0 | 1; readonly size: number; readonly sl: number; readonly tp: number }
  | { readonly _tag: "cancel" }

const contract = FastCheck.constantFrom<0 | 1>(0, 1)
const signedSize = FastCheck.integer({ min: -3, max: 3 }).filter((n) => n !== 0)
const event: FastCheck.Arbitrary<Ev> = FastCheck.oneof(
  { weight: 5, arbitrary: FastCheck.record({ _tag: FastCheck.constant("price" as const), c: contract, ticks: FastCheck.integer({ min: -80, max: 80 }) }) },
  { weight: 3, arbitrary: FastCheck.record({ _tag: FastCheck.constant("market" as const), c: contract, size: signedSize }) },
  { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("limit" as const), c: contract, buy: FastCheck.boolean(), away: FastCheck.integer({ min: 1, max: 30 }) }) },
  {
    weight: 1,
    arbitrary: FastCheck.record({
      _tag: FastCheck.constant("bracket" as const),
      c: contract,
      size: signedSize,
      sl: FastCheck.integer({ min: 8, max: 40 }),
      tp: FastCheck.integer({ min: 8, max: 40 })
    })
  },
  { weight: 1, arbitrary: FastCheck.constant({ _tag: "cancel" as const }) }
)
/** An event and the simulated millis that pass after it. */
const step = FastCheck.tuple(event, FastCheck.integer({ min: 1, max: 4 }).map((n) => n * 250))
/** A first market order (an exposure to move), then 2 to 7 steps. */
const scenario = FastCheck.tuple(
  FastCheck.record({ _tag: FastCheck.constant("market" as const), c: contract, size: signedSize }).map((e): readonly [Ev, number] => [e, 250]),
  FastCheck.array(step, { minLength: 2, maxLength: 7 })
).map(([first, rest]) => [first, ...rest])

const price: Record<string, number> = {}

const apply = (e: Ev) =>
  Effect.gen(function*() {
    const id = e._tag === "cancel" ? MNQ : CONTRACTS[e.c]
    switch (e._tag) {
      case "price": {
        price[id] = price[id]! + e.ticks * 0.25
        return yield* setPrice(id, price[id]!)
      }
      case "market":
        return yield* Effect.ignore(marketElsewhere(id, e.size))
      case "limit": {
        const limitPrice = e.buy ? price[id]! - e.away * 0.25 : price[id]! + 0.25 + e.away * 0.25
        return yield* Effect.ignore(Effect.either(elsewhere({
          contractId: id,
          type: Enums.OrderType.Limit,
          side: e.buy ? Enums.OrderSide.Bid : Enums.OrderSide.Ask,
          size: 1,
          limitPrice
        })))
      }
      case "bracket": {
        const buy = e.size > 0
        return yield* Effect.ignore(Effect.either(elsewhere({
          contractId: id,
          type: Enums.OrderType.Market,
          side: buy ? Enums.OrderSide.Bid : Enums.OrderSide.Ask,
          size: Math.abs(e.size),
          stopLossBracket: { ticks: buy ? -e.sl : e.sl, type: Enums.OrderType.Stop },
          takeProfitBracket: { ticks: buy ? e.tp : -e.tp, type: Enums.OrderType.Limit }
        })))
      }
      case "cancel": {
        const open = (yield* truth()).orders.filter((o) => o.status === Enums.OrderStatus.Open)
        if (open.length > 0) yield* Effect.ignore(cancelElsewhere(open[0]!.id))
        return
      }
    }
  }).pipe(Effect.asVoid)

type Needs = Simulator.Simulator | Locks

type Judgement = "breached" | "within" | "ambiguous"

/** A rule of the property: its config, the oracle's judgement and the goal its action must reach. */
interface Case {
  readonly name: string
  readonly risk: NonNullable<RiskInput["defaults"]>
  readonly judge: (t: Oracle.Truth) => Judgement
  /** Reached within 5 s of a breach (checked on the ground truth, with the guard's Locks). */
  readonly goal: (at: { readonly contractId: string | undefined }) => Effect.Effect<boolean, never, Needs>
  /** A clock deadline instead of a state breach (tradingHours flatBy): the account must be flat within 5 s of it. */
  readonly deadline?: number
  readonly startAt?: number
}

const MARGIN = 10
const dollars = (figure: number, limit: number, breachedBelow: boolean): Judgement => {
  const d = breachedBelow ? limit - figure : figure - limit
  return d >= MARGIN ? "breached" : d > -MARGIN ? "ambiguous" : "within"
}
const dayPnl = (t: Oracle.Truth) => Oracle.equity(t) - 50_000

const flatAndLocked = () => Effect.zipWith(flat(), lockOf(), (f, l) => f && l !== undefined) as Effect.Effect<boolean, never, Needs>
const sized = (ok: (t: Oracle.Truth) => boolean) => () => Effect.map(Oracle.read, ok) as Effect.Effect<boolean, never, Needs>

const cases: ReadonlyArray<Case> = [
  { name: "dailyLossLimit", risk: { dailyLossLimit: { amount: 100 } }, judge: (t) => dollars(dayPnl(t), -100, true), goal: flatAndLocked },
  {
    name: "maxLossLimit",
    risk: { maxLossLimit: { amount: 150, startingBalance: 50_000 } },
    judge: (t) => dollars(Oracle.equity(t), 49_850, true),
    goal: flatAndLocked
  },
  { name: "dailyProfitTarget", risk: { dailyProfitTarget: { amount: 100 } }, judge: (t) => dollars(dayPnl(t), 100, false), goal: flatAndLocked },
  {
    name: "maxContracts total",
    risk: { maxContracts: { total: 3 } },
    judge: (t) => (Oracle.totalSize(t) > 3 ? "breached" : "within"),
    goal: sized((t) => Oracle.totalSize(t) <= 3)
  },
  {
    name: "maxContracts perSymbol",
    risk: { maxContracts: { perSymbol: { "F.US.MNQ": 2 } } },
    judge: (t) => (Oracle.sizeOf(t, MNQ) > 2 ? "breached" : "within"),
    goal: sized((t) => Oracle.sizeOf(t, MNQ) <= 2)
  },
  {
    name: "scalingPlan",
    risk: { scalingPlan: [{ balanceAbove: 0, maxContracts: 2 }, { balanceAbove: 60_000, maxContracts: 5 }] },
    judge: (t) => (Oracle.totalSize(t) > 2 ? "breached" : "within"),
    goal: sized((t) => Oracle.totalSize(t) <= 2)
  },
  {
    name: "positionMaxLoss",
    risk: { positionMaxLoss: { amount: 60 } },
    judge: (t) => dollars(Oracle.worstPosition(t).unrealized, -60, true),
    goal: ({ contractId }) => Effect.map(Oracle.read, (t) => Oracle.sizeOf(t, contractId!) === 0) as Effect.Effect<boolean, never, Needs>
  },
  {
    name: "maxTradesPerDay",
    risk: { maxTradesPerDay: { count: 3 } },
    judge: (t) => (Oracle.openingFills(t) > 3 ? "breached" : "within"),
    goal: flatAndLocked
  },
  {
    name: "lossCooldown",
    risk: { lossCooldown: { consecutiveLosses: 2, minutes: 30 } },
    judge: (t) => (Oracle.longestLosingRun(t) >= 2 ? "breached" : "within"),
    goal: flatAndLocked
  },
  {
    // TestClock starts at 1970-01-01T00:00Z = 18:00 Chicago (a Wednesday): a session 17:00-18:05, flatBy 18:01.
    name: "tradingHours flatBy",
    risk: { tradingHours: { timeZone: "America/Chicago", open: "17:00", close: "18:05", days: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"], flatBy: "18:01" } },
    judge: () => "within",
    goal: () => flat() as Effect.Effect<boolean, never, Needs>,
    deadline: 60_000,
    startAt: 45_000
  }
]

/** How often each judgement was reached (printed with ACCEPT_STATS=1: a property that never sees a breach proves little). */
const stats: Record<string, number> = {}
afterAll(() => {
  if (process.env["ACCEPT_STATS"]) console.log(stats)
})

const RUNS = Number(process.env["ACCEPT_RUNS"] ?? 25)
/**
 * The seed: fixed for CI (a run of the test command is reproducible), any other with ACCEPT_SEED (`random`: a
 * new one each run, to explore); a failing run replays with its seed and path (ACCEPT_SEED=n ACCEPT_PATH=p).
 * Fixed counterexamples are kept as deterministic tests in test/acceptance/falseEnforcement.test.ts
 * (ACCEPT_SEED=1798505938 ACCEPT_PATH=24: maxLossLimit, a new position marked at a bar price from before it opened;
 * ACCEPT_SEED=-642583945 ACCEPT_PATH=16: dailyProfitTarget, the simulator's partial bar blind to a price pinned since
 * its latest sampled tick).
 */
const seedEnv = process.env["ACCEPT_SEED"] ?? "20261202"
const replay = seedEnv === "random"
  ? {}
  : { seed: Number(seedEnv), ...(process.env["ACCEPT_PATH"] ? { path: process.env["ACCEPT_PATH"] } : {}) }

/** Polls `goal` every 250 ms for 5 simulated seconds. */
const within5s = (goal: Effect.Effect<boolean, never, Needs>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 20; i++) {
      yield* run(250)
      if (yield* goal) return true
    }
    return false
  })

const property = (c: Case, steps: ReadonlyArray<readonly [Ev, number]>) =>
  Effect.gen(function*() {
    for (const id of CONTRACTS) {
      price[id] = START[id]!
      yield* setPrice(id, price[id]!)
    }
    yield* run(500)
    for (const [e, wait] of steps) {
      if (c.deadline !== undefined && (yield* Clock.currentTimeMillis) + wait >= c.deadline - 500) break
      yield* apply(e)
      const t = yield* Oracle.read
      const j = c.judge(t)
      stats[`${c.name}: ${j}`] = (stats[`${c.name}: ${j}`] ?? 0) + 1
      if (j === "ambiguous") return
      if (j === "breached") {
        const contractId = Oracle.worstPosition(t).contractId
        assert.isTrue(yield* within5s(c.goal({ contractId })), `${c.name}: breached after ${JSON.stringify(e)}, action not complete within 5 s`)
        return
      }
      yield* run(wait)
      assert.deepStrictEqual((yield* sent).map((x) => x.endpoint), [], `${c.name}: sent without a breach`)
    }
    if (c.deadline !== undefined) {
      const now = yield* Clock.currentTimeMillis
      yield* run(c.deadline - now - 100)
      assert.deepStrictEqual((yield* sent).map((x) => x.endpoint), [], `${c.name}: sent before the deadline`)
      const wasFlat = yield* flat()
      stats[`${c.name}: ${wasFlat ? "flat" : "open"} at flatBy`] = (stats[`${c.name}: ${wasFlat ? "flat" : "open"} at flatBy`] ?? 0) + 1
      yield* run(100)
      assert.isTrue(yield* within5s(c.goal({ contractId: undefined })), `${c.name}: not flat within 5 s of flatBy`)
      if (wasFlat) assert.deepStrictEqual((yield* sent).map((x) => x.endpoint), [], `${c.name}: flat already, yet sent`)
      return
    }
    yield* run(1000)
    assert.deepStrictEqual((yield* sent).map((x) => x.endpoint), [], `${c.name}: sent without a breach`)
  })

describe("acceptance: every breach is enforced within 5 simulated seconds; without one nothing is sent", () => {
  for (const c of cases) {
    it.effect.prop(
      c.name,
      [scenario],
      ([steps]) =>
        Effect.zipRight(
          TestClock.setTime(c.startAt ?? 0),
          property(c, steps).pipe(Effect.provide(layer({ accounts: [100001], defaults: c.risk })))
        ),
      { timeout: 300_000, fastCheck: { numRuns: RUNS, endOnFailure: true, ...replay } }
    )
  }
})
