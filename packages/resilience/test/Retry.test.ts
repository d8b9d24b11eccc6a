import { assert, describe, it } from "@effect/vitest"
import { Endpoints, ErrorCodes, Errors } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import { ResilienceConfig } from "../src/Config.js"
import type * as ErrorPolicy from "../src/ErrorPolicy.js"
import { CircuitOpen, QueueOverflow } from "../src/Errors.js"
import * as Retry from "../src/Retry.js"

const retries = ResilienceConfig.make().errorHandling.retries
const read = Endpoints.positionSearchOpen as Endpoints.AnyEndpoint
const place = Endpoints.orderPlace as Endpoints.AnyEndpoint
const cancel = Endpoints.orderCancel as Endpoints.AnyEndpoint
const ms = (d: Duration.Duration) => Duration.toMillis(d)

/** A call that fails with `errors[i]` on attempt i (the last one repeats), recording the clock at each attempt. */
const failing = (errors: ReadonlyArray<ErrorPolicy.Failure>, succeedAfter = Infinity) => {
  const times: Array<number> = []
  const effect = Effect.gen(function*() {
    times.push(yield* Clock.currentTimeMillis)
    const i = times.length - 1
    if (i >= succeedAfter) return "ok"
    return yield* Effect.fail(errors[Math.min(i, errors.length - 1)]!)
  })
  return { effect, times }
}

/** Runs `effect` to the end under TestClock (advancing up to `horizon`). */
const runUnderTestClock = <A, E>(effect: Effect.Effect<A, E>, horizon: Duration.DurationInput = "10 minutes") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(horizon)
    return yield* Fiber.await(fiber)
  })

const gaps = (times: ReadonlyArray<number>) => times.slice(1).map((t, i) => t - times[i]!)
const server500 = (e: Endpoints.AnyEndpoint) => new Errors.ServerError({ endpoint: e.name, status: 500 })

describe("Retry.retryDelay", () => {
  it("is 1 s, 2 s, 4 s, 8 s ... from backoffBase × backoffMultiplier^n without jitter", () => {
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6].map((n) => ms(Retry.retryDelay(n, retries))), [1000, 2000, 4000, 8000, 16000, 32000])
  })

  it("is capped at maxBackoffMs (60 s), jitter included", () => {
    for (const random of [0, 0.5, 0.9999]) {
      assert.strictEqual(ms(Retry.retryDelay(7, retries, undefined, 0.9999)), 60000)
      assert.isAtMost(ms(Retry.retryDelay(20, retries, undefined, random)), 60000)
    }
    assert.strictEqual(ms(Retry.retryDelay(1000, retries)), 60000)
  })

  it("stays within ±10 % jitter of the nominal delay", () => {
    for (let n = 1; n <= 5; n++) {
      const nominal = 1000 * 2 ** (n - 1)
      assert.strictEqual(ms(Retry.retryDelay(n, retries, undefined, 0)), nominal * 0.9)
      assert.isAtMost(ms(Retry.retryDelay(n, retries, undefined, 0.9999)), nominal * 1.1)
    }
  })

  it("waits at least Retry-After, even beyond the cap", () => {
    assert.strictEqual(ms(Retry.retryDelay(1, retries, "30 seconds")), 30000)
    assert.strictEqual(ms(Retry.retryDelay(3, retries, "500 millis")), 4000)
    assert.strictEqual(ms(Retry.retryDelay(1, retries, "2 minutes")), 120000)
  })
})

