/**
 * The engine's cached trading day gives exactly TradingDay's bounds at every instant: across the 17:00 Chicago
 * boundary (the boundary itself belongs to the new day), over both daylight-saving changes, and when the clock goes
 * back.
 */
import { TradingDay } from "@tradeguard/realtime"
import { describe, expect, it } from "vitest"
import { cached } from "../../../src/internal/engine/tradingDay.js"

const at = (iso: string) => Date.parse(iso)
const minute = 60_000

describe("engine trading day cache", () => {
  it("gives TradingDay's bounds at every minute over the daylight-saving days, the boundary in the new day", () => {
    const config = TradingDay.defaults
    const dayOf = cached(config)
    for (const [from, to] of [
      ["2026-03-07T20:00:00Z", "2026-03-09T01:00:00Z"], // spring forward (8 March)
      ["2026-10-31T20:00:00Z", "2026-11-02T01:00:00Z"] // fall back (1 November)
    ] as const) {
      for (let now = at(from); now <= at(to); now += minute) {
        expect(dayOf(now)).toEqual({ start: TradingDay.startOf(now, config), next: TradingDay.next(now, config) })
      }
    }
    const boundary = TradingDay.next(at("2026-12-02T15:00:00Z"), config)
    expect(dayOf(boundary - 1).next).toBe(boundary)
    expect(dayOf(boundary).start).toBe(boundary)
  })

  it("follows a clock that goes back to an earlier day", () => {
    const config = TradingDay.defaults
    const dayOf = cached(config)
    const later = at("2026-12-03T15:00:00Z")
    const earlier = at("2026-12-01T15:00:00Z")
    expect(dayOf(later).start).toBe(TradingDay.startOf(later, config))
    expect(dayOf(earlier)).toEqual({ start: TradingDay.startOf(earlier, config), next: TradingDay.next(earlier, config) })
  })
})
