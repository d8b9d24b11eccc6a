import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { Latest } from "../src/internal/latest.js"

describe("Latest (conflating cell)", () => {
  it.effect("take returns the newest value set, once", () =>
    Effect.gen(function*() {
      const l = new Latest<number>({ value: 0 })
      l.set(1)
      l.set(2)
      assert.strictEqual(yield* l.take, 2)
      const waiting = yield* Effect.fork(l.take)
      yield* Effect.yieldNow()
      assert.isNull(yield* Fiber.poll(waiting).pipe(Effect.map((o) => (o._tag === "None" ? null : o))))
      l.set(3)
      assert.strictEqual(yield* Fiber.join(waiting), 3)
    }))

  it.effect("waiters are served first come, first served; an interrupted one is forgotten", () =>
    Effect.gen(function*() {
      const l = new Latest<string>()
      const a = yield* Effect.fork(l.take)
      const b = yield* Effect.fork(l.take)
      const c = yield* Effect.fork(l.take)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(b)
      l.set("x")
      l.set("y")
      assert.strictEqual(yield* Fiber.join(a), "x")
      assert.strictEqual(yield* Fiber.join(c), "y")
    }))

  it.effect("close interrupts the waiting and later takers and ignores later values", () =>
    Effect.gen(function*() {
      const l = new Latest<number>()
      const waiting = yield* Effect.fork(l.take)
      yield* Effect.yieldNow()
      l.close()
      l.set(1)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(waiting)))
      assert.isTrue(Exit.isInterrupted(yield* Effect.exit(l.take)))
    }))
})
