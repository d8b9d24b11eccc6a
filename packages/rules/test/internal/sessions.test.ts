import { describe, expect, it } from "@effect/vitest"
import { inFlatBy, sessionAt } from "../../src/internal/sessions.js"

const cme = { timeZone: "America/Chicago", open: "17:00", close: "15:10", days: ["Sun", "Mon", "Tue", "Wed", "Thu"], flatBy: "15:08" }
const t = (s: string) => Date.parse(s)

describe("sessions", () => {
  it("a session opens at 17:00 Chicago on a listed day and closes at 15:10 the next calendar day", () => {
    // Wednesday 2026-12-02 09:00 CST: in the session that opened Tuesday 17:00 CST (23:00Z).
    const s = sessionAt(t("2026-12-02T15:00:00Z"), cme)!
    expect(new Date(s.open).toISOString()).toBe("2026-12-01T23:00:00.000Z")
    expect(new Date(s.close).toISOString()).toBe("2026-12-02T21:10:00.000Z")
    expect(new Date(s.flatBy!).toISOString()).toBe("2026-12-02T21:08:00.000Z")
  })

  it("the close is exclusive, the open inclusive", () => {
    expect(sessionAt(t("2026-12-02T21:10:00Z"), cme)).toBeUndefined()
    expect(sessionAt(t("2026-12-02T21:09:59.999Z"), cme)).toBeDefined()
    expect(sessionAt(t("2026-12-02T23:00:00Z"), cme)?.open).toBe(t("2026-12-02T23:00:00Z"))
    expect(sessionAt(t("2026-12-02T22:59:59.999Z"), cme)).toBeUndefined()
  })

  it("no session opens on Friday or Saturday: Saturday is closed, Sunday 17:00 opens", () => {
    expect(sessionAt(t("2026-12-04T20:00:00Z"), cme)).toBeDefined() // Friday 14:00 CST: Thursday's session
    expect(sessionAt(t("2026-12-05T18:00:00Z"), cme)).toBeUndefined() // Saturday noon
    expect(sessionAt(t("2026-12-06T23:00:00Z"), cme)).toBeDefined() // Sunday 17:00 CST
  })

  it("DST: on 2026-03-08 (spring forward) the Sunday session opens at 17:00 CDT = 22:00Z", () => {
    expect(sessionAt(t("2026-03-08T22:00:00Z"), cme)?.open).toBe(t("2026-03-08T22:00:00Z"))
    expect(sessionAt(t("2026-03-08T21:59:00Z"), cme)).toBeUndefined()
  })

  it("DST: on 2026-11-01 (fall back) the Sunday session opens at 17:00 CST = 23:00Z", () => {
    expect(sessionAt(t("2026-11-01T23:00:00Z"), cme)?.open).toBe(t("2026-11-01T23:00:00Z"))
    expect(sessionAt(t("2026-11-01T22:30:00Z"), cme)).toBeUndefined()
    // The Friday before (CDT): Thursday's session closes 15:10 CDT = 20:10Z.
    expect(sessionAt(t("2026-10-30T20:09:00Z"), cme)).toBeDefined()
    expect(sessionAt(t("2026-10-30T20:10:00Z"), cme)).toBeUndefined()
  })

  it("a same-day session (close after open) and a time zone other than Chicago", () => {
    const rth = { timeZone: "America/New_York", open: "09:30", close: "16:00", days: ["Mon", "Tue", "Wed", "Thu", "Fri"] }
    const s = sessionAt(t("2026-12-02T15:00:00Z"), rth)!
    expect(s.open).toBe(t("2026-12-02T14:30:00Z"))
    expect(s.close).toBe(t("2026-12-02T21:00:00Z"))
    expect(s.flatBy).toBeUndefined()
    expect(inFlatBy(s, s.close - 1)).toBe(false)
    expect(sessionAt(t("2026-12-02T14:29:00Z"), rth)).toBeUndefined()
  })

  it("flatBy: from flatBy (inclusive) until the close", () => {
    const s = sessionAt(t("2026-12-02T21:00:00Z"), cme)!
    expect(inFlatBy(s, t("2026-12-02T21:07:59Z"))).toBe(false)
    expect(inFlatBy(s, t("2026-12-02T21:08:00Z"))).toBe(true)
    expect(inFlatBy(s, t("2026-12-02T21:10:00Z"))).toBe(false)
  })
})

describe("sessions: the per-minute cache", () => {
  it("many distinct minutes give the same answers as ever (the cache is bounded)", () => {
    const start = t("2026-12-02T00:00:00Z")
    for (let i = 0; i < 1030; i++) sessionAt(start + i * 60_000, cme)
    expect(sessionAt(t("2026-12-02T15:00:30Z"), cme)?.open).toBe(t("2026-12-01T23:00:00Z"))
    expect(sessionAt(t("2026-12-02T22:00:00Z"), cme)).toBeUndefined()
  })
})
