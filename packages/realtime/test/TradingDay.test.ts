import { assert, describe, it } from "@effect/vitest"
import { Models } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as TestClock from "effect/TestClock"
import { AccountState, Config, HubEvent, TradingDay } from "../src/index.js"
import * as Data from "../src/internal/accountData.js"
import * as R from "../src/internal/reconcile.js"
import * as F from "./utils/fixtures.js"

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number) => new Date(ms).toISOString()
const cme = TradingDay.defaults

describe("TradingDay", () => {
  it("the CME / TopstepX day starts at 17:00 Chicago, standard and daylight time", () => {
    // November: CST (UTC-6) -> 23:00Z; July: CDT (UTC-5) -> 22:00Z.
    assert.strictEqual(iso(TradingDay.startOf(at("2026-11-24T01:30:00Z"), cme)), "2026-11-23T23:00:00.000Z")
    assert.strictEqual(iso(TradingDay.next(at("2026-11-24T01:30:00Z"), cme)), "2026-11-24T23:00:00.000Z")
    assert.strictEqual(iso(TradingDay.startOf(at("2026-07-01T21:59:00Z"), cme)), "2026-06-30T22:00:00.000Z")
    assert.strictEqual(iso(TradingDay.next(at("2026-07-01T21:59:00Z"), cme)), "2026-07-01T22:00:00.000Z")
  })

  it("a boundary belongs to the day it starts", () => {
    assert.strictEqual(TradingDay.startOf(at("2026-11-23T23:00:00Z"), cme), at("2026-11-23T23:00:00Z"))
    assert.strictEqual(TradingDay.startOf(at("2026-11-23T22:59:59.999Z"), cme), at("2026-11-22T23:00:00Z"))
    assert.strictEqual(TradingDay.next(at("2026-11-23T23:00:00Z"), cme), at("2026-11-24T23:00:00Z"))
  })

  it("the days around the daylight-saving changes are 23 and 25 hours long", () => {
    // 2026-03-08 spring forward, 2026-11-01 fall back (US).
    const spring = TradingDay.startOf(at("2026-03-08T12:00:00Z"), cme)
    assert.strictEqual(TradingDay.next(spring, cme) - spring, 23 * 3_600_000)
    const fall = TradingDay.startOf(at("2026-11-01T12:00:00Z"), cme)
    assert.strictEqual(TradingDay.next(fall, cme) - fall, 25 * 3_600_000)
  })

  it("another zone and time, and the time-zone check", () => {
    const utc = { timeZone: "UTC", startsAt: "00:00" }
    assert.strictEqual(iso(TradingDay.startOf(at("2026-11-24T01:30:00Z"), utc)), "2026-11-24T00:00:00.000Z")
    assert.isTrue(TradingDay.isTimeZone("Europe/London"))
    assert.isFalse(TradingDay.isTimeZone("Mars/Olympus"))
  })

  it("the config rejects an unknown zone and a bad time, naming them", () => {
    assert.throws(() => Config.RealtimeConfig.make({ tradingDay: { timeZone: "Mars/Olympus" } }), /unknown time zone "Mars\/Olympus"/)
    assert.throws(() => Config.RealtimeConfig.make({ tradingDay: { startsAt: "5pm" } }), /expected HH:MM/)
    assert.deepStrictEqual(Config.RealtimeConfig.make({}).tradingDay, {
      timeZone: "America/Chicago",
      startsAt: "17:00",
      checkIntervalMs: 60000
    })
    assert.throws(() => Config.RealtimeConfig.make({ tradingDay: { checkIntervalMs: 0 } }), /checkIntervalMs/)
  })
})

