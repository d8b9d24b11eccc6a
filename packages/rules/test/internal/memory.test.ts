import { describe, expect, it } from "@effect/vitest"
import * as State from "../../src/internal/rules/memory.js"
import { view } from "./fixtures.js"

describe("the rules' memory", () => {
  it("equal values with keys in any order are the same; arrays and objects differ from each other", () => {
    expect(State.same({ day: 1, acted: ["a"] }, { acted: ["a"], day: 1 })).toBe(true)
    expect(State.same({ day: 1 }, { day: 2 })).toBe(false)
    expect(State.same({ day: 1 }, { day: 1, eodBalance: 2 })).toBe(false)
    expect(State.same({ days: {} } as State.State, { days: [] } as unknown as State.State)).toBe(false)
    expect(State.same({ days: { a: 1 } }, { days: { b: 1 } })).toBe(false)
  })

  it("an acted-on trigger is remembered once, the oldest forgotten beyond the bound", () => {
    const once = State.markActed({}, "x")
    expect(State.markActed(once, "x")).toBe(once)
    let s: State.State = {}
    for (let i = 0; i <= State.maxActed; i++) s = State.markActed(s, `k${i}`)
    expect(s.acted).toHaveLength(State.maxActed)
    expect(s.acted![0]).toBe("k1")
  })

  it("without a balance, no day result is recorded", () => {
    expect(State.advance({}, view({ balance: undefined }), undefined)).toEqual({ day: view().dayStart })
  })
})
