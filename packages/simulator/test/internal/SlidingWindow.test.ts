import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { admit, retryAfterSeconds } from "../../src/internal/SlidingWindow.js"

describe("SlidingWindow.admit", () => {
  it("admits `limit` per window and says when the next one fits", () => {
    let log: ReadonlyArray<number> = []
    for (let i = 0; i < 3; i++) log = admit(log, i * 10, 3, 1_000).log
    const full = admit(log, 500, 3, 1_000)
    assert.deepStrictEqual([full.admitted, full.retryAfterMillis], [false, 500])
    assert.isTrue(admit(full.log, 1_000, 3, 1_000).admitted, "the first request left the window at 1000")
    assert.strictEqual(retryAfterSeconds(1), 1)
    assert.strictEqual(retryAfterSeconds(30_000), 30)
    assert.strictEqual(retryAfterSeconds(29_001), 30)
  })

  it("property: no window ever holds more than `limit` admitted requests, and a rejected one retried after Retry-After is admitted", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 5_000 }),
      fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 200 }),
      (limit, windowMillis, gaps) => {
        let log: ReadonlyArray<number> = []
        const admitted: Array<number> = []
        let now = 0
        for (const gap of gaps) {
          now += gap
          const r = admit(log, now, limit, windowMillis)
          log = r.log
          if (r.admitted) admitted.push(now)
          else {
            assert.isTrue(r.retryAfterMillis > 0 && r.retryAfterMillis <= windowMillis)
            assert.isTrue(admit(log, now + r.retryAfterMillis, limit, windowMillis).admitted)
          }
        }
        for (let i = 0; i + limit < admitted.length; i++) {
          assert.isTrue(admitted[i + limit]! - admitted[i]! >= windowMillis)
        }
      }
    ))
  })
})
