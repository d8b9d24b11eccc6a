import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Runtime from "effect/Runtime"
import * as TestClock from "effect/TestClock"
import { ResilienceConfig } from "../src/Config.js"
import { QueueOverflow } from "../src/Errors.js"
import * as RateLimiter from "../src/RateLimiter.js"
import { makeCore } from "../src/internal/limiterCore.js"
import { type Admission, advance, forkCallers, isWaiting, maxInWindow, maxOverlap, settle } from "./utils/limiterHarness.js"

const small = (options: RateLimiter.Options = {}) =>
  RateLimiter.layerWith({
    history: { requests: 5, windowSeconds: 30 },
    general: { requests: 10, windowSeconds: 60 },
    queueSize: 100,
    ...options
  })

const times = (log: ReadonlyArray<Admission>) => log.map((a) => a.at)

describe("RateLimiter", () => {
  it.effect("admits 50 history calls at once and holds the 51st until the first leaves the 30 s window", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 51, "history")
      assert.strictEqual(log.length, 50)
      yield* advance(29_999)
      assert.strictEqual(log.length, 50)
      yield* advance(1)
      assert.strictEqual(log.length, 51)
      assert.strictEqual(log[50].at, 30_000)
    }).pipe(Effect.provide(RateLimiter.layer), Effect.provide(ResilienceConfig.layer())))

  it.effect("slides: slots come back one by one as their admissions age out, not all at a bucket edge", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 3, "history")
      yield* advance(10_000)
      yield* forkCallers(limiter, log, 2, "history", {}, 3)
      yield* forkCallers(limiter, log, 4, "history", {}, 5) // window full: 5 in 30 s
      assert.strictEqual(log.length, 5)
      yield* advance(20_000) // t = 30 s: the three from t = 0 leave
      assert.deepStrictEqual(times(log).slice(5), [30_000, 30_000, 30_000])
      yield* advance(10_000) // t = 40 s: the two from t = 10 s leave
      assert.deepStrictEqual(times(log).slice(8), [40_000])
      assert.isAtMost(maxInWindow(times(log), 30_000), 5)
    }).pipe(Effect.provide(small())))

  it.effect("waiters are admitted in arrival order", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 10, "general")
      for (let i = 0; i < 5; i++) yield* forkCallers(limiter, log, 1, "general", {}, 10 + i)
      yield* advance(60_000)
      assert.deepStrictEqual(log.slice(10).map((a) => a.id), [10, 11, 12, 13, 14])
    }).pipe(Effect.provide(small())))

  it.effect("a full line with dropOldest fails the oldest waiter with QueueOverflow and keeps the newcomer", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      yield* forkCallers(limiter, [], 10, "general")
      const first = yield* Effect.fork(limiter.acquire("general", { endpoint: "orderSearch" }))
      const second = yield* Effect.fork(limiter.acquire("general"))
      yield* settle
      const third = yield* Effect.fork(limiter.acquire("general"))
      yield* settle
      const error = yield* Effect.flip(Fiber.join(first))
      assert.instanceOf(error, QueueOverflow)
      assert.deepStrictEqual([error.endpoint, error.queueSize], ["orderSearch", 2])
      assert.isTrue(yield* isWaiting(second))
      assert.isTrue(yield* isWaiting(third))
      assert.strictEqual((yield* limiter.stats).dropped, 1)
    }).pipe(Effect.provide(small({ queueSize: 2, dropOldest: true }))))

  it.effect("a full line without dropOldest refuses the newcomer", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      yield* forkCallers(limiter, [], 10, "general")
      const first = yield* Effect.fork(limiter.acquire("general"))
      const second = yield* Effect.fork(limiter.acquire("general"))
      yield* settle
      const error = yield* Effect.flip(limiter.acquire("general", { endpoint: "tradeSearch" }))
      assert.strictEqual(error._tag, "QueueOverflow")
      assert.strictEqual(error.endpoint, "tradeSearch")
      assert.isTrue(yield* isWaiting(first))
      assert.isTrue(yield* isWaiting(second))
    }).pipe(Effect.provide(small({ queueSize: 2, dropOldest: false }))))

  it.effect("an enforcement call is never refused for a read: it displaces the newest normal waiter", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      yield* forkCallers(limiter, [], 10, "general")
      const older = yield* Effect.fork(limiter.acquire("general"))
      const newer = yield* Effect.fork(limiter.acquire("general"))
      yield* settle
      const close = yield* Effect.fork(limiter.acquire("general", { priority: "enforcement" }))
      yield* settle
      assert.isTrue(Exit.isFailure(yield* Fiber.await(newer)))
      assert.isTrue(yield* isWaiting(older))
      yield* advance(60_000)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(close)))
    }).pipe(Effect.provide(small({ queueSize: 2, dropOldest: false }))))

  it.effect("interrupting a waiting caller frees its place in line and its slot", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      yield* forkCallers(limiter, [], 10, "general")
      const quitter = yield* Effect.fork(limiter.acquire("general"))
      const stayer = yield* Effect.fork(limiter.acquire("general"))
      yield* settle
      assert.strictEqual((yield* limiter.stats).queueDepth, 2)
      yield* Fiber.interrupt(quitter)
      assert.strictEqual((yield* limiter.stats).queueDepth, 1)
      const late = yield* Effect.fork(limiter.acquire("general")) // fits: the line has room again
      yield* settle
      assert.isTrue(yield* isWaiting(stayer))
      assert.isTrue(yield* isWaiting(late))
      yield* advance(60_000)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(stayer)))
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(late)))
      assert.strictEqual((yield* limiter.stats).dropped, 0)
    }).pipe(Effect.provide(small({ queueSize: 2 }))))

  it.effect("enforcement (cancel, close) goes ahead of reads already waiting", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 10, "general")
      yield* forkCallers(limiter, log, 5, "general", {}, 100)
      yield* forkCallers(limiter, log, 2, "general", { priority: "enforcement" }, 200)
      yield* advance(60_000)
      assert.deepStrictEqual(log.slice(10).map((a) => a.id), [200, 201, 100, 101, 102, 103, 104])
    }).pipe(Effect.provide(small())))

  it.effect("pause after a 429 holds the window until Retry-After even with free slots", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 1, "general")
      yield* limiter.pause("general", "15 seconds")
      assert.strictEqual((yield* limiter.stats).windows.general.pausedUntil, 15_000)
      yield* forkCallers(limiter, log, 2, "general", {}, 1)
      assert.strictEqual(log.length, 1)
      yield* advance(14_999)
      assert.strictEqual(log.length, 1)
      yield* advance(1)
      assert.deepStrictEqual(times(log), [0, 15_000, 15_000])
      // a paused general window also holds history calls (they count as general)
      yield* limiter.pause("general", "5 seconds")
      yield* forkCallers(limiter, log, 1, "history", {}, 3)
      assert.strictEqual(log.length, 3)
      yield* advance(5_000)
      assert.strictEqual(log[3].at, 20_000)
    }).pipe(Effect.provide(small())))

  it.effect("a Retry-After longer than maxRetryAfterMs pauses the window for the cap only, and pause says so", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const applied = yield* limiter.pause("general", "6 hours")
      assert.strictEqual(Duration.toMillis(applied), 60_000)
      assert.strictEqual((yield* limiter.stats).windows.general.pausedUntil, 60_000)
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 1, "general", { priority: "enforcement" })
      yield* forkCallers(limiter, log, 1, "general", {}, 1)
      yield* advance(59_999)
      assert.strictEqual(log.length, 0)
      yield* advance(1)
      assert.deepStrictEqual(log.map((a) => [a.id, a.at]), [[0, 60_000], [1, 60_000]])
      assert.strictEqual(Duration.toMillis(yield* limiter.pause("general", "7 seconds")), 7_000) // under the cap: as asked
    }).pipe(Effect.provide(small({ general: { requests: 200, windowSeconds: 60 } }))))

  it.effect("a 429 to a normal call pauses normal calls only: enforcement calls of the window still go at once", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      assert.strictEqual(Duration.toMillis(yield* limiter.pause("general", "6 hours", "normal")), 60_000)
      const general = (yield* limiter.stats).windows.general
      // each 429 is counted against its window, whichever priority it paused
      assert.deepStrictEqual((yield* limiter.stats).rateLimited, { history: 0, general: 1 })
      assert.deepStrictEqual([general.normalPausedUntil, general.pausedUntil], [60_000, undefined])
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 1, "general", {}, 1)
      yield* forkCallers(limiter, log, 1, "history", {}, 2)
      yield* forkCallers(limiter, log, 1, "general", { priority: "enforcement" })
      yield* advance(0)
      assert.deepStrictEqual(log.map((a) => [a.id, a.at]), [[0, 0]]) // the enforcement call
      yield* advance(59_999)
      assert.strictEqual(log.length, 1) // reads (history counts as general too) wait out the capped pause
      yield* advance(1)
      assert.deepStrictEqual(log.map((a) => a.at), [0, 60_000, 60_000])
    }).pipe(Effect.provide(small({ general: { requests: 200, windowSeconds: 60 } }))))

  it.effect("a flood of reads fills only requests - enforcementReserve: enforcement calls get the reserve at once", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 12, "general") // reads: 7 pass, 5 wait
      yield* forkCallers(limiter, log, 2, "history", {}, 100) // normal history calls count against general: wait too
      assert.strictEqual(log.length, 7)
      assert.strictEqual(limiter.unsafeTryAcquire("general", 0), undefined) // readers are waiting
      yield* forkCallers(limiter, log, 3, "general", { priority: "enforcement" }, 200)
      assert.deepStrictEqual(log.slice(7).map((a) => [a.id, a.at]), [[200, 0], [201, 0], [202, 0]])
      yield* forkCallers(limiter, log, 1, "general", { priority: "enforcement" }, 203) // the window is full now
      assert.strictEqual(log.length, 10)
      const stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.general.reserve, stats.windows.general.used], [3, 10])
      yield* advance(60_000) // 10 leave: the enforcement waiter first, then reads up to 7 of 10
      assert.deepStrictEqual(log.slice(10).map((a) => a.id), [203, 7, 8, 9, 10, 11, 100])
    }).pipe(Effect.provide(small({ enforcementReserve: 3 }))))

  it.effect("the fast path takes a reserved slot only for an enforcement call", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      for (let i = 0; i < 8; i++) assert.isDefined(limiter.unsafeTryAcquire("general", 0))
      assert.isUndefined(limiter.unsafeTryAcquire("general", 0))
      assert.isUndefined(limiter.unsafeTryAcquire("general", 0, "normal"))
      assert.isDefined(limiter.unsafeTryAcquire("general", 0, "enforcement"))
      yield* limiter.acquire("general", { priority: "enforcement" })
      assert.isUndefined(limiter.unsafeTryAcquire("general", 0, "enforcement"))
    }).pipe(Effect.provide(small({ enforcementReserve: 2 }))))

  it.effect("enforcementReserve must be below general.requests: a clear config error, and a defect in layerWith", () =>
    Effect.gen(function*() {
      const bad = { errorHandling: { rateLimit: { general: { requests: 20, windowSeconds: 60 } } } }
      assert.throws(() => ResilienceConfig.make(bad), /enforcementReserve \(20\) must be below general.requests \(20\)/)
      assert.strictEqual(ResilienceConfig.make().errorHandling.rateLimit.enforcementReserve, 20)
      assert.strictEqual(ResilienceConfig.make().errorHandling.rateLimit.maxRetryAfterMs, 60_000)
      const exit = yield* Effect.exit(Effect.scoped(RateLimiter.make({ enforcementReserve: 10, general: { requests: 10, windowSeconds: 1 } })))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      assert.include(String(Exit.isFailure(exit) && Cause.pretty(exit.cause)), "enforcementReserve (10)")
    }))

  it.effect("a history call counts against the general window too", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 5, "history")
      yield* forkCallers(limiter, log, 6, "general", {}, 5)
      assert.strictEqual(log.length, 10) // 5 history + 5 general = the general 10
      const stats = yield* limiter.stats
      assert.strictEqual(stats.windows.general.used, 10)
      assert.strictEqual(stats.windows.history.used, 5)
    }).pipe(Effect.provide(small())))

  it.effect("history can be counted apart from general (historyCountsAsGeneral: false)", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 5, "history")
      yield* forkCallers(limiter, log, 10, "general", {}, 5)
      assert.strictEqual(log.length, 15)
    }).pipe(Effect.provide(small({ historyCountsAsGeneral: false }))))

  it.effect("reads are not stuck behind history calls waiting for the history window", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 7, "history") // 5 admitted, 2 wait 30 s
      yield* forkCallers(limiter, log, 3, "general", {}, 7)
      assert.strictEqual(log.length, 8)
      assert.deepStrictEqual(log.slice(5).map((a) => a.id), [7, 8, 9])
    }).pipe(Effect.provide(small())))

  it.effect("concurrent burst: 500 callers all complete, never more than the limit in any window", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const log: Array<Admission> = []
      const fibers = yield* Effect.forEach(
        Array.from({ length: 500 }, (_, i) => i),
        (i) => limiter.acquire(i % 5 === 0 ? "history" : "general").pipe(Effect.as(i), Effect.fork)
      )
      yield* forkCallers(limiter, log, 0, "general")
      yield* advance(10 * 60_000)
      const done = yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual(done.length, 500)
      const stats = yield* limiter.stats
      assert.strictEqual(stats.admitted, 500)
      assert.strictEqual(stats.queueDepth, 0)
    }).pipe(Effect.provide(RateLimiter.layerWith({ metricsInterval: "1 hour" }))))

  it.effect("stats and metrics show queue depth, wait time and window usage", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      yield* forkCallers(limiter, [], 13, "general")
      let stats = yield* limiter.stats
      assert.strictEqual(stats.queueDepth, 3)
      assert.strictEqual(stats.queued.general, 3)
      assert.strictEqual(stats.windows.general.used, 10)
      assert.strictEqual(stats.windows.general.nextFreeAt, 60_000)
      const generalTag = MetricLabel.make("class", "general")
      const waitMetric = Metric.taggedWithLabels(RateLimiter.metrics.waitMillis, [generalTag])
      const before = yield* Metric.value(waitMetric)
      const depth = yield* Metric.value(Metric.taggedWithLabels(RateLimiter.metrics.queueDepth, [generalTag]))
      assert.strictEqual(depth.value, 3)
      yield* advance(60_000)
      stats = yield* limiter.stats
      assert.strictEqual(stats.queueDepth, 0)
      assert.strictEqual(stats.waited, 3)
      assert.strictEqual(stats.maxWaitMillis, 60_000)
      assert.strictEqual(stats.totalWaitMillis, 180_000)
      assert.strictEqual(stats.windows.general.used, 3)
      const waits = yield* Metric.value(waitMetric)
      assert.strictEqual(waits.count - before.count, 3)
      assert.strictEqual(waits.sum - before.sum, 180_000)
    }).pipe(Effect.provide(small())))

  it.effect("the success path takes no time and leaves nothing behind", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const permit = limiter.acquire("general")
      for (let i = 0; i < 5; i++) yield* permit
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* limiter.withPermit("general")(Effect.succeed(i)), i)
      const slots = [limiter.unsafeTryAcquire("general", 0), limiter.unsafeTryAcquire("general", 0)]
      assert.deepStrictEqual(slots.map((s) => s?.cls), ["general", "general"])
      assert.isUndefined(limiter.unsafeTryAcquire("general", 0)) // the 11th: full, nothing taken
      let stats = yield* limiter.stats
      assert.strictEqual(stats.admitted, 10)
      assert.strictEqual(stats.waited, 0)
      assert.strictEqual(stats.queueDepth, 0)
      assert.strictEqual(stats.windows.general.inFlight, 2)
      for (const slot of slots) limiter.complete(slot!, 0)
      limiter.complete(slots[0]!, 0) // idempotent
      stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.general.inFlight, stats.windows.general.used], [0, 10])
      assert.strictEqual(yield* TestClock.currentTimeMillis, 0)
    }).pipe(Effect.provide(small())))
})

