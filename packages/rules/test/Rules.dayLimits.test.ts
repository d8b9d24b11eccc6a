import { describe, expect, it } from "@effect/vitest"
import { TradingDay } from "@tradeguard/realtime"
import * as Rules from "../src/Rules.js"
import { flatten } from "../src/Verdict.js"
import { iso, locked, MNQ, minutes, NOW, one, order, position, quote, risk, rules, trade, view } from "./internal/fixtures.js"

const dll = { dailyLossLimit: { amount: 1000 } }
const target = { dailyProfitTarget: { amount: 1500 } }
const nextDay = { _tag: "NextTradingDay" } as const
const startedAt = (equity: number) => ({ day: view().dayStart, dayStartEquity: equity, firstSight: false })

describe("dailyLossLimit: day PnL <= -amount: flatten, lock until the next trading day", () => {
  it("day PnL exactly -1000 breaches; -999.99 does not", () => {
    const at = one(dll, view({ balance: 49_000, positions: [position(MNQ, 1, 1, 21500)], quotes: new Map([[MNQ, quote({ bestBid: 21500 })]]) }), startedAt(50_000))
    expect(at.verdict).toMatchObject({ rule: "dailyLossLimit", figure: -1000, limit: -1000, breached: true, actions: [flatten(nextDay)] })
    expect(at.verdict.reason).toBe("day PnL -1000.00 <= -1000.00 (equity 49000.00, day start 50000.00)")
    expect(at.verdict.figures).toMatchObject({ dayPnl: -1000, equity: 49_000, dayStartEquity: 50_000 })
    expect((at.verdict.figures.marks as Array<unknown>)[0]).toMatchObject({ contractId: MNQ, mark: 21500, source: "bid" })
    const under = one(dll, view({ balance: 49_000.01 }), startedAt(50_000))
    expect(under.verdict).toMatchObject({ figure: -999.99, breached: false, actions: [] })
  })

  it("an open loss counts: unrealized at the bid takes day PnL to the limit", () => {
    // 1 MNQ long at 21500, bid 20500: -1000 points = -4000 ticks x 0.5 = -2000.
    const v = view({ positions: [position(MNQ, 1, 1, 21500)], quotes: new Map([[MNQ, quote({ bestBid: 20500, bestAsk: 20500.25 })]]) })
    expect(one(dll, v, startedAt(50_000)).verdict.breached).toBe(true)
  })

  it("once flat and locked until the next trading day, no action is asked any more", () => {
    const v = view({ balance: 48_000, lock: locked(nextDay, view().nextDayStart) })
    expect(one(dll, v, startedAt(50_000)).verdict).toMatchObject({ breached: true, actions: [] })
    // Locked but an order still works: flatten again.
    expect(one(dll, { ...v, workingOrders: [order(MNQ, 0)] }, startedAt(50_000)).verdict.actions).toEqual([flatten(nextDay)])
    // Flat but the lock ends earlier than the next trading day: lock again.
    const short = { ...v, lock: locked({ _tag: "Until", at: NOW + minutes(5) }, NOW + minutes(5)) }
    expect(one(dll, short, startedAt(50_000)).verdict.actions).toEqual([flatten(nextDay)])
    // A manual lock ends no earlier.
    expect(one(dll, { ...v, lock: locked({ _tag: "Manual" }, undefined) }, startedAt(50_000)).verdict.actions).toEqual([])
    // An expired lock is no lock.
    expect(one(dll, { ...v, lock: locked(nextDay, NOW) }, startedAt(50_000)).verdict.actions).toEqual([flatten(nextDay)])
  })

  it("equity unknown (a contract missing): not breached, the reason says why", () => {
    const v = view({ positions: [position(MNQ, 1, 1, 21500)], contracts: new Map() })
    const r = one(dll, v, startedAt(50_000))
    expect(r.verdict).toMatchObject({ figure: undefined, breached: false })
    expect(r.verdict.reason).toContain(`no contract for ${MNQ}`)
    expect(one(dll, view({ balance: undefined }), undefined).verdict.reason).toBe("day PnL unknown (balance unknown)")
    expect(one(dll, { ...v, positions: [], balance: undefined }, {}).figures.dayPnl).toBeUndefined()
  })
})

