/**
 * The acceptance scenarios over the whole guard (test/utils/full.ts), the in-process simulator and TestClock:
 * a lock across a restart, a restart mid-flatten, monitor mode, stale data with both hubs down and a quiet market,
 * and an account appearing while running with `accounts: all`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { Simulator, Options as SimulatorOptions } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import * as Audit from "../../src/Audit.js"
import * as RiskEngine from "../../src/RiskEngine.js"
import {
  ACCOUNT,
  elsewhere,
  flat,
  layer,
  lockOf,
  marketElsewhere,
  MNQ,
  rebuild,
  type RiskInput,
  run,
  sent,
  setPrice,
  stack,
  tempDir,
  truth
} from "../utils/full.js"

const dailyLoss: RiskInput = { accounts: [ACCOUNT], defaults: { dailyLossLimit: { amount: 500 } } }

/** Long 5 MNQ from another front-end at 21 500, then a drop of 60 points: day PnL about -600. */
const breachDailyLoss = Effect.gen(function*() {
  yield* setPrice(MNQ, 21_500)
  yield* run(500)
  yield* marketElsewhere(MNQ, 5)
  yield* run(500)
  yield* setPrice(MNQ, 21_440)
})

/** Polls `check` every 100 ms for up to `millis`. */
const eventually = <R>(millis: number, check: Effect.Effect<boolean, never, R>) =>
  Effect.gen(function*() {
    for (let left = millis; left > 0; left -= 100) {
      if (yield* check) return true
      yield* run(100)
    }
    return yield* check
  })

/** `millis` in 1-second steps. */
const runCoarse = (millis: number) =>
  Effect.gen(function*() {
    for (let left = millis; left > 0; left -= 1_000) yield* run(1_000)
  })

const endpoints = Effect.map(sent, (s) => s.map((c) => c.endpoint))

describe("acceptance: restarts", () => {
  it.scoped("a lock survives a restart; a position opened from another front-end during the lock is flattened after the restart", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "guard.db")
      yield* rebuild(dailyLoss, file, Effect.gen(function*() {
        yield* breachDailyLoss
        assert.isTrue(yield* eventually(5_000, flat()), "flat within 5 s of the breach")
        assert.strictEqual((yield* lockOf())?.rule, "dailyLossLimit")
      }))
      // no guard running: the phone app opens a position
      yield* marketElsewhere(MNQ, 2)
      yield* run(1_000)
      assert.isFalse(yield* flat())
      yield* rebuild(dailyLoss, file, Effect.gen(function*() {
        assert.strictEqual((yield* lockOf())?.rule, "dailyLossLimit", "the lock was loaded from the file")
        assert.isTrue(yield* eventually(5_000, flat()), "the new position flattened after the restart")
        // and while the lock lasts, any new position is flattened at once
        yield* marketElsewhere(MNQ, 1)
        assert.isTrue(yield* eventually(5_000, flat()))
      }))
    }).pipe(Effect.provide(stack())))

  it.scoped("a restart mid-flatten (after the cancels, the close in flight) completes it: flat, locked, no order sent twice", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "guard.db")
      const sim = yield* Simulator.Simulator
      yield* setPrice(MNQ, 21_500)
      yield* run(500)
      yield* elsewhere({ type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: 21_300 })
      yield* elsewhere({ type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 2, limitPrice: 21_200 })
      const ordersBefore = (yield* truth()).orders.length
      yield* sim.setFaults({ latency: { minMillis: 600_000, endpoints: ["positionCloseContract"] } })
      yield* rebuild(dailyLoss, file, Effect.gen(function*() {
        yield* breachDailyLoss
        yield* run(2_000)
      }))
      assert.deepStrictEqual(yield* endpoints, ["orderCancel", "orderCancel", "positionCloseContract"], "stopped after the cancels")
      assert.isFalse(yield* flat())
      yield* sim.setFaults({})
      yield* rebuild(dailyLoss, file, Effect.gen(function*() {
        assert.isTrue(yield* eventually(10_000, flat()), "the resumed enforcement flattened")
        assert.isDefined(yield* lockOf())
      }))
      const cancels = (yield* sent).filter((c) => c.endpoint === "orderCancel").map((c) => c.request["orderId"])
      assert.strictEqual(new Set(cancels).size, cancels.length, "no cancel sent twice")
      // the orders the exchange got after the two limits: the other front-end's market buy and one closing order
      const t = yield* truth()
      assert.strictEqual(t.orders.length - ordersBefore, 2)
      assert.isTrue(yield* flat())
    }).pipe(Effect.provide(stack())))
})