describe("AccountState across trading days", () => {
  const trade = (id: number, time: string) => HubEvent.trade(F.trade({ id, creationTimestamp: F.ts(at(time)) }))
  const ended = (id: number, time: string) =>
    HubEvent.order(F.order({ id, status: 3, creationTimestamp: F.ts(at(time)), updateTimestamp: F.ts(at(time)) }))

  it("startDay keeps what belongs to the new day; afterwards earlier trades and ended orders are not today's", () => {
    let data = Data.applyAll(Data.empty, [
      trade(1, "2026-11-23T22:30:00Z"),
      trade(2, "2026-11-23T23:00:01Z"),
      ended(10, "2026-11-23T22:00:00Z"),
      HubEvent.order(F.order({ id: 11, creationTimestamp: F.ts(at("2026-11-23T20:00:00Z")) }))
    ])
    data = Data.startDay(data, at("2026-11-23T23:00:00Z"))
    assert.deepStrictEqual([...HashMap.keys(data.trades)], [2])
    assert.strictEqual(HashMap.size(data.completedOrders), 0)
    assert.deepStrictEqual([...HashMap.keys(data.orders)], [11]) // a working order spans days
    // Stragglers of the previous day: not today's. An order of yesterday that ends today is today's.
    data = Data.applyAll(data, [trade(3, "2026-11-23T22:59:59Z"), trade(4, "2026-11-23T23:05:00Z")])
    data = Data.applyAll(data, [ended(12, "2026-11-23T22:59:00Z"), ended(11, "2026-11-23T23:10:00Z")])
    assert.deepStrictEqual([...HashMap.keys(data.trades)].sort(), [2, 4])
    assert.deepStrictEqual([...HashMap.keys(data.completedOrders)], [11])
    assert.strictEqual(HashMap.size(data.orders), 0)
  })

  it.scoped("rollDays starts today's day at once and the next one at 17:00 Chicago (TestClock)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(at("2026-11-23T22:00:00Z")) // 16:00 CST
      const state = yield* AccountState.make
      yield* AccountState.rollDays(state, cme)
      assert.strictEqual((yield* state.get).dayStartedAt, at("2026-11-22T23:00:00Z"))
      yield* state.applyAll([trade(1, "2026-11-23T22:10:00Z")])
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual(HashMap.size((yield* state.get).trades), 1)
      yield* TestClock.adjust("1 minute") // 17:00 CST
      const s = yield* state.get
      assert.strictEqual(s.dayStartedAt, at("2026-11-23T23:00:00Z"))
      assert.strictEqual(HashMap.size(s.trades), 0)
      // And the day after (the boundary is recomputed after each roll).
      yield* TestClock.adjust("24 hours")
      assert.strictEqual((yield* state.get).dayStartedAt, at("2026-11-24T23:00:00Z"))
    }))

  it.scoped("rollDays with a long nap cap (tradingDay.checkIntervalMs) still rolls exactly at the boundary", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(at("2026-11-23T22:00:00Z")) // 16:00 CST
      const state = yield* AccountState.make
      yield* AccountState.rollDays(state, cme, 6 * 3_600_000)
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual((yield* state.get).dayStartedAt, at("2026-11-22T23:00:00Z"))
      yield* TestClock.adjust("1 minute") // 17:00 CST
      assert.strictEqual((yield* state.get).dayStartedAt, at("2026-11-23T23:00:00Z"))
      yield* TestClock.adjust("24 hours")
      assert.strictEqual((yield* state.get).dayStartedAt, at("2026-11-24T23:00:00Z"))
    }))

  it("an order of yesterday that ends today without an updateTimestamp is one of today's", () => {
    let data = Data.applyAll(Data.empty, [HubEvent.order(F.order({ id: 11, creationTimestamp: F.ts(at("2026-11-23T20:00:00Z")) }))])
    data = Data.startDay(data, at("2026-11-23T23:00:00Z"))
    const { updateTimestamp: _, ...filled } = F.order({ id: 11, status: 2, fillVolume: 1, creationTimestamp: F.ts(at("2026-11-23T20:00:00Z")) })
    data = Data.apply(data, HubEvent.order(new Models.Order(filled)))
    assert.deepStrictEqual([...HashMap.keys(data.completedOrders)], [11])
  })

  it("the reconciler does not report the previous trading day's trades and ended orders as missed today", () => {
    const day = at("2026-11-23T23:00:00Z")
    const data = Data.startDay(Data.empty, day)
    const d = R.diff(data, {
      accountIds: [465],
      accounts: undefined,
      openOrders: [],
      positions: undefined,
      trades: [
        F.trade({ id: 1, creationTimestamp: F.ts(day - 60_000) }),
        F.trade({ id: 2, creationTimestamp: F.ts(day + 60_000) })
      ],
      finalOrders: new Map([
        [10, F.order({ id: 10, status: 3, updateTimestamp: F.ts(day - 60_000) })],
        [12, F.order({ id: 12, status: 3, updateTimestamp: F.ts(day + 60_000) })]
      ])
    }, new Set())
    assert.deepStrictEqual(d.events.map((e) => e._tag === "Order" ? `o${e.order.id}` : e._tag === "Trade" ? `t${e.trade.id}` : e._tag), ["o12", "t2"])
    assert.strictEqual(d.counts.ordersCancelled, 1)
    assert.strictEqual(d.counts.trades, 1)
  })
})