describe("Retry.isRetryable", () => {
  it("retries a read's transient and rate-limited failures only", () => {
    assert.isTrue(Retry.isRetryable(server500(read), read))
    assert.isTrue(Retry.isRetryable(new Errors.RateLimited({ endpoint: read.name }), read))
    assert.isFalse(Retry.isRetryable(new Errors.UnexpectedStatus({ endpoint: read.name, status: 404 }), read))
    assert.isFalse(Retry.isRetryable(new Errors.Unauthorized({ endpoint: read.name }), read))
  })

  it("retries a mutation only after a failure that proves it was not applied", () => {
    assert.isTrue(Retry.isRetryable(new Errors.RateLimited({ endpoint: place.name }), place))
    assert.isTrue(Retry.isRetryable(new QueueOverflow({ endpoint: place.name, queueSize: 1 }), place))
    const pending = new Errors.Rejected({ endpoint: cancel.name, errorCode: ErrorCodes.CancelOrder.Pending, errorName: "Pending" })
    assert.isTrue(Retry.isRetryable(pending, cancel))
    assert.isFalse(Retry.isRetryable(server500(place), place))
    assert.isFalse(Retry.isRetryable(new Errors.OutcomeUnknown({ endpoint: place.name, reason: "Timeout", request: {} }), place))
  })

  it("never retries CircuitOpen (the caller decides)", () => {
    assert.isFalse(Retry.isRetryable(new CircuitOpen({ group: "reads", endpoint: read.name, halfOpensAt: 0 }), read))
  })
})

describe("Retry.retrySchedule under TestClock", () => {
  it.effect("retries a 500 at exactly 1 s, 2 s, 4 s, 8 s (no jitter) and stops after maxAttempts = 5", () =>
    Effect.gen(function*() {
      const call = failing([server500(read)])
      const exit = yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(retries, read)))
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(call.times, [0, 1000, 3000, 7000, 15000])
      assert.deepStrictEqual(gaps(call.times), [1000, 2000, 4000, 8000])
    }).pipe(Effect.withRandom(Random.fixed([0.5]))))

  it.effect("with real jitter, every gap stays within ±10 % of 1 s, 2 s, 4 s, 8 s", () =>
    Effect.gen(function*() {
      for (let run = 0; run < 5; run++) {
        const call = failing([server500(read)])
        yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(retries, read)))
        const g = gaps(call.times)
        assert.strictEqual(g.length, 4)
        g.forEach((gap, i) => {
          assert.isAtLeast(gap, 1000 * 2 ** i * 0.9)
          assert.isAtMost(gap, 1000 * 2 ** i * 1.1)
        })
      }
    }))

  it.effect("caps the delay at maxBackoffMs when there are many attempts", () =>
    Effect.gen(function*() {
      const many = { ...retries, maxAttempts: 10 }
      const call = failing([server500(read)])
      yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(many, read)), "30 minutes")
      assert.deepStrictEqual(gaps(call.times), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000])
    }).pipe(Effect.withRandom(Random.fixed([0.5]))))

  it.effect("enforces maxAttempts: 3 means 3 attempts, 1 means no retry", () =>
    Effect.gen(function*() {
      const three = failing([server500(read)])
      yield* runUnderTestClock(Effect.retry(three.effect, Retry.retrySchedule({ ...retries, maxAttempts: 3 }, read)))
      assert.strictEqual(three.times.length, 3)
      const one = failing([server500(read)])
      yield* runUnderTestClock(Retry.withRetry(one.effect, read, { ...retries, maxAttempts: 1 }))
      assert.strictEqual(one.times.length, 1)
    }))

  it.effect("honours Retry-After of a 429 (10 s instead of 1 s), then succeeds", () =>
    Effect.gen(function*() {
      const limited = new Errors.RateLimited({ endpoint: read.name, retryAfter: Duration.seconds(10) })
      const call = failing([limited], 1)
      const exit = yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(retries, read)))
      assert.deepStrictEqual(exit, Exit.succeed("ok"))
      assert.deepStrictEqual(call.times, [0, 10000])
    }).pipe(Effect.withRandom(Random.fixed([0.5]))))

  it.effect("does not retry permanent failures: one attempt each", () =>
    Effect.gen(function*() {
      const permanent: Array<ErrorPolicy.Failure> = [
        new Errors.UnexpectedStatus({ endpoint: read.name, status: 404 }),
        new Errors.Rejected({ endpoint: read.name, errorCode: 1, errorName: "AccountNotFound" }),
        new Errors.InvalidRequest({ endpoint: read.name, path: "accountId", detail: "x" }),
        new Errors.DecodeError({ endpoint: read.name, path: "positions", detail: "x" })
      ]
      for (const error of permanent) {
        const call = failing([error])
        const exit = yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(retries, read)))
        assert.deepStrictEqual(exit, Exit.fail(error))
        assert.strictEqual(call.times.length, 1, error._tag)
      }
    }))

  it.effect("stops at the first non-retryable failure after transient ones", () =>
    Effect.gen(function*() {
      const notFound = new Errors.UnexpectedStatus({ endpoint: read.name, status: 404 })
      const call = failing([server500(read), server500(read), notFound])
      const exit = yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(retries, read)))
      assert.deepStrictEqual(exit, Exit.fail(notFound))
      assert.strictEqual(call.times.length, 3)
    }))

  it.effect("without an endpoint, looks the failure's endpoint up: a 500 on orderPlace is not retried", () =>
    Effect.gen(function*() {
      const call = failing([server500(place)])
      yield* runUnderTestClock(Effect.retry(call.effect, Retry.retrySchedule(retries)))
      assert.strictEqual(call.times.length, 1)
      const readCall = failing([server500(read)], 2)
      const exit = yield* runUnderTestClock(Effect.retry(readCall.effect, Retry.retrySchedule(retries)))
      assert.deepStrictEqual(exit, Exit.succeed("ok"))
    }))
})