describe("acceptance: monitor mode", () => {
  it.effect("monitor mode sends nothing and records every decision in the audit log and the status", () =>
    Effect.gen(function*() {
      yield* breachDailyLoss
      yield* run(10_000)
      assert.deepStrictEqual(yield* endpoints, [])
      assert.isFalse(yield* flat(), "the position stays open")
      assert.isUndefined(yield* lockOf(), "monitor sets no lock")
      const records = yield* Effect.orDie((yield* Audit.Audit).list({ accountId: ACCOUNT }))
      const decisions = records.filter((r) => r.rule === "dailyLossLimit")
      assert.isAtLeast(decisions.length, 1)
      assert.deepStrictEqual([decisions[0]!.kind, decisions[0]!.action, decisions[0]!.outcome], ["Decision", "Flatten", "monitor"])
      assert.isBelow(decisions[0]!.figures["dayPnl"] as number, -500)
      const status = (yield* (yield* RiskEngine.RiskEngine).status).find((s) => s.accountId === ACCOUNT)!
      assert.strictEqual(status.mode, "monitor")
      assert.isTrue(status.rules.find((r) => r.rule === "dailyLossLimit")!.breached)
    }).pipe(Effect.provide(layer({ ...dailyLoss, mode: "monitor" }))))
})

describe("acceptance: stale data", () => {
  /**
   * A resting order in MNQ first, so the guard has looked the contract up before the position opens (see the known
   * defect below: a position whose contract lookup is still pending is flattened at once).
   */
  const contractKnown = Effect.gen(function*() {
    yield* setPrice(MNQ, 21_500)
    yield* elsewhere({ type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: 21_300 })
    yield* run(2_000)
  })
  const stale: RiskInput = { accounts: [ACCOUNT], defaults: { staleData: { maxQuoteAgeMs: 10_000, hubDownGraceMs: 30_000, action: "flatten" } } }

  it.effect("staleData action flatten: with BOTH hubs down (dropped, reconnects refused) the position is flattened over REST after the grace", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* contractKnown
      yield* marketElsewhere(MNQ, 2)
      yield* run(2_000)
      assert.deepStrictEqual(yield* endpoints, [])
      yield* sim.hubs.refuse("10 minutes")
      yield* sim.hubs.drop()
      yield* run(25_000)
      assert.deepStrictEqual(yield* endpoints, [], "nothing within the grace")
      assert.isTrue(yield* eventually(10_000, flat()), "flattened over REST with both hubs down")
      assert.deepStrictEqual(yield* sim.hubs.connections, [], "both hubs still down")
      assert.isUndefined(yield* lockOf(), "staleData does not lock")
    }).pipe(Effect.provide(layer(stale))))

  it.effect("a quiet market with the hub up (no quote for minutes, bars available) does not flatten", () =>
    Effect.gen(function*() {
      yield* contractKnown
      yield* marketElsewhere(MNQ, 2)
      yield* runCoarse(180_000)
      assert.deepStrictEqual(yield* endpoints, [])
      assert.isFalse(yield* flat())
      const health = yield* (yield* RiskEngine.RiskEngine).health
      assert.strictEqual(health._tag, "Ok")
    }).pipe(Effect.provide(layer(stale))))

  it.effect("regression: a position in a contract whose lookup is still pending is not flattened by staleData (only a failed lookup is)", () =>
    Effect.gen(function*() {
      yield* setPrice(MNQ, 21_500)
      yield* run(500)
      yield* marketElsewhere(MNQ, 2)
      yield* run(5_000)
      assert.deepStrictEqual(yield* endpoints, [])
    }).pipe(Effect.provide(layer(stale))))
})

describe("acceptance: accounts all", () => {
  const users: SimulatorOptions.Options["users"] = [{
    userName: SimulatorOptions.defaultUserName,
    apiKey: SimulatorOptions.defaultApiKey,
    password: SimulatorOptions.defaultPassword,
    accounts: [{ name: "A", balance: 50_000 }, { name: "B", balance: 50_000, active: false }]
  }]

  it.effect("accounts all: an account that appears while running (a GatewayUserAccount event) is watched and enforced", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const B = ACCOUNT + 1
      yield* run(2_000)
      const watched = () => Effect.flatMap(RiskEngine.RiskEngine, (e) => Effect.map(e.status, (s) => s.map((x) => x.accountId)))
      assert.deepStrictEqual(yield* watched(), [ACCOUNT])
      yield* Effect.orDie(sim.exchange.updateAccount(B, { balance: 50_000 }))
      assert.isTrue(yield* eventually(3_000, Effect.map(watched(), (w) => w.includes(B))), "B watched from its account event")
      yield* setPrice(MNQ, 21_500)
      yield* marketElsewhere(MNQ, 5, B)
      yield* run(500)
      yield* setPrice(MNQ, 21_440)
      assert.isTrue(yield* eventually(5_000, flat(B)), "B's breach enforced")
      assert.isDefined(yield* lockOf(B))
    }).pipe(Effect.provide(layer({ accounts: "all", defaults: { dailyLossLimit: { amount: 500 } } }, { simulator: { users } }))))
})
