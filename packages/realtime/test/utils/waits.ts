/**
 * Waiting for an observable condition, the same way under TestClock and in
 * real time: a {@link Clocked} says how to let time pass. Waits are bounded
 * (a step count under TestClock, a deadline in real time) and fail with the
 * condition's label; they never assert how long anything took.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"

export interface Clocked {
  /** Lets `d` of time pass (TestClock.adjust, or a real sleep). */
  readonly pass: (d: Duration.DurationInput) => Effect.Effect<void>
  /** How many `step`s a wait may take before it fails. */
  readonly maxSteps: number
  readonly step: Duration.DurationInput
}

/** Simulated time: each step moves the TestClock (up to 10 simulated minutes). */
export const testClock: Clocked = { pass: (d) => TestClock.adjust(d), maxSteps: 1200, step: "500 millis" }

/** Real time: 10 ms polls, at most 20 s (a bound, not an assertion). */
export const realTime: Clocked = { pass: (d) => Effect.sleep(d), maxSteps: 2000, step: "10 millis" }

/** Lets every runnable fiber run without moving any clock (real macrotask turns). */
export const flush: Effect.Effect<void> = Effect.promise(() => new Promise<void>((r) => setImmediate(r))).pipe(
  Effect.repeatN(5)
)

/** Waits until `check` holds, letting time pass in steps; dies naming `label` when it never does. */
export const waitFor = <E, R>(
  clock: Clocked,
  label: string,
  check: Effect.Effect<boolean, E, R>
): Effect.Effect<void, E, R> =>
  Effect.gen(function*() {
    for (let i = 0; i <= clock.maxSteps; i++) {
      yield* flush
      if (yield* check) return
      yield* clock.pass(clock.step)
    }
    return yield* Effect.dieMessage(
      `still waiting for: ${label} (after ${clock.maxSteps} steps of ${Duration.format(Duration.decode(clock.step))})`
    )
  })
