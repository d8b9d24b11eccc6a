/**
 * Regressions of the acceptance property (test/acceptance/property.test.ts), each from a shrunk counterexample: a
 * false enforcement is as costly as a missed one, so these scenarios must send nothing.
 *
 * maxLossLimit, ACCEPT_SEED=1798505938 ACCEPT_PATH=24: a position in MES, closed (its quotes unsubscribed), the
 * market moving 12 points up unseen, then a new MES position (a bracket's entry). The first evaluation had no MES
 * quote yet and marked the new position at the REST bar price cached for the earlier one (12 points below the
 * touch, from before the new position opened): equity 49 808 <= floor 49 850, flatten and a manual lock, although
 * the account's true equity was 49 988.
 *
 * dailyProfitTarget, ACCEPT_SEED=-642583945 ACCEPT_PATH=16: a MES short closed, the price pinned 75 ticks higher,
 * then a new short of 3 at the new price. Its first evaluation had no MES quote and fetched the REST bar price after
 * the opening, but the simulator's partial bar still closed at the old price (its close was the last sampled tick,
 * up to two seconds old, blind to a price pinned since): the new short was marked 75 ticks in profit, day PnL 273 >=
 * 100, flatten and lock. The gateway's partial bar closes at its latest trade (the short's own fill at least).
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as RiskEngine from "../../src/RiskEngine.js"
import { elsewhere, layer, lockOf, marketElsewhere, MES, MNQ, type RiskInput, run, sent, setPrice } from "../utils/full.js"
import * as Oracle from "./oracle.js"

const maxLoss: RiskInput = { accounts: [100001], defaults: { maxLossLimit: { amount: 150, startingBalance: 50_000 } } }

const profitTarget: RiskInput = { accounts: [100001], defaults: { dailyProfitTarget: { amount: 100 } } }

const endpoints = Effect.map(sent, (s) => s.map((c) => c.endpoint))

/** The engine's figure of `rule` for the account now. */
const figureOf = (rule: string) =>
  Effect.gen(function*() {
    const statuses = yield* (yield* RiskEngine.RiskEngine).status
    return statuses[0]?.rules.find((r) => r.rule === rule)?.figure
  })

/** The engine's maxLossLimit figure (equity) of the account now. */
const engineEquity = figureOf("maxLossLimit")

describe("acceptance regressions: no enforcement without a breach", () => {
  it.effect("maxLossLimit: a new position in a contract unsubscribed since an earlier one is not marked at that one's bar price", () =>
    Effect.gen(function*() {
      yield* setPrice(MNQ, 21_500)
      yield* setPrice(MES, 6_000)
      yield* run(500)
      // The first MES position: its first evaluation has no quote yet and fetches the REST bar price (6000).
      yield* marketElsewhere(MES, 1)
      yield* run(250)
      yield* marketElsewhere(MNQ, 3)
      yield* run(500)
      // Closed: MES is no longer needed, its quotes are dropped.
      yield* marketElsewhere(MES, -1)
      yield* run(1_000)
      // 48 ticks up, unseen by tradeguard.
      yield* setPrice(MES, 6_012)
      yield* run(1_000)
      // A bracket buys 3 MES at 6012.25 (stop 32 ticks below, target 16 above).
      yield* elsewhere({
        contractId: MES,
        type: Enums.OrderType.Market,
        side: Enums.OrderSide.Bid,
        size: 3,
        stopLossBracket: { ticks: -32, type: Enums.OrderType.Stop },
        takeProfitBracket: { ticks: 16, type: Enums.OrderType.Limit }
      })
      const truth = yield* Oracle.read
      assert.isAbove(Oracle.equity(truth), 49_850 + 100, "the ground truth is far from the floor")
      yield* run(1_500)
      assert.deepStrictEqual(yield* endpoints, [], "nothing sent")
      assert.isUndefined(yield* lockOf(), "not locked")
      const figure = yield* engineEquity
      assert.isDefined(figure)
      assert.closeTo(figure!, Oracle.equity(yield* Oracle.read), 0.01, "the engine's equity is the ground truth's")
    }).pipe(Effect.provide(layer(maxLoss))))

  it.effect("dailyProfitTarget: a new short is not marked at a bar close from before a price move it opened after", () =>
    Effect.gen(function*() {
      yield* setPrice(MNQ, 21_500)
      yield* setPrice(MES, 6_000)
      yield* run(500)
      // The first MES short: its first evaluation has no quote yet and fetches the REST bar price (6000).
      yield* marketElsewhere(MES, -3)
      yield* run(250)
      // Closed: MES is no longer needed, its quotes are dropped.
      yield* marketElsewhere(MES, 3)
      yield* run(500)
      // 75 ticks up, unseen by tradeguard.
      yield* setPrice(MES, 6_018.75)
      yield* run(500)
      // A new short of 3 at the new price: worth nothing yet (less its closing fees).
      yield* marketElsewhere(MES, -3)
      const truth = yield* Oracle.read
      assert.isBelow(Oracle.equity(truth) - 50_000, 100 - 50, "the ground truth is far from the target")
      yield* run(1_000)
      assert.deepStrictEqual(yield* endpoints, [], "nothing sent")
      assert.isUndefined(yield* lockOf(), "not locked")
      const figure = yield* figureOf("dailyProfitTarget")
      assert.isDefined(figure)
      assert.closeTo(figure!, Oracle.equity(yield* Oracle.read) - 50_000, 0.01, "the engine's day PnL is the ground truth's")
    }).pipe(Effect.provide(layer(profitTarget))))
})
