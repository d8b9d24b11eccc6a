import { describe, expect, it } from "@effect/vitest"
import { cancelEntries, closePosition, flatten } from "../src/Verdict.js"
import { MNQ, minutes, NQ, one, order, position, view } from "./internal/fixtures.js"

const t = (s: string) => Date.parse(s)
const hours = { tradingHours: { flatBy: "15:08" } } // 17:00-15:10 Chicago, Sun-Thu

describe("tradingHours", () => {
  it("in the session: nothing to do, whatever is open", () => {
    const r = one(hours, view({ now: t("2026-12-02T15:00:00Z"), positions: [position(MNQ, 1, 1, 1)], workingOrders: [order(MNQ, 0)] })).verdict
    expect(r).toMatchObject({ rule: "tradingHours", breached: false, actions: [] })
    expect(r.figures).toMatchObject({ inSession: true, close: "2026-12-02T21:10:00.000Z" })
  })

  it("at flatBy (15:08 Chicago) until the close: flatten everything, no lock", () => {
    const now = t("2026-12-02T21:08:00Z")
    const r = one(hours, view({ now, positions: [position(MNQ, 1, 1, 1)] })).verdict
    expect(r).toMatchObject({ breached: true, actions: [flatten()] })
    expect(one(hours, view({ now: now - 1, positions: [position(MNQ, 1, 1, 1)] })).verdict.breached).toBe(false)
    // Already flat: breached but nothing to do.
    expect(one(hours, view({ now })).verdict).toMatchObject({ breached: true, actions: [] })
  })

  it("outside a session: cancel entries and close the positions opened outside; a position from the session stays", () => {
    const now = t("2026-12-02T22:00:00Z") // 16:00 Chicago, between the close and the next open
    const fromSession = position(MNQ, 1, 1, 1, t("2026-12-02T20:00:00Z"))
    const opened = position(NQ, 1, 1, 1, now - minutes(5))
    const workingOrders = [order(MNQ, 1), order(NQ, 0)]
    const r = one(hours, view({ now, positions: [fromSession, opened], workingOrders })).verdict
    expect(r).toMatchObject({ breached: true, actions: [cancelEntries([NQ]), closePosition(NQ)] })
    expect(r.reason).toBe(`outside the trading sessions (America/Chicago): positions opened outside a session: ${NQ}`)
    expect(one(hours, view({ now, positions: [fromSession], workingOrders: [order(MNQ, 1)] })).verdict).toMatchObject({ breached: false, actions: [] })
  })

  it("Saturday: an entry order is cancelled", () => {
    const r = one(hours, view({ now: t("2026-12-05T18:00:00Z"), workingOrders: [order(MNQ, 0)] })).verdict
    expect(r.actions).toEqual([cancelEntries([MNQ])])
  })
})

describe("newsBlackout", () => {
  const news = { newsBlackout: { minutesBefore: 2, minutesAfter: 2, events: ["2026-12-04T13:30:00Z"] } }
  const event = t("2026-12-04T13:30:00Z")

  it("before the window: nothing; the next one is named", () => {
    const r = one(news, view({ now: event - minutes(2) - 1, positions: [position(MNQ, 1, 1, 1)] })).verdict
    expect(r).toMatchObject({ breached: false, actions: [], reason: "next blackout from 2026-12-04T13:28:00.000Z (2026-12-04T13:30:00Z)" })
  })

  it("at event - before: flatten (no lock), once per event", () => {
    const positions = [position(MNQ, 1, 1, 1, event - minutes(60))]
    const first = one(news, view({ now: event - minutes(2), positions }))
    expect(first.verdict).toMatchObject({ breached: true, actions: [flatten()] })
    // Seen flat: the flatten is remembered as done...
    const flat = one(news, view({ now: event - minutes(1) }), first.memory)
    expect(flat.memory).toMatchObject({ acted: ["newsBlackout:2026-12-04T13:30:00Z"] })
    // ...so a position held from before the window is not flattened again, but one opened in it is closed.
    const later = view({ now: event + minutes(1), positions: [...positions, position(NQ, 1, 1, 1, event)], workingOrders: [order(NQ, 0)] })
    expect(one(news, later, flat.memory).verdict.actions).toEqual([cancelEntries([NQ]), closePosition(NQ)])
  })

  it("after event + after: nothing", () => {
    const r = one(news, view({ now: event + minutes(2), positions: [position(MNQ, 1, 1, 1, event)] })).verdict
    expect(r).toMatchObject({ breached: false, actions: [], reason: "no news event ahead" })
  })
})
