import { assert, describe, it } from "@effect/vitest"
import * as SW from "../src/internal/slidingWindow.js"

describe("slidingWindow (pure)", () => {
  it("admits `limit` at once, then the next slot is the oldest admission + length", () => {
    const w = SW.make(3, 1_000)
    for (const t of [0, 100, 200]) {
      assert.isTrue(SW.canAdmit(w, t))
      SW.record(w, t)
    }
    assert.isFalse(SW.canAdmit(w, 999))
    assert.strictEqual(SW.nextFree(w, 500), 1_000)
    assert.isTrue(SW.canAdmit(w, 1_000))
    SW.record(w, 1_000)
    assert.strictEqual(SW.nextFree(w, 1_000), 1_100)
    assert.strictEqual(SW.usage(w, 1_000), 3)
  })

  it("the ring grows on demand up to the limit and forgets what left the window", () => {
    const w = SW.make(1_000_000, 1_000)
    assert.strictEqual(w.times.length, 64)
    for (let t = 0; t < 500; t++) SW.record(w, t)
    assert.strictEqual(w.times.length, 512)
    for (let t = 500; t < 5_000; t++) SW.record(w, t)
    assert.strictEqual(w.count, 1_000) // only the last second is kept
    assert.strictEqual(w.times.length, 1_024)
    assert.strictEqual(SW.usage(w, 4_999), 1_000)
  })

  it("a clock that goes backwards never lets more than `limit` in", () => {
    const w = SW.make(2, 1_000)
    SW.record(w, 5_000)
    SW.record(w, 5_000)
    // the clock jumps back 10 s: the recorded times stay monotonic, the window stays full
    assert.isFalse(SW.canAdmit(w, 4_000))
    SW.record(w, 4_000)
    assert.strictEqual(w.last, 5_000)
  })

  it("a pause holds admissions until it ends and never shortens an earlier one", () => {
    const w = SW.make(10, 1_000)
    SW.pause(w, 3_000)
    SW.pause(w, 2_000)
    assert.isFalse(SW.canAdmit(w, 2_999))
    assert.strictEqual(SW.nextFree(w, 0), 3_000)
    assert.isTrue(SW.canAdmit(w, 3_000))
  })
})
