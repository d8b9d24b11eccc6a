/**
 * The engine's wake-up signal: a wake while nobody waits makes the next wait return at once, several collapse into
 * one, a waiting fiber is resumed by the next wake, and a waiter that is interrupted leaves nothing behind.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { Wakeup } from "../../../src/internal/engine/wakeup.js"

const settle = Effect.forEach(Array.from({ length: 5 }), () => Effect.yieldNow(), { discard: true })

describe("engine Wakeup", () => {
  it.effect("wakes coming while nobody waits collapse into one return at once", () =>
    Effect.gen(function*() {
      const w = new Wakeup()
      w.wake()
      w.wake()
      yield* w.wait
      const next = yield* Effect.fork(w.wait)
      yield* settle
      assert.isNull(next.unsafePoll(), "the two wakes were one: the second wait waits")
      w.wake()
      yield* Fiber.join(next)
    }))

  it.effect("an interrupted waiter is forgotten: the next wake is kept for the next wait", () =>
    Effect.gen(function*() {
      const w = new Wakeup()
      const gone = yield* Effect.fork(w.wait)
      yield* settle
      yield* Fiber.interrupt(gone)
      w.wake()
      const next = yield* Effect.fork(w.wait)
      yield* settle
      assert.isNotNull(next.unsafePoll(), "the wake went to the new wait, not the interrupted one")
    }))
})