describe("dailyProfitTarget: day PnL >= amount: flatten, lock until the next trading day", () => {
  it("1500 breaches, 1499.99 does not", () => {
    expect(one(target, view({ balance: 51_500 }), startedAt(50_000)).verdict).toMatchObject({
      figure: 1500,
      breached: true,
      actions: [flatten(nextDay)]
    })
    expect(one(target, view({ balance: 51_499.99 }), startedAt(50_000)).verdict).toMatchObject({ breached: false, actions: [] })
    expect(one(target, view({ balance: 51_499.99 }), startedAt(50_000)).verdict.reason).toContain("< 1500.00")
    expect(one(target, view({ balance: undefined }), {}).verdict.reason).toContain("day PnL unknown")
  })
})

describe("the trading day: day PnL from the equity at 17:00 Chicago", () => {
  const dayOf = (now: number) => ({ now, dayStart: TradingDay.startOf(now, TradingDay.defaults), nextDayStart: TradingDay.next(now, TradingDay.defaults) })

  it("first sight: the equity then is the day start, marked firstSight", () => {
    const e = Rules.evaluate(risk(), rules(dll), view({ balance: 50_250 }), undefined)
    expect(e.figures).toMatchObject({ dayPnl: 0, dayStartEquity: 50_250, dayStartFirstSight: true })
    expect(e.memory).toMatchObject({ dayStartEquity: 50_250, firstSight: true, firstBalance: 50_250 })
  })

  it("a position carried over 17:00 does not bring yesterday's loss into today: day PnL starts at 0 at the boundary", () => {
    const boundary = Date.parse("2026-12-02T23:00:00Z") // 17:00 CST
    const carried = position(MNQ, 1, 2, 21500, boundary - minutes(120))
    const losing = new Map([[MNQ, quote({ bestBid: 21250 }, boundary - 2000)]]) // -250 points = -1000 ticks x 0.5 x 2 = -1000
    let memory = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(boundary - minutes(50)), balance: 50_000 }), undefined).memory
    // Yesterday's last second: equity 49000, day PnL -1000 breaches yesterday's limit.
    const before = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(boundary - 1000), positions: [carried], quotes: losing }), memory)
    expect(before.figures.dayPnl).toBe(-1000)
    memory = before.memory
    // 17:00:00 exactly: the new day starts from yesterday's last equity.
    const after = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(boundary), positions: [carried], quotes: new Map([[MNQ, quote({ bestBid: 21250 }, boundary)]]) }), JSON.parse(JSON.stringify(memory)))
    expect(after.figures).toMatchObject({ dayStartEquity: 49_000, dayPnl: 0, dayStartFirstSight: false })
    expect(after.verdicts[0]!.breached).toBe(false)
    expect(after.memory).toMatchObject({ day: boundary, eodBalance: 50_000 })
  })

  it("when the daemon was away at the boundary, the first sight of the new day is the day start (flagged)", () => {
    const boundary = Date.parse("2026-12-02T23:00:00Z")
    const memory = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(boundary - minutes(60)), balance: 50_000 }), undefined).memory
    const later = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(boundary + minutes(30)), balance: 49_800 }), memory)
    expect(later.figures).toMatchObject({ dayStartEquity: 49_800, dayStartFirstSight: true, dayPnl: 0 })
  })

  it("a trade stamped exactly at 17:00 Chicago belongs to the new day (its loss counts today)", () => {
    const boundary = Date.parse("2026-12-02T23:00:00Z")
    const trades = [trade({ at: boundary, pnl: -400, fees: 0.74 }), trade({ at: boundary - 1, pnl: -10_000 })]
    const v = view({ ...dayOf(boundary + 1000), balance: 50_000, trades })
    expect(v.dayStart).toBe(boundary)
    const e = Rules.evaluate(risk(), rules(dll), v, undefined)
    expect(e.memory).toMatchObject({ days: { [iso(boundary)]: -400.74 } })
  })

  for (const [name, boundary] of [["2026-03-08 (spring forward)", "2026-03-08T22:00:00Z"], ["2026-11-01 (fall back)", "2026-11-01T23:00:00Z"]] as const) {
    it(`DST day ${name}: the day rolls at 17:00 Chicago local time`, () => {
      const b = Date.parse(boundary)
      expect(TradingDay.startOf(b, TradingDay.defaults)).toBe(b)
      expect(TradingDay.startOf(b - 1, TradingDay.defaults)).toBeLessThan(b)
      const m1 = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(b - 30_000), balance: 50_000, positions: [], trades: [] }), undefined).memory
      const m2 = Rules.evaluate(risk(), rules(dll), view({ ...dayOf(b), balance: 49_500 }), m1)
      // The last equity seen before the boundary is the day start: what moved since counts today.
      expect(m2.figures).toMatchObject({ dayStartEquity: 50_000, dayStartFirstSight: false, dayPnl: -500 })
      expect(m2.memory).toMatchObject({ day: b })
    })
  }
})