/** One slot of 2 per 10 s in `general`: small numbers for the completion-time tests. */
const tiny = RateLimiter.layerWith({
  history: { requests: 1, windowSeconds: 10 },
  general: { requests: 2, windowSeconds: 10 },
  queueSize: 100
})

describe("RateLimiter slots: a call counts from its completion", () => {
  it.effect("a slot is held while its call is in flight and counts from its completion, not its admission", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const a = yield* limiter.acquireSlot("general")
      const b = yield* limiter.acquireSlot("general")
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 1, "general")
      assert.strictEqual((yield* limiter.stats).windows.general.nextFreeAt, Number.POSITIVE_INFINITY)
      yield* advance(60_000) // admission + window is long past: both calls are still in flight
      assert.strictEqual(log.length, 0)
      limiter.complete(a, yield* TestClock.currentTimeMillis) // the reply comes at 60 s
      limiter.complete(b, yield* TestClock.currentTimeMillis)
      assert.strictEqual((yield* limiter.stats).windows.general.nextFreeAt, 70_000)
      yield* advance(9_999)
      assert.strictEqual(log.length, 0)
      yield* advance(1)
      assert.deepStrictEqual(times(log), [70_000])
    }).pipe(Effect.provide(tiny)))

  it.effect("completions in another order than admissions: each slot frees one window after its own completion", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const a = yield* limiter.acquireSlot("general")
      const b = yield* limiter.acquireSlot("general")
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 2, "general")
      yield* advance(1_000)
      limiter.complete(b, 1_000) // the second call replies first
      yield* advance(4_000)
      limiter.complete(a, 5_000)
      yield* advance(20_000)
      assert.deepStrictEqual(times(log), [11_000, 15_000])
    }).pipe(Effect.provide(tiny)))

  it.effect("one slow call holds one slot, not the whole window", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      yield* limiter.acquireSlot("general") // never completes
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 3, "general") // the first goes at once, the others one window apart
      yield* advance(30_000)
      assert.deepStrictEqual(times(log), [0, 10_000, 20_000])
    }).pipe(Effect.provide(tiny)))

  it.effect("a history slot is held in both windows and completed in both", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const slot = yield* limiter.acquireSlot("history")
      let stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.history.inFlight, stats.windows.general.inFlight], [1, 1])
      yield* advance(3_000)
      limiter.complete(slot, 3_000)
      stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.history.inFlight, stats.windows.general.inFlight], [0, 0])
      assert.deepStrictEqual([stats.windows.history.nextFreeAt, stats.windows.general.used], [13_000, 1])
    }).pipe(Effect.provide(tiny)))

  it.effect("withPermit completes the slot when the wrapped effect ends: reply, failure or interruption", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const permit = limiter.withPermit("general")
      const ok = yield* Effect.fork(permit(Effect.as(Effect.sleep("4 seconds"), "ok")))
      const failing = yield* Effect.fork(permit(Effect.zipRight(Effect.sleep("2 seconds"), Effect.fail("boom"))))
      yield* settle
      assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 2)
      yield* advance(4_000)
      assert.strictEqual(yield* Fiber.join(ok), "ok")
      assert.strictEqual(yield* Effect.flip(Fiber.join(failing)), "boom")
      assert.strictEqual((yield* limiter.stats).windows.general.inFlight, 0)
      assert.strictEqual((yield* limiter.stats).windows.general.nextFreeAt, 12_000) // the failure at 2 s
      yield* advance(8_000)
      const hung = yield* Effect.fork(permit(Effect.never))
      yield* advance(1_000)
      yield* Fiber.interrupt(hung) // at 13 s
      const stats = yield* limiter.stats
      assert.deepStrictEqual([stats.windows.general.inFlight, stats.windows.general.used], [0, 2])
      assert.strictEqual(stats.windows.general.nextFreeAt, 14_000) // the reply at 4 s leaves first
    }).pipe(Effect.provide(tiny)))

  it.effect("an interrupted waiter that never got a slot releases nothing", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const held = [yield* limiter.acquireSlot("general"), yield* limiter.acquireSlot("general")]
      const quitter = yield* Effect.fork(limiter.acquireSlot("general"))
      yield* settle
      yield* Fiber.interrupt(quitter)
      let stats = yield* limiter.stats
      assert.deepStrictEqual([stats.queueDepth, stats.windows.general.inFlight, stats.admitted], [0, 2, 2])
      const log: Array<Admission> = []
      yield* forkCallers(limiter, log, 1, "general")
      yield* advance(60_000)
      assert.strictEqual(log.length, 0) // the two held slots still block
      for (const slot of held) limiter.complete(slot, 60_000)
      yield* advance(10_000)
      assert.deepStrictEqual(times(log), [70_000])
      stats = yield* limiter.stats
      assert.strictEqual(stats.windows.general.inFlight, 0)
    }).pipe(Effect.provide(tiny)))

  it.effect("a waiter admitted in the instant its interruption won the race gives its slot back", () =>
    Effect.gen(function*() {
      // The core alone: the admission happens, but the parked caller never sees it.
      const clock = yield* Effect.clock
      const core = makeCore(
        {
          history: { requests: 1, windowSeconds: 10 },
          general: { requests: 1, windowSeconds: 10 },
          queueSize: 10,
          dropOldest: true,
          historyCountsAsGeneral: true,
          enforcementReserve: 0
        },
        () => clock.unsafeCurrentTimeMillis(),
        Runtime.runFork(yield* Effect.runtime<never>())
      )
      const first = core.tryAcquire("general", 0)!
      const joined = core.join("general", "normal", "accountSearch", 0, true)
      assert.strictEqual(joined._tag, "Waiting")
      if (joined._tag !== "Waiting") return
      joined.waiter.resume = () => {} // the caller's interruption came first: this resume is ignored
      core.complete(first, 0)
      yield* advance(10_000)
      assert.strictEqual(joined.waiter.state, "admitted")
      assert.strictEqual(core.snapshot(10_000).windows.general.inFlight, 1)
      core.quit(joined.waiter, 10_000) // the interrupted caller's canceler
      assert.strictEqual(core.snapshot(10_000).windows.general.inFlight, 0)
      assert.isDefined(core.tryAcquire("general", 10_000)) // nothing was sent: the slot is free at once
      core.close()
    }))
})

