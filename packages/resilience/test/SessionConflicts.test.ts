import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ResilienceConfig } from "../src/Config.js"
import * as SessionConflicts from "../src/SessionConflicts.js"
import * as TokenManager from "../src/TokenManager.js"
import { captureLogs, makeFakeGateway, makeTokenManager, settle, testConfig, tokenDeps } from "./utils/tokenFakes.js"

const MINUTE = 60_000
const errors = (lines: ReadonlyArray<string>) =>
  lines.map((l) => JSON.parse(l) as { level: string; message: unknown })
    .filter((l) => l.level === "ERROR")
    .map((l) => ({ ...l, message: Array.isArray(l.message) ? l.message.join(" ") : String(l.message) }))

/** Whether `fiber` has finished (after letting every ready fiber run). */
const isDone = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.zipRight(settle, Effect.map(Fiber.poll(fiber), (o) => o._tag === "Some"))

describe("SessionConflicts.waitFor", () => {
  it("waits from the 3rd conflict in the window: 30 s, doubling, at most 5 minutes", () => {
    const p = SessionConflicts.defaultPolicy
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 40].map((n) => SessionConflicts.waitFor(p, n)), [
      0,
      0,
      30_000,
      60_000,
      120_000,
      240_000,
      300_000,
      300_000,
      300_000
    ])
  })
})

describe("SessionConflicts under reclaim", () => {
  it.scoped("counts and logs every conflict at ERROR, and logins never wait", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const before = (yield* Metric.value(SessionConflicts.conflictsTotal)).count
      const conflicts = yield* captureLogs(SessionConflicts.make(), lines)
      for (let i = 0; i < 5; i++) yield* captureLogs(conflicts.report("GatewayLogout (replaced)"), lines)
      const state = yield* conflicts.state
      assert.strictEqual(state.mode, "reclaim")
      assert.strictEqual(state.count, 5)
      assert.strictEqual(state.recent, 5)
      assert.isFalse(state.degraded)
      assert.isUndefined(state.backingOffUntil)
      assert.deepStrictEqual(state.last, { at: 0, detail: "GatewayLogout (replaced)" })
      assert.strictEqual((yield* Metric.value(SessionConflicts.conflictsTotal)).count - before, 5, "counted in the metric")
      const logged = errors(lines)
      assert.strictEqual(logged.length, 5)
      assert.include(logged[4]!.message, "session conflict #5 (GatewayLogout (replaced))")
      assert.include(logged[4]!.message, "another client logged in as this user")
      assert.include(logged[4]!.message, "reclaiming")
      const waiting = yield* Effect.fork(conflicts.awaitLogin)
      assert.isTrue(yield* isDone(waiting), "no wait, however many conflicts")
    }))
})

describe("SessionConflicts under backoff", () => {
  it.scoped("from the 3rd conflict within 10 minutes logins wait 30 s, degraded meanwhile", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const conflicts = yield* captureLogs(SessionConflicts.make({ mode: "backoff" }), lines)
      yield* conflicts.report("first")
      yield* TestClock.adjust("1 minute")
      yield* conflicts.report("second")
      assert.isFalse((yield* conflicts.state).degraded, "two conflicts: no wait yet")
      assert.isTrue(yield* isDone(yield* Effect.fork(conflicts.awaitLogin)))
      yield* TestClock.adjust("1 minute")
      yield* captureLogs(conflicts.report("third"), lines)
      const state = yield* conflicts.state
      assert.isTrue(state.degraded)
      assert.strictEqual(state.backingOffUntil, 2 * MINUTE + 30_000)
      assert.strictEqual(state.count, 3)
      assert.include(errors(lines).at(-1)!.message, "backing off, the next login waits 30s")
      const waiting = yield* Effect.fork(conflicts.awaitLogin)
      yield* TestClock.adjust("29 seconds")
      assert.isFalse(yield* isDone(waiting), "still waiting after 29 s")
      yield* TestClock.adjust("1 second")
      assert.isTrue(yield* isDone(waiting), "goes ahead after 30 s")
      assert.isFalse((yield* conflicts.state).degraded)
    }))

  it.scoped("each further conflict in the window doubles the wait, capped at 5 minutes", () =>
    Effect.gen(function*() {
      const conflicts = yield* SessionConflicts.make({ mode: "backoff" })
      const waits: Array<number> = []
      for (let i = 0; i < 8; i++) {
        yield* conflicts.report(`conflict ${i + 1}`)
        const now = (yield* TestClock.currentTimeMillis)
        const until = yield* conflicts.backingOffUntil
        waits.push(until === undefined ? 0 : until - now)
        yield* TestClock.adjust("1 minute")
      }
      // 8 conflicts a minute apart all fall within 10 minutes.
      assert.deepStrictEqual(waits, [0, 0, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000])
      assert.strictEqual((yield* conflicts.state).count, 8)
    }))

  it.scoped("conflicts older than 10 minutes do not count, but stay counted in the total", () =>
    Effect.gen(function*() {
      const conflicts = yield* SessionConflicts.make({ mode: "backoff" })
      yield* conflicts.report("first")
      yield* conflicts.report("second")
      yield* TestClock.adjust("10 minutes")
      yield* conflicts.report("third, 10 minutes later")
      const state = yield* conflicts.state
      assert.isFalse(state.degraded, "the first two fell out of the window")
      assert.strictEqual(state.recent, 1)
      assert.strictEqual(state.count, 3)
    }))

  it.scoped("changes show the wait starting and ending", () =>
    Effect.gen(function*() {
      const conflicts = yield* SessionConflicts.make({ mode: "backoff", policy: { threshold: 1, firstWaitMillis: 5_000 } })
      const seen = yield* conflicts.changes.pipe(Stream.map((s) => s.degraded), Stream.take(3), Stream.runCollect, Effect.fork)
      yield* settle
      yield* conflicts.report("GatewayLogout")
      yield* settle
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(seen)), [false, true, false])
    }))

  it.scoped("unsafeReport records at once; the log line and the change follow", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const conflicts = yield* captureLogs(SessionConflicts.make({ mode: "backoff", policy: { threshold: 1 } }), lines)
      conflicts.unsafeReport("GatewayLogout (replaced)")
      assert.isTrue((yield* conflicts.state).degraded, "the backoff applies before any fiber ran")
      yield* settle
      assert.include(errors(lines).at(-1)!.message, "session conflict #1 (GatewayLogout (replaced))")
      yield* TestClock.adjust("30 seconds")
      yield* settle
      assert.isTrue(lines.some((l) => l.includes("backoff over")))
    }))
})