describe("maxLossLimit: equity <= floor: flatten, lock manual", () => {
  const mll = (trailing: "endOfDay" | "intraday" = "endOfDay") => ({ maxLossLimit: { amount: 2000, startingBalance: 50_000, trailing } })
  const manual = { _tag: "Manual" } as const

  it("floor = max(startingBalance, balance at first sight) - amount; 48000 breaches, 48000.01 does not", () => {
    expect(one(mll(), view({ balance: 48_000 }), {}).verdict).toMatchObject({ figure: 48_000, limit: 48_000, breached: true, actions: [flatten(manual)] })
    expect(one(mll(), view({ balance: 48_000.01 }), {}).verdict).toMatchObject({ breached: false, actions: [] })
  })

  it("the floor never rises above startingBalance", () => {
    const r = one(mll(), view({ balance: 53_000 }), { firstBalance: 53_000, day: view().dayStart })
    expect(r.verdict.limit).toBe(50_000)
    expect(r.verdict.figures).toMatchObject({ highWaterMark: 53_000, floor: 50_000 })
    expect(one(mll(), view({ balance: 50_000 }), { firstBalance: 53_000, day: view().dayStart }).verdict.breached).toBe(true)
  })

  it("endOfDay: raised by the closing balance at each day end, never intraday", () => {
    const d = view().dayStart
    const m = { day: d, firstBalance: 50_000, dayStartEquity: 50_000 }
    // An intraday high of 51000 does not move the floor.
    const high = one(mll(), view({ balance: 51_000 }), m)
    expect(high.verdict.limit).toBe(48_000)
    // The next day: closing balance 51000 (no trade since the boundary) raises the mark to 51000.
    const next = view({ now: view().nextDayStart + 5000, dayStart: view().nextDayStart, nextDayStart: view().nextDayStart + minutes(24 * 60), balance: 51_000 })
    const r = one(mll(), next, high.memory)
    expect(r.verdict.figures).toMatchObject({ highWaterMark: 51_000, floor: 49_000 })
  })

  it("intraday: raised by equity at any time", () => {
    const m = one(mll("intraday"), view({ balance: 49_500 }), { firstBalance: 49_000 }).memory
    const up = one(mll("intraday"), view({ balance: 51_200 }), m)
    expect(up.verdict.limit).toBe(49_200)
    const down = one(mll("intraday"), view({ balance: 49_200 }), up.memory)
    expect(down.verdict).toMatchObject({ breached: true, actions: [flatten(manual)] })
    expect(down.verdict.reason).toBe("equity 49200.00 <= floor 49200.00 (high-water mark 51200.00 intraday, amount 2000.00)")
  })

  it("flat and locked manual: nothing more to do; unknown equity is not a breach", () => {
    expect(one(mll(), view({ balance: 47_000, lock: locked(manual, undefined, "maxLossLimit") }), {}).verdict.actions).toEqual([])
    expect(one(mll(), view({ balance: undefined }), {}).verdict).toMatchObject({ breached: false, reason: "equity unknown (balance unknown)" })
  })
})
