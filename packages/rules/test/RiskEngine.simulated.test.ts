/**
 * RiskEngine over the in-process simulator's whole stack (TestStack: AccountState fed by the hubs, TestClock), with
 * the fakes of the rules' services: what a trader does on the exchange reaches the rules and their decisions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Verdict from "../src/Verdict.js"
import { ACCOUNT, EngineFakes, MNQ, recorder, rules, settle, simulated, verdict } from "./utils/engineStack.js"

/** What another front-end does: a market buy of `size` straight on the exchange. */
const buyElsewhere = (size: number) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const owner = yield* Effect.orDie(sim.exchange.ownerOf(ACCOUNT))
    yield* Effect.orDie(sim.exchange.place(owner, {
      accountId: ACCOUNT,
      contractId: MNQ,
      type: Enums.OrderType.Market,
      side: Enums.OrderSide.Bid,
      size
    }))
    yield* settle
  })

describe("RiskEngine over the simulator", () => {
  it.effect("a fill re-evaluates at once: the position is in the view and its contract is needed; a breach is enforced once", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* TestStack.subscribeAccount(ACCOUNT)
      const fakes = yield* EngineFakes.EngineFakes
      yield* settle
      const before = record.of(ACCOUNT).length
      assert.isAtLeast(before, 1, "evaluated at start")
      assert.strictEqual(record.of(ACCOUNT).at(-1)!.view.positions.length, 0)
      yield* buyElsewhere(2)
      const seen = record.of(ACCOUNT).slice(before).map((c) => c.view.positions.map((p) => p.size))
      assert.deepStrictEqual(seen.at(-1), [2], "evaluated without the clock moving")
      assert.deepStrictEqual([...fakes.needs.at(-1)!], [MNQ])
      assert.deepStrictEqual(fakes.requests.map((r) => [r.rule, r.actions]), [["maxContracts", [Verdict.reduce(MNQ, 1)]]])
      yield* TestStack.advance("5 seconds", "1 second")
      assert.strictEqual(fakes.requests.length, 1, "once per decision")
      assert.isAtLeast(record.of(ACCOUNT).length, before + 5, "and every second")
    }).pipe(Effect.provide(simulated({
      engine: {
        evaluate: rules(record, (view) => ({
          verdicts: [verdict("maxContracts", (view.positions[0]?.size ?? 0) > 1, [Verdict.reduce(MNQ, 1)])]
        }))
      }
    })))
  })

  it.effect("a locked account: a position opened from another front-end is flattened (enforce with the lock's actions)", () => {
    const record = recorder()
    return Effect.gen(function*() {
      yield* TestStack.subscribeAccount(ACCOUNT)
      const fakes = yield* EngineFakes.EngineFakes
      fakes.locks.set(ACCOUNT, { rule: "maxTradesPerDay", reason: "21st opening fill", since: 0, end: { _tag: "NextTradingDay" }, until: undefined })
      yield* TestStack.advance("2 seconds", "1 second")
      assert.strictEqual(fakes.requests.length, 0)
      yield* buyElsewhere(1)
      assert.deepStrictEqual(fakes.requests.map((r) => [r.rule, r.actions]), [["lock", [Verdict.flatten()]]])
      assert.deepStrictEqual(fakes.requests[0]!.figures["positions"], [MNQ])
    }).pipe(Effect.provide(simulated({ engine: { evaluate: rules(record) } })))
  })
})
