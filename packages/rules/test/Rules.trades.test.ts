import { describe, expect, it } from "@effect/vitest"
import * as Rules from "../src/Rules.js"
import { flatten } from "../src/Verdict.js"
import { iso, locked, MNQ, minutes, NOW, one, position, risk, rules, trade, view } from "./internal/fixtures.js"

const opening = (n: number, voided = 0) => [
  ...Array.from({ length: n }, (_, i) => trade({ at: NOW - minutes(60 - i) })),
  ...Array.from({ length: voided }, () => trade({ voided: true }))
]

describe("maxTradesPerDay: the (count+1)-th opening fill: flatten, lock until the next trading day", () => {
  const rule = { maxTradesPerDay: { count: 20 } }
  const nextDay = { _tag: "NextTradingDay" } as const

  it("the 20th opening fill is allowed; the 21st breaches", () => {
    expect(one(rule, view({ trades: opening(20, 3) })).verdict).toMatchObject({ figure: 20, limit: 20, breached: false, actions: [] })
    const r = one(rule, view({ trades: [...opening(21), trade({ pnl: 5 })] })).verdict
    expect(r).toMatchObject({ figure: 21, breached: true, actions: [flatten(nextDay)] })
    expect(r.reason).toMatch(/^21 opening fills today > 20 \(opening fill #21: trade \d+\)$/)
  })

  it("opening fills before the day start do not count; one at the boundary does", () => {
    const v = view()
    const trades = [...opening(20), trade({ at: v.dayStart - 1 }), trade({ at: v.dayStart })]
    expect(one(rule, view({ trades })).verdict.figure).toBe(21)
  })

  it("one count triggers once: remembered when flat and locked, so a manual unlock is not undone; a new fill triggers again", () => {
    const trades = opening(21)
    const settled = one(rule, view({ trades, lock: locked(nextDay, view().nextDayStart, "maxTradesPerDay") }))
    expect(settled.verdict.actions).toEqual([])
    const unlocked = one(rule, view({ trades, positions: [position(MNQ, 1, 1, 1)] }), settled.memory)
    expect(unlocked.verdict).toMatchObject({ breached: true, actions: [] })
    expect(one(rule, view({ trades: [...trades, trade({})] }), settled.memory).verdict.actions).toEqual([flatten(nextDay)])
    // A new trading day forgets the counts.
    const next = view({ now: view().nextDayStart + 1000, dayStart: view().nextDayStart, nextDayStart: view().nextDayStart + minutes(1440) })
    expect(one(rule, next, settled.memory).memory).not.toHaveProperty("acted.0")
  })
})

describe("lossCooldown: N losing closing fills in a row: flatten, lock until the last loss + minutes", () => {
  const rule = { lossCooldown: { consecutiveLosses: 3, minutes: 30 } }
  const lossAt = (m: number, pnl = -50) => trade({ at: NOW - minutes(m), pnl })

  it("2 in a row: nothing; 3 in a row: flatten and lock until the third + 30 minutes", () => {
    expect(one(rule, view({ trades: [lossAt(9), lossAt(8)] })).verdict).toMatchObject({ figure: 2, breached: false })
    const third = lossAt(5)
    const r = one(rule, view({ trades: [lossAt(9), trade({ at: NOW - minutes(8) }), lossAt(8), third] })).verdict
    const until = Date.parse(third.creationTimestamp) + minutes(30)
    expect(r).toMatchObject({ figure: 3, breached: true, actions: [flatten({ _tag: "Until", at: until })] })
    expect(r.reason).toBe(`3 losing closing fills in a row >= 3: cooldown until ${iso(until)}`)
  })

  it("a win or a zero breaks the streak; voided fills count for nothing", () => {
    expect(one(rule, view({ trades: [lossAt(9), lossAt(8), lossAt(7, 0), lossAt(6)] })).verdict.figure).toBe(1)
    expect(one(rule, view({ trades: [lossAt(9), lossAt(8), trade({ pnl: 100, voided: true }), lossAt(6)] })).verdict.figure).toBe(3)
  })

  it("the cooldown is over at last loss + minutes: nothing to do though the streak stands", () => {
    const trades = [lossAt(40), lossAt(35), lossAt(30)]
    expect(one(rule, view({ trades, positions: [position(MNQ, 1, 1, 1)] })).verdict).toMatchObject({ figure: 3, breached: false, actions: [] })
  })

  it("one streak triggers once: flat and locked until then is remembered; a manual unlock is not undone", () => {
    const trades = [lossAt(9), lossAt(8), lossAt(7)]
    const until = Date.parse(trades[2]!.creationTimestamp) + minutes(30)
    const done = one(rule, view({ trades, lock: locked({ _tag: "Until", at: until }, until, "lossCooldown") }))
    expect(done.verdict.actions).toEqual([])
    expect(done.memory).toMatchObject({ acted: [`lossCooldown:${trades[2]!.id}`] })
    expect(one(rule, view({ trades, positions: [position(MNQ, 1, 1, 1)] }), done.memory).verdict.actions).toEqual([])
    expect(one(rule, view({ trades: [...trades, lossAt(1)], positions: [position(MNQ, 1, 1, 1)] }), done.memory).verdict.figure).toBe(4)
    expect(one(rule, view({ trades: [...trades, lossAt(1)] }), done.memory).verdict.actions).toHaveLength(1)
    expect(one(rule, view()).verdict).toMatchObject({ figure: 0, breached: false })
  })
})

describe("consistency: best day's profit / total profit, report only", () => {
  const rule = { consistency: { maxBestDayShare: 0.5 } }
  it("over the share: breached, never an action", () => {
    const r = one(rule, view({ trades: [trade({ pnl: 600 })] }), { days: { "2026-11-30T23:00:00.000Z": 400 }, day: view().dayStart })
    expect(r.verdict).toMatchObject({ figure: 0.6, limit: 0.5, breached: true, actions: [] })
    expect(r.verdict.reason).toBe("best day 600.00 is 60.0% of the total profit 1000.00 (> 50.0%)")
    expect(one(rule, view({ trades: [trade({ pnl: 500 })] }), { days: { "2026-11-30T23:00:00.000Z": 500 } }).verdict.breached).toBe(false)
  })

  it("no profit yet: nothing to compare", () => {
    expect(one(rule, view({ balance: undefined })).verdict).toMatchObject({ figure: undefined, figures: { days: {} } })
    expect(one(rule, view({ trades: [trade({ pnl: -100 })] })).verdict).toMatchObject({ figure: undefined, breached: false, reason: "no total profit yet (total -100.00)" })
  })

  it("each day's realized result is remembered across the boundary", () => {
    const m = Rules.evaluate(risk(), rules(rule), view({ trades: [trade({ pnl: 300, fees: 1 })] }), undefined).memory
    const next = view({ now: view().nextDayStart + 1000, dayStart: view().nextDayStart, nextDayStart: view().nextDayStart + minutes(1440), trades: [trade({ at: view().nextDayStart + 10, pnl: 100 })] })
    const e = Rules.evaluate(risk(), rules(rule), next, JSON.parse(JSON.stringify(m)))
    expect(e.verdicts[0]).toMatchObject({ figure: 0.749373, breached: true }) // 299 / (299 + 100)
  })
})