describe("Retry.withRetry", () => {
  it.effect("runs a successful call once, without delay", () =>
    Effect.gen(function*() {
      const call = failing([], 0)
      assert.strictEqual(yield* Retry.withRetry(call.effect, read, retries), "ok")
      assert.deepStrictEqual(call.times, [0])
    }))

  it.effect("retries a read like retrySchedule: 1 s, 2 s, then success", () =>
    Effect.gen(function*() {
      const call = failing([server500(read)], 2)
      const exit = yield* runUnderTestClock(Retry.withRetry(call.effect, read, retries, { log: true }))
      assert.deepStrictEqual(exit, Exit.succeed("ok"))
      assert.deepStrictEqual(call.times, [0, 1000, 3000])
    }).pipe(Effect.withRandom(Random.fixed([0.5]))))

  it.effect("never retries a mutation after a 5xx or a timeout", () =>
    Effect.gen(function*() {
      for (const error of [server500(place), new Errors.OutcomeUnknown({ endpoint: place.name, reason: "Timeout", request: {} })]) {
        const call = failing([error])
        const exit = yield* runUnderTestClock(Retry.withRetry(call.effect, place, retries))
        assert.deepStrictEqual(exit, Exit.fail(error))
        assert.strictEqual(call.times.length, 1)
      }
    }))

  it.effect("retries a rate-limited mutation after Retry-After (a 429 was not applied)", () =>
    Effect.gen(function*() {
      const limited = new Errors.RateLimited({ endpoint: place.name, retryAfter: Duration.seconds(3) })
      const call = failing([limited], 1)
      const exit = yield* runUnderTestClock(Retry.withRetry(call.effect, place, retries))
      assert.deepStrictEqual(exit, Exit.succeed("ok"))
      assert.deepStrictEqual(call.times, [0, 3000])
    }).pipe(Effect.withRandom(Random.fixed([0.5]))))

  it.effect("retries a cancel rejected as Pending, but not one rejected as OrderNotFound", () =>
    Effect.gen(function*() {
      const pending = new Errors.Rejected({ endpoint: cancel.name, errorCode: 4, errorName: "Pending" })
      const call = failing([pending], 1)
      assert.deepStrictEqual(yield* runUnderTestClock(Retry.withRetry(call.effect, cancel, retries)), Exit.succeed("ok"))
      const notFound = new Errors.Rejected({ endpoint: cancel.name, errorCode: 2, errorName: "OrderNotFound" })
      const call2 = failing([notFound])
      yield* runUnderTestClock(Retry.withRetry(call2.effect, cancel, retries))
      assert.strictEqual(call2.times.length, 1)
    }))
})
