import { assert, describe, it } from "@effect/vitest"
import { Errors } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import type { Verification } from "../../src/OrderConfig.js"
import type { Answer } from "../../src/internal/calls.js"
import * as Verified from "../../src/internal/verified.js"

type Outcome =
  | { readonly _tag: "Done"; readonly already: boolean }
  | { readonly _tag: "Rejected"; readonly errorCode: number; readonly message?: string | undefined }
  | { readonly _tag: "Failed"; readonly reason: string }
  | { readonly _tag: "Verifying"; readonly reason: string }

const config: Verification = { enabled: true, timeout: 5000, maxRetries: 2 }
const done: Outcome = { _tag: "Done", already: false }

const ok: Answer<unknown> = { _tag: "Ok", value: undefined }
const unknown: Answer<unknown> = { _tag: "Unknown", reason: "reply dropped" }
const refused: Answer<unknown> = { _tag: "Refused", errorCode: 5, message: "not working" }
const notSent: Answer<unknown> = { _tag: "NotSent", reason: "circuit open" }

const isDone: Verified.Check<Outcome> = { _tag: "Done", outcome: done }
const notApplied: Verified.Check<Outcome> = { _tag: "NotApplied" }
const inProgress: Verified.Check<Outcome> = { _tag: "InProgress" }
const lookupFails = "fails" as const

/**
 * A fake operation: `send` answers the next of `answers` (the last one repeats), `check` the next of
 * `checks`; it counts sends, checks and alerts and keeps the background loop to run it by hand.
 */
const fake = (
  answers: ReadonlyArray<Answer<unknown>>,
  checks: ReadonlyArray<Verified.Check<Outcome> | typeof lookupFails>,
  options: { readonly already?: boolean; readonly config?: Verification } = {}
) => {
  const counts = { sends: 0, checks: 0, alerts: [] as Array<string> }
  let background: Effect.Effect<void> | undefined
  const next = <A>(xs: ReadonlyArray<A>, i: number): A => xs[Math.min(i, xs.length - 1)]!
  const op: Verified.Operation<Outcome> = {
    name: "cancel of order 7",
    send: Effect.sync(() => next(answers, counts.sends++)),
    check: Effect.suspend(() => {
      const c = next(checks, counts.checks++)
      return c === lookupFails ? Effect.fail("lookup failed") : Effect.succeed(c)
    }),
    ok: done,
    ...(options.already === false ? {} : { already: (a: Outcome) => (a._tag === "Done" ? { ...a, already: true } : a) }),
    refused: (errorCode, message) => ({ _tag: "Rejected", errorCode, message }),
    notSent: (reason) => ({ _tag: "Failed", reason }),
    verifying: (reason) => ({ _tag: "Verifying", reason }),
    unverified: (reason) => new Errors.OutcomeUnknown({ endpoint: "orderCancel", reason, request: { orderId: 7 } })
  }
  const shell: Verified.Shell = {
    alert: (message) => Effect.sync(() => void counts.alerts.push(message)),
    background: (effect) => Effect.sync(() => void (background = effect))
  }
  return {
    counts,
    run: Verified.run(op, options.config ?? config, shell),
    background: () => background
  }
}