describe("SessionConflicts.layer", () => {
  it.effect("takes the mode from authentication.sessionConflict (default reclaim)", () =>
    Effect.gen(function*() {
      assert.strictEqual(ResilienceConfig.make().authentication.sessionConflict, "reclaim")
      const mode = yield* Effect.map(SessionConflicts.snapshot, (s) => s.mode).pipe(
        Effect.provide(SessionConflicts.layer.pipe(Layer.provide(testConfig({ authentication: { sessionConflict: "backoff" } }))))
      )
      assert.strictEqual(mode, "backoff")
      assert.strictEqual(
        (yield* SessionConflicts.snapshot.pipe(Effect.provide(SessionConflicts.layerOptions()))).mode,
        "reclaim"
      )
      assert.throws(() => ResilienceConfig.make({ authentication: { sessionConflict: "ignore" as never } }))
    }))
})

describe("SessionConflicts.gate (a real TokenManager over a fake gateway)", () => {
  const setup = (mode: SessionConflicts.Mode) =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tokens = yield* makeTokenManager(fake)
      const conflicts = yield* SessionConflicts.make({ mode })
      return { fake, conflicts, gated: SessionConflicts.gate(tokens, conflicts) }
    })

  it.scoped("reclaim: a forced login after a conflict goes at once", () =>
    Effect.gen(function*() {
      const { conflicts, fake, gated } = yield* setup("reclaim")
      yield* conflicts.report("GatewayLogout")
      const token = yield* gated.forceLogin
      assert.strictEqual(fake.count("login"), 2)
      assert.strictEqual(Redacted.value(token), fake.issued[1])
    }))

  it.scoped("backoff: logins wait out the backoff, a usable token does not wait, one login after the wait", () =>
    Effect.gen(function*() {
      const { conflicts, fake, gated } = yield* setup("backoff")
      for (let i = 0; i < 3; i++) yield* conflicts.report(`GatewayLogout ${i + 1}`)
      assert.strictEqual(fake.count("login"), 1, "the start-up login")
      // A token that is still usable locally is handed out: no login, no wait.
      assert.strictEqual(Redacted.value(yield* gated.get), fake.issued[0])
      assert.strictEqual(Redacted.value(yield* gated.ensureValidFor("1 hour")), fake.issued[0])
      const forced = yield* Effect.fork(gated.forceLogin)
      yield* gated.invalidate(yield* gated.get)
      const getter = yield* Effect.fork(gated.get)
      const ensurer = yield* Effect.fork(gated.ensureValidFor("1 minute"))
      yield* TestClock.adjust("29 seconds")
      assert.isFalse(yield* isDone(forced), "the forced login waits")
      assert.isFalse(yield* isDone(getter), "a get that must log in waits")
      assert.isFalse(yield* isDone(ensurer))
      assert.strictEqual(fake.count("login"), 1, "nobody logged in during the backoff")
      yield* TestClock.adjust("1 second")
      const tokens = [yield* Fiber.join(forced), yield* Fiber.join(getter), yield* Fiber.join(ensurer)]
      assert.strictEqual(fake.count("login"), 2, "one login after the wait, shared")
      assert.deepStrictEqual(tokens.map(Redacted.value), [fake.issued[1], fake.issued[1], fake.issued[1]])
      // The wait is over: a forced login goes at once again.
      yield* gated.forceLogin
      assert.strictEqual(fake.count("login"), 3)
    }))

  it.scoped("gated decorates the TokenManager of the context", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const layer = SessionConflicts.gated.pipe(
        Layer.provideMerge(Layer.merge(TokenManager.layer, SessionConflicts.layerOptions({ mode: "backoff" }))),
        Layer.provide(tokenDeps(fake))
      )
      const ctx = yield* Layer.build(layer)
      const tokens = yield* Effect.provide(TokenManager.TokenManager, ctx)
      const conflicts = yield* Effect.provide(SessionConflicts.SessionConflicts, ctx)
      for (let i = 0; i < 3; i++) yield* conflicts.report("GatewayLogout")
      const forced = yield* Effect.fork(tokens.forceLogin)
      assert.isFalse(yield* isDone(forced))
      yield* TestClock.adjust("30 seconds")
      yield* Fiber.join(forced)
      assert.strictEqual(fake.count("login"), 2)
      assert.isDefined(yield* tokens.info)
      assert.isDefined(yield* Stream.runHead(tokens.changes))
    }))
})
