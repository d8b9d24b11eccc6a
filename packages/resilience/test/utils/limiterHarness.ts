/**
 * Helpers for RateLimiter tests: fork callers that record when they were
 * admitted (TestClock time), and let forked fibers run.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import type * as RateLimiter from "../../src/RateLimiter.js"

/** Lets every ready fiber run (forked callers reach the limiter, woken waiters continue). */
export const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
})

export interface Admission {
  readonly id: number
  readonly cls: RateLimiter.RateLimitClass
  readonly at: number
}

/** Forks `n` callers of `cls`; each pushes its admission into `log`. */
export const forkCallers = (
  limiter: RateLimiter.Service,
  log: Array<Admission>,
  n: number,
  cls: RateLimiter.RateLimitClass,
  options: RateLimiter.AcquireOptions = {},
  firstId = 0
) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => firstId + i),
    (id) =>
      limiter.acquire(cls, options).pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.tap((at) => Effect.sync(() => log.push({ id, cls, at }))),
        Effect.fork
      )
  ).pipe(Effect.tap(() => settle))

/** Advances the TestClock and lets woken fibers run. */
export const advance = (millis: number) => Effect.zipRight(TestClock.adjust(millis), settle)

/** Whether a forked caller is still waiting. */
export const isWaiting = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Effect.map(Fiber.poll(fiber), (exit) => exit._tag === "None")

/** The largest number of entries of `times` inside any half-open window of `length`. */
export const maxInWindow = (times: ReadonlyArray<number>, length: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= length) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

/** The largest number of half-open intervals `[start, end)` that share a point. */
export const maxOverlap = (intervals: ReadonlyArray<readonly [number, number]>): number => {
  const events = intervals.flatMap(([start, end]) => [[start, 1], [end, -1]] as const)
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]) // at the same time, ends before starts
  let open = 0
  let best = 0
  for (const [, delta] of events) {
    open += delta
    if (open > best) best = open
  }
  return best
}