describe("verified operations (cancel / modify / close)", () => {
  it.effect("an Ok answer is done at once: one send, no lookup", () =>
    Effect.gen(function*() {
      const f = fake([ok], [isDone])
      assert.deepStrictEqual(yield* f.run, done)
      assert.deepStrictEqual({ sends: f.counts.sends, checks: f.counts.checks }, { sends: 1, checks: 0 })
    }))

  it.effect("a request not sent (circuit open) is Failed with the reason, never looked up", () =>
    Effect.gen(function*() {
      const f = fake([notSent], [isDone])
      assert.deepStrictEqual(yield* f.run, { _tag: "Failed", reason: "circuit open" })
      assert.strictEqual(f.counts.checks, 0)
    }))

  it.effect("a refusal whose lookup shows the state reached is Done with already: true", () =>
    Effect.gen(function*() {
      const f = fake([refused], [isDone])
      assert.deepStrictEqual(yield* f.run, { _tag: "Done", already: true })
    }))

  it.effect("a refusal whose lookup shows the state reached, without an `already`, answers the lookup's outcome", () =>
    Effect.gen(function*() {
      const f = fake([refused], [isDone], { already: false })
      assert.deepStrictEqual(yield* f.run, done)
    }))

  it.effect("a refusal whose lookup fails or shows nothing done is Rejected with the gateway's code, not resent", () =>
    Effect.gen(function*() {
      for (const check of [lookupFails, notApplied] as const) {
        const f = fake([refused], [check])
        assert.deepStrictEqual(yield* f.run, { _tag: "Rejected", errorCode: 5, message: "not working" })
        assert.strictEqual(f.counts.sends, 1)
      }
    }))

  it.effect("an unknown answer proven not applied is sent again; its Ok is Done (two sends)", () =>
    Effect.gen(function*() {
      const f = fake([unknown, ok], [notApplied])
      assert.deepStrictEqual(yield* f.run, done)
      assert.deepStrictEqual({ sends: f.counts.sends, checks: f.counts.checks }, { sends: 2, checks: 1 })
    }))

  it.effect("an unknown answer already applied is Done without a second send", () =>
    Effect.gen(function*() {
      const f = fake([unknown], [isDone])
      assert.deepStrictEqual(yield* f.run, done)
      assert.strictEqual(f.counts.sends, 1)
    }))

  it.effect("a resend whose answer is unknown again is looked up in the next round", () =>
    Effect.gen(function*() {
      const f = fake([unknown, unknown], [notApplied, isDone])
      assert.deepStrictEqual(yield* f.run, done)
      assert.deepStrictEqual({ sends: f.counts.sends, checks: f.counts.checks }, { sends: 2, checks: 2 })
    }))

  it.effect("in progress on the gateway: waits, never resends; after maxRetries + 1 rounds Verifying with one alert", () =>
    Effect.gen(function*() {
      const f = fake([unknown], [inProgress])
      const outcome = yield* f.run
      assert.strictEqual(outcome._tag, "Verifying")
      assert.include((outcome as { readonly reason: string }).reason, "in progress")
      assert.deepStrictEqual({ sends: f.counts.sends, checks: f.counts.checks }, { sends: 1, checks: 3 })
      assert.strictEqual(f.counts.alerts.length, 1)
      assert.include(f.counts.alerts[0]!, "after 3 verification round(s)")
    }))

  it.effect("Verifying: the background loop re-checks every timeout and resends once the lookup proves it not applied", () =>
    Effect.gen(function*() {
      // 3 rounds fail, then the background: fails, not applied (resend Ok)
      const f = fake([unknown, ok], [lookupFails, lookupFails, lookupFails, lookupFails, notApplied])
      assert.strictEqual((yield* f.run)._tag, "Verifying")
      assert.strictEqual(f.counts.checks, 3)
      const loop = yield* Effect.fork(f.background()!)
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual(f.counts.checks, 3)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(f.counts.checks, 4)
      assert.strictEqual(f.counts.sends, 1)
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(loop)
      assert.deepStrictEqual({ sends: f.counts.sends, checks: f.counts.checks }, { sends: 2, checks: 5 })
    }))

  it.effect("the background loop ends when the lookup finds the operation done", () =>
    Effect.gen(function*() {
      const f = fake([unknown], [lookupFails, lookupFails, lookupFails, isDone])
      assert.strictEqual((yield* f.run)._tag, "Verifying")
      const loop = yield* Effect.fork(f.background()!)
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(loop)
      assert.deepStrictEqual({ sends: f.counts.sends, checks: f.counts.checks }, { sends: 1, checks: 4 })
    }))

  it.effect("with verification disabled an unknown answer fails with OutcomeUnknown, nothing looked up", () =>
    Effect.gen(function*() {
      const f = fake([unknown], [isDone], { config: { ...config, enabled: false } })
      const error = yield* Effect.flip(f.run)
      assert.deepStrictEqual({ tag: error._tag, reason: error.reason }, { tag: "OutcomeUnknown", reason: "reply dropped" })
      assert.strictEqual(f.counts.checks, 0)
    }))

  it.effect("with verification disabled a clear answer is still read (Ok is Done)", () =>
    Effect.gen(function*() {
      const f = fake([ok], [], { config: { ...config, enabled: false } })
      assert.deepStrictEqual(yield* f.run, done)
    }))
})
