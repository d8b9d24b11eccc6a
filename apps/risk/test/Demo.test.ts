import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Demo from "../src/Demo.js"
import { captured } from "./utils/console.js"

/** Runs the in-process demo to its end under TestClock. */
const runDemo = (seed: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(captured(Demo.runInProcess({ seed })))
    for (let i = 0; i < 2000 && Option.isNone(yield* Fiber.poll(fiber)); i++) {
      yield* TestClock.adjust("100 millis")
    }
    return yield* Fiber.join(fiber)
  })

describe("Demo", () => {
  it.effect("the eight steps run in-process and the cached picture ends equal to the simulator's", () =>
    Effect.gen(function*() {
      const [, { out }] = yield* runDemo(7)
      const text = out.join("\n")
      for (let n = 1; n <= 8; n++) assert.include(text, `== ${n}. `)
      assert.include(text, "no plaintext token in the file")
      assert.match(text, /order \d+ in the cached state after reconciliation: yes/)
      assert.include(text, "served from cache (stale)")
      assert.match(text, /found 1 order\(s\) with customTag demo-exit-1/)
      assert.include(text, "429s seen: 0")
      assert.include(text, "state matches the ground truth")
      assert.include(text, "demo finished")
    }))
})
