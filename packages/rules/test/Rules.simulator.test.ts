import { assert, describe, it } from "@effect/vitest"
import { TradingDay } from "@tradeguard/realtime"
import { Simulator } from "@tradeguard/simulator"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { AccountView } from "../src/AccountView.js"
import * as Rules from "../src/Rules.js"
import { risk, rules } from "./internal/fixtures.js"

const ACCOUNT = 100001
const MNQ = "CON.F.US.MNQ.Z26"
const NQ = "CON.F.US.ENQ.Z26"

/** The account as the engine would show it to the rules: the simulator's truth, its quotes and contracts. */
const viewOf = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const now = yield* Clock.currentTimeMillis
  const truth = yield* sim.exchange.peek(ACCOUNT)
  const contracts = yield* sim.exchange.searchContracts(undefined)
  const quotes = new Map<string, AccountView["quotes"] extends ReadonlyMap<string, infer Q> ? Q : never>()
  for (const id of [MNQ, NQ]) quotes.set(id, { quote: yield* sim.exchange.quote(id), receivedAt: now })
  const view: AccountView = {
    accountId: ACCOUNT,
    now,
    dayStart: TradingDay.startOf(now, TradingDay.defaults),
    nextDayStart: TradingDay.next(now, TradingDay.defaults),
    balance: truth.account.balance,
    positions: truth.positions,
    workingOrders: truth.openOrders,
    trades: truth.trades,
    quotes,
    barPrices: new Map(),
    contracts: new Map(contracts.map((c) => [c.id, c])),
    marketHubDownSince: undefined,
    userHubDownSince: undefined,
    lock: undefined
  }
  return view
})

describe("the rules' arithmetic against the simulator's balances", () => {
  it.scoped("realized: the balance moves by profitAndLoss - fees; equity marked at the bid minus closing fees = the balance once closed", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const user = yield* sim.exchange.ownerOf(ACCOUNT)
      const market = (contractId: string, side: 0 | 1, size: number) =>
        sim.exchange.place(user, { accountId: ACCOUNT, contractId, type: 2, side, size })
      const r = rules({ dailyLossLimit: { amount: 1000 } })
      yield* sim.exchange.setPrice(MNQ, 21_500)
      yield* sim.exchange.setPrice(NQ, 21_500)
      const start = yield* viewOf
      const first = Rules.evaluate(risk(), r, start, undefined)
      assert.strictEqual(first.figures.equity, 50_000)

      // A round trip in MNQ: 3 bought, the price moves, 3 sold.
      yield* market(MNQ, 0, 3)
      yield* sim.exchange.setPrice(MNQ, 21_512.5)
      yield* market(MNQ, 1, 3)
      // An NQ short left open, marked at the ask after a move against it.
      yield* market(NQ, 1, 2)
      yield* sim.exchange.setPrice(NQ, 21_506)
      const open = yield* viewOf
      const realized = open.trades.reduce((s, t) => s + (t.profitAndLoss ?? 0) - t.fees, 0)
      assert.closeTo(50_000 + realized, open.balance!, 1e-6, "balance = start + sum of (profitAndLoss - fees)")
      const e = Rules.evaluate(risk(), r, open, first.memory)
      const nq = e.figures.positions.find((p) => p.contractId === NQ)!
      assert.strictEqual(nq.mark?.source, "ask")
      assert.strictEqual(nq.feeSource, "openingFills")
      assert.isBelow(nq.unrealized!, -200, "a short 2 NQ, 6 points against it: about -240 minus closing fees")
      assert.isAbove(realized, 0, "the MNQ round trip made money")

      // Close the NQ short at the market: the simulator's balance then equals the equity the rules computed.
      yield* market(NQ, 0, 2)
      const closed = yield* viewOf
      assert.closeTo(closed.balance!, e.figures.equity!, 1e-6, "equity before closing = balance after closing")
      const after = Rules.evaluate(risk(), r, closed, e.memory)
      assert.closeTo(after.figures.dayPnl!, closed.balance! - 50_000, 1e-6)
      assert.strictEqual(after.figures.equity, closed.balance)
    }).pipe(Effect.provide(Simulator.layer({}))))
})
