import { assert, describe, it } from "@effect/vitest"
import * as P from "../src/internal/periodic.js"

const I = 300_000

describe("periodic schedule", () => {
  it("spreads many accounts: a few per tick, one tick per batch × interval / accounts", () => {
    assert.deepStrictEqual(P.plan(50, I, 5000), { tickMs: 30_000, batch: 5 })
    assert.deepStrictEqual(P.plan(3, I, 5000), { tickMs: 150_000, batch: 3 }, "at most half the interval")
  })

  it("never more than one run in `batch` slots of minInterval, whatever the account count", () => {
    assert.deepStrictEqual(P.plan(1000, I, 5000), { tickMs: 25_000, batch: 5 })
    assert.deepStrictEqual(P.plan(1000, I, 0), { tickMs: 1500, batch: 5 })
    assert.deepStrictEqual(P.plan(10_000, I, 0), { tickMs: 1000, batch: 5 })
  })

  it("no account known yet: look again after minInterval", () => {
    assert.deepStrictEqual(P.plan(0, I, 5000), { tickMs: 5000, batch: 1 })
  })

  it("a tick takes the oldest batch when any account would come due late, never-reconciled ones first", () => {
    const ids = Array.from({ length: 10 }, (_, i) => i + 1)
    const p = P.plan(10, I, 5000) // 5 per 150 s
    const synced = new Map(ids.map((id) => [id, id === 7 ? 1000 : 0]))
    synced.delete(9)
    assert.deepStrictEqual(P.due(ids, synced, 1000, I, p), [9, 1, 2, 3, 4], "the second half would be late: start now")
    const fresh = new Map(ids.map((id) => [id, 0]))
    assert.deepStrictEqual(P.due([1, 2, 3], fresh, 150_000, I, P.plan(3, I, 5000)), [], "fresh enough")
    assert.deepStrictEqual(P.due([1, 2, 3], fresh, 150_001, I, P.plan(3, I, 5000)), [1, 2, 3])
  })
})
