import { assert, describe, it } from "@effect/vitest"
import { bars, bucketEnd, bucketStart } from "../../src/internal/Bars.js"
import { isMarketable, isStopReached, sweep } from "../../src/internal/Matching.js"
import { bidAt, isOnTick, midAt, roundToTick } from "../../src/internal/PricePath.js"
import { Prng } from "../../src/internal/Prng.js"

const spec = { seed: 1, underlying: "NQ", basePrice: 21_500 }

describe("price path", () => {
  it("is a pure function of seed and time, on the tick grid, near the base price", () => {
    for (let t = 0; t < 86_400_000; t += 3_600_007) {
      const p = bidAt(spec, 0.25, t)
      assert.isTrue(isOnTick(p, 0.25))
      assert.isTrue(Math.abs(p / 21_500 - 1) < 0.06)
      assert.strictEqual(p, bidAt(spec, 0.25, t))
    }
    assert.notStrictEqual(midAt(spec, 1_000), midAt({ ...spec, seed: 2 }, 1_000))
    assert.strictEqual(midAt(spec, 1_000), midAt({ ...spec, basePrice: 21_500 }, 1_000))
    assert.strictEqual(roundToTick(100.13, 0.25), 100.25)
    assert.strictEqual(roundToTick(0.30000000000000004, 0.1), 0.3)
  })

  it("the seeded generator repeats its sequence", () => {
    const a = new Prng(5), b = new Prng(5), c = new Prng(6)
    const xs = Array.from({ length: 5 }, () => a.next())
    assert.deepStrictEqual(xs, Array.from({ length: 5 }, () => b.next()))
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()))
    assert.isTrue(xs.every((x) => x >= 0 && x < 1))
  })
})

describe("matching", () => {
  const touch = { bid: 100, ask: 100.25 }
  it("a taker sweeps levels of perLevel, stopping at its limit", () => {
    assert.deepStrictEqual(sweep(0, 5, touch, 0.25, 2), [
      { price: 100.25, size: 2 },
      { price: 100.5, size: 2 },
      { price: 100.75, size: 1 }
    ])
    assert.deepStrictEqual(sweep(1, 5, touch, 0.25, 2, 99.75), [{ price: 100, size: 2 }, { price: 99.75, size: 2 }])
  })

  it("marketable limits and reached stops", () => {
    assert.isTrue(isMarketable(0, 100.25, touch))
    assert.isFalse(isMarketable(0, 100, touch))
    assert.isTrue(isMarketable(1, 100, touch))
    assert.isTrue(isStopReached(0, 100.25, touch))
    assert.isFalse(isStopReached(0, 100.5, touch))
    assert.isTrue(isStopReached(1, 100, touch))
  })
})

describe("bars", () => {
  it("buckets align in UTC: minutes, Sunday weeks, calendar months", () => {
    const t = Date.UTC(2026, 7, 19, 20, 51, 31, 417)
    assert.strictEqual(bucketStart(2, 5, t), Date.UTC(2026, 7, 19, 20, 50))
    assert.strictEqual(bucketStart(5, 1, t), Date.UTC(2026, 7, 16), "2026-08-16 is a Sunday")
    assert.strictEqual(bucketStart(6, 1, t), Date.UTC(2026, 7, 1))
    assert.strictEqual(bucketEnd(6, 1, Date.UTC(2026, 11, 1)), Date.UTC(2027, 0, 1))
    assert.strictEqual(bucketStart(6, 3, t), Date.UTC(2026, 6, 1))
  })

  it("newest first, partial bar only on request, never past now", () => {
    const now = Date.UTC(2026, 0, 1, 0, 10, 30)
    const q = {
      startMillis: Date.UTC(2026, 0, 1),
      endMillis: Date.UTC(2026, 0, 2),
      unit: 2 as const,
      unitNumber: 1,
      limit: 100,
      includePartialBar: false,
      nowMillis: now
    }
    const complete = bars(spec, 0.25, 1_000, q)
    assert.strictEqual(complete.length, 10)
    assert.strictEqual(complete[0]!.t, Date.UTC(2026, 0, 1, 0, 9))
    const partial = bars(spec, 0.25, 1_000, { ...q, includePartialBar: true })
    assert.strictEqual(partial.length, 11)
    assert.strictEqual(partial[0]!.t, Date.UTC(2026, 0, 1, 0, 10))
    assert.deepStrictEqual(partial.slice(1), complete)
    const one = bars(spec, 0.25, 1_000, { ...q, unit: 1, limit: 1 })[0]!
    assert.strictEqual(one.o, bidAt(spec, 0.25, Date.UTC(2026, 0, 1, 0, 10, 29)))
  })

  it("a bar closes at the price at its end: its last tick, a price pinned an instant ago in the partial bar", () => {
    const minute = Date.UTC(2026, 0, 1, 0, 10)
    const q = {
      startMillis: minute - 60_000,
      endMillis: minute + 60_000,
      unit: 2 as const,
      unitNumber: 1,
      limit: 2,
      includePartialBar: true,
      nowMillis: minute + 30_500
    }
    // 1-minute bars of 1-second ticks are sampled every other tick: the close is still the last tick's price.
    const [partial, complete] = bars(spec, 0.25, 1_000, q)
    assert.strictEqual(complete!.c, bidAt(spec, 0.25, minute - 1_000))
    assert.strictEqual(partial!.c, bidAt(spec, 0.25, minute + 30_000))
    // Pinned half a second after the latest tick, 100 points above anything the path reached: the close, the high.
    const pinned = Math.max(partial!.h, complete!.h) + 100
    const pins = [{ at: minute + 30_500, price: pinned }]
    const [now] = bars(spec, 0.25, 1_000, q, pins)
    assert.strictEqual(now!.c, pinned)
    assert.strictEqual(now!.h, pinned)
    assert.strictEqual(now!.o, partial!.o)
    // A pin released inside the bar: the bar shows it (its high) and closes on the path again.
    const released = bars(spec, 0.25, 1_000, { ...q, nowMillis: minute + 40_000 }, [...pins, { at: minute + 35_000, price: undefined }])[0]!
    assert.strictEqual(released.h, pinned)
    assert.strictEqual(released.c, bidAt(spec, 0.25, minute + 40_000))
  })
})