describe("RateLimiter property", () => {
  const arrival = fc.record({
    gap: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 50 }),
      fc.integer({ min: 0, max: 5_000 }),
      // land on and next to window edges
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom(-1, 0, 1)).map(([s, d]) => s * 1000 + d)
    ),
    cls: fc.constantFrom<RateLimiter.RateLimitClass>("history", "general"),
    priority: fc.constantFrom<"normal" | "enforcement">("normal", "normal", "enforcement"),
    // now and then a 429 pauses the window
    pause: fc.oneof(
      { arbitrary: fc.constant(null), weight: 15 },
      { arbitrary: fc.integer({ min: 1, max: 4_000 }), weight: 1 }
    )
  })
  const limits = fc.record({
    history: fc.record({ requests: fc.integer({ min: 1, max: 6 }), windowSeconds: fc.integer({ min: 1, max: 5 }) }),
    general: fc.record({ requests: fc.integer({ min: 1, max: 12 }), windowSeconds: fc.integer({ min: 1, max: 10 }) }),
    queueSize: fc.integer({ min: 1, max: 400 }),
    dropOldest: fc.boolean(),
    historyCountsAsGeneral: fc.boolean(),
    reserve: fc.nat()
  }).map(({ reserve, ...o }) => ({ ...o, enforcementReserve: reserve % o.general.requests }))

  it.effect.prop(
    "for any arrival pattern no window ever holds more than its limit, and every caller is admitted or dropped",
    [limits, fc.array(arrival, { minLength: 1, maxLength: 120 })],
    ([options, arrivals]) =>
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        const admitted: Array<Admission & { readonly enforcement: boolean }> = []
        let dropped = 0
        const fibers: Array<Fiber.RuntimeFiber<void>> = []
        for (const [i, a] of arrivals.entries()) {
          if (a.gap > 0) yield* TestClock.adjust(a.gap)
          if (a.pause !== null) yield* limiter.pause(a.cls, a.pause)
          fibers.push(
            yield* limiter.acquire(a.cls, { priority: a.priority }).pipe(
              Effect.zipRight(TestClock.currentTimeMillis),
              Effect.matchEffect({
                onFailure: () => Effect.sync(() => void dropped++),
                onSuccess: (at) =>
                  Effect.sync(() => void admitted.push({ id: i, cls: a.cls, at, enforcement: a.priority === "enforcement" }))
              }),
              Effect.fork
            )
          )
          yield* settle // the caller reaches the limiter before time moves on
        }
        yield* TestClock.adjust(arrivals.length * 60_000)
        yield* Effect.forEach(fibers, Fiber.join)
        assert.strictEqual(admitted.length + dropped, arrivals.length)
        const history = admitted.filter((a) => a.cls === "history").map((a) => a.at)
        const general = admitted
          .filter((a) => a.cls === "general" || options.historyCountsAsGeneral)
          .map((a) => a.at)
        assert.isAtMost(maxInWindow(history, options.history.windowSeconds * 1000), options.history.requests)
        assert.isAtMost(maxInWindow(general, options.general.windowSeconds * 1000), options.general.requests)
        // the reserve: non-enforcement admissions never fill more than limit - reserve of the general window
        const generalNormal = admitted
          .filter((a) => !a.enforcement && (a.cls === "general" || options.historyCountsAsGeneral))
          .map((a) => a.at)
        assert.isAtMost(
          maxInWindow(generalNormal, options.general.windowSeconds * 1000),
          options.general.requests - options.enforcementReserve
        )
        const stats = yield* limiter.stats
        assert.strictEqual(stats.dropped, dropped)
        assert.strictEqual(stats.queueDepth, 0)
      }).pipe(Effect.provide(RateLimiter.layerWith(options))),
    { fastCheck: { numRuns: 200 } }
  )

  // A tracked caller holds its slot for `flight` ms and completes it; the gateway may count it at any
  // moment between admission and completion. Some callers are interrupted (waiting or in flight),
  // some use `acquire` (counted from admission, as if the reply came at once).
  const caller = fc.record({
    gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5_000 })),
    cls: fc.constantFrom<RateLimiter.RateLimitClass>("history", "general"),
    priority: fc.constantFrom<"normal" | "enforcement">("normal", "normal", "enforcement"),
    tracked: fc.constantFrom(true, true, true, false),
    flight: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 3_000 }), weight: 4 },
      { arbitrary: fc.integer({ min: 0, max: 40_000 }), weight: 1 }
    ),
    interruptAfter: fc.oneof(
      { arbitrary: fc.constant(null), weight: 6 },
      { arbitrary: fc.integer({ min: 0, max: 20_000 }), weight: 1 }
    ),
    pause: fc.oneof(
      { arbitrary: fc.constant(null), weight: 15 },
      { arbitrary: fc.integer({ min: 1, max: 4_000 }), weight: 1 }
    )
  })

  it.effect.prop(
    "with held slots, no window of gateway arrivals can hold more than the limit, wherever each call arrives between admission and completion",
    [limits, fc.array(caller, { minLength: 1, maxLength: 100 })],
    ([options, callers]) =>
      Effect.gen(function*() {
        const limiter = yield* RateLimiter.RateLimiter
        // [admission, completion] of every call that got a slot
        const calls: Array<{ cls: RateLimiter.RateLimitClass; at: number; done: number; enforcement: boolean }> = []
        let ended = 0
        const fibers: Array<Fiber.RuntimeFiber<void>> = []
        for (const c of callers) {
          if (c.gap > 0) yield* TestClock.adjust(c.gap)
          if (c.pause !== null) yield* limiter.pause(c.cls, c.pause)
          const body = c.tracked
            ? Effect.uninterruptibleMask((restore) =>
              Effect.flatMap(restore(limiter.acquireSlot(c.cls, { priority: c.priority })), (slot) =>
                Effect.flatMap(TestClock.currentTimeMillis, (at) =>
                  Effect.onExit(restore(Effect.sleep(c.flight)), () =>
                    Effect.map(TestClock.currentTimeMillis, (done) => {
                      limiter.complete(slot, done)
                      calls.push({ cls: c.cls, at, done, enforcement: c.priority === "enforcement" })
                    }))))
            )
            : Effect.flatMap(limiter.acquire(c.cls, { priority: c.priority }), () =>
              Effect.map(
                TestClock.currentTimeMillis,
                (at) => void calls.push({ cls: c.cls, at, done: at, enforcement: c.priority === "enforcement" })
              ))
          const fiber = yield* body.pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => void ended++)), Effect.fork)
          fibers.push(fiber)
          if (c.interruptAfter !== null) {
            yield* Effect.fork(Effect.zipRight(Effect.sleep(c.interruptAfter), Fiber.interrupt(fiber)))
          }
          yield* settle
        }
        yield* TestClock.adjust(callers.length * 60_000 + 120_000)
        yield* Effect.forEach(fibers, Fiber.await)
        assert.strictEqual(ended, callers.length) // every caller got through, was dropped or interrupted
        const spans = (cls: RateLimiter.RateLimitClass, windowMillis: number, normalOnly = false) =>
          calls
            .filter((c) => c.cls === cls || (cls === "general" && options.historyCountsAsGeneral))
            .filter((c) => !normalOnly || !c.enforcement)
            .map((c) => [c.at, c.done + windowMillis] as const)
        // a window of arrivals [s, s + W) can hold call i iff at_i < s + W and done_i >= s,
        // i.e. iff s lies in (at_i - W, done_i]: the same as [at_i, done_i + W) shifted by W
        assert.isAtMost(maxOverlap(spans("history", options.history.windowSeconds * 1000)), options.history.requests)
        assert.isAtMost(maxOverlap(spans("general", options.general.windowSeconds * 1000)), options.general.requests)
        assert.isAtMost( // the reserve: calls that are not enforcement never hold more than limit - reserve
          maxOverlap(spans("general", options.general.windowSeconds * 1000, true)),
          options.general.requests - options.enforcementReserve
        )
        const stats = yield* limiter.stats
        assert.strictEqual(stats.queueDepth, 0)
        assert.deepStrictEqual([stats.windows.history.inFlight, stats.windows.general.inFlight], [0, 0])
      }).pipe(Effect.provide(RateLimiter.layerWith(options))),
    { fastCheck: { numRuns: 150 } }
  )

  it("maxOverlap counts half-open intervals", () => {
    assert.strictEqual(maxOverlap([[0, 10], [10, 20]]), 1)
    assert.strictEqual(maxOverlap([[0, 10], [9, 20], [9, 9.5]]), 3)
    assert.strictEqual(maxOverlap([[0, 10], [9, 20], [5, 6]]), 2)
    assert.strictEqual(maxOverlap([]), 0)
  })

  it("maxInWindow counts a half-open window", () => {
    assert.strictEqual(maxInWindow([0, 999, 1000], 1000), 2)
    assert.strictEqual(maxInWindow([0, 0, 0], 1), 3)
    assert.strictEqual(maxInWindow([], 1000), 0)
  })
})
