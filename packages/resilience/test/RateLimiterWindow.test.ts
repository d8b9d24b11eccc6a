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

  it("an in-flight call holds its slot however old it is: nothing frees until it completes", () => {
    const w = SW.make(2, 1_000)
    SW.take(w) // in flight from t = 0
    SW.record(w, 0)
    assert.isFalse(SW.canAdmit(w, 999))
    assert.strictEqual(SW.nextFree(w, 500), 1_000) // the recorded one leaves at 1 s, the in-flight one stays
    assert.isTrue(SW.canAdmit(w, 1_000))
    SW.take(w)
    assert.isFalse(SW.canAdmit(w, 1_000_000))
    assert.strictEqual(SW.nextFree(w, 2_000), Number.POSITIVE_INFINITY) // both in flight: only a completion helps
    assert.strictEqual(SW.usage(w, 5_000), 2)
    SW.complete(w, 5_000)
    assert.strictEqual(SW.nextFree(w, 5_000), 6_000)
  })

  it("a completed call counts from its completion, not its admission", () => {
    const w = SW.make(1, 1_000)
    SW.take(w) // admitted at 0
    SW.complete(w, 1_500) // reply at 1.5 s: the gateway counted it at most then
    assert.isFalse(SW.canAdmit(w, 1_000)) // admission + window: still inside the gateway's window
    assert.isFalse(SW.canAdmit(w, 2_499))
    assert.strictEqual(SW.nextFree(w, 1_500), 2_500)
    assert.isTrue(SW.canAdmit(w, 2_500))
  })

  it("completions in another order than admissions: the slot of whichever call is still live blocks", () => {
    const w = SW.make(3, 1_000)
    for (let i = 0; i < 3; i++) SW.take(w) // a, b, c admitted at 0
    SW.complete(w, 100) // c replies first
    SW.complete(w, 900) // then a
    assert.isFalse(SW.canAdmit(w, 1_099)) // b in flight, c and a inside the window
    assert.isTrue(SW.canAdmit(w, 1_100)) // c left: 2 live (b, a)
    SW.take(w) // d
    assert.isFalse(SW.canAdmit(w, 1_899))
    assert.strictEqual(SW.nextFree(w, 1_100), 1_900) // a leaves at 1.9 s
    assert.isTrue(SW.canAdmit(w, 1_900))
    SW.complete(w, 5_000) // b, very late
    SW.complete(w, 5_000) // d
    assert.isTrue(SW.canAdmit(w, 5_000)) // a and c long gone: 2 live
    SW.take(w)
    assert.isFalse(SW.canAdmit(w, 5_999))
    assert.isTrue(SW.canAdmit(w, 6_000))
  })

  it("an old call that is still in flight counts once, not as the whole window", () => {
    // one slow call must not stall the class: only `limit` live calls block
    const w = SW.make(3, 1_000)
    SW.take(w) // slow, never completes here
    for (let t = 0; t < 10_000; t += 500) {
      assert.isTrue(SW.canAdmit(w, t), `at ${t}`)
      SW.take(w)
      SW.complete(w, t)
    }
    assert.strictEqual(SW.usage(w, 10_000), 2) // the slow one + the completion at 9.5 s
  })

  it("a cancelled call (never sent) frees its slot at once", () => {
    const w = SW.make(1, 1_000)
    SW.take(w)
    assert.isFalse(SW.canAdmit(w, 0))
    SW.cancel(w)
    assert.isTrue(SW.canAdmit(w, 0))
    assert.strictEqual(SW.usage(w, 0), 0)
  })
})
