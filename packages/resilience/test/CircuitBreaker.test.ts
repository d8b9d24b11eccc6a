import { Endpoints, Errors } from "@tradeguard/gateway"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import { ResilienceConfig } from "../src/Config.js"
import { AuthenticationFailed, CircuitOpen } from "../src/Errors.js"
import { settle } from "./utils/limiterHarness.js"

const serverError = Effect.fail(new Errors.ServerError({ endpoint: "accountSearch", status: 500 }))
const timeout = Effect.fail(new Errors.TransportError({ endpoint: "accountSearch", reason: "Timeout", detail: "" }))
const ok = Effect.succeed("ok")
const seed = CircuitBreaker.layerWith({ failureThreshold: 5, timeout: "60 seconds", halfOpenRequests: 3 })

const tripped = (breaker: CircuitBreaker.Service, group: CircuitBreaker.Group = "reads", n = 5) =>
  Effect.gen(function*() {
    for (let i = 0; i < n; i++) yield* Effect.flip(breaker.run(group, serverError))
  })
const tagOf = (breaker: CircuitBreaker.Service, group: CircuitBreaker.Group = "reads") =>
  Effect.map(breaker.state(group), (s) => s._tag)

describe("CircuitBreaker", () => {
  it.effect("opens after 5 consecutive server errors and half-opens after 60 s", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker, "reads", 4)
      assert.strictEqual(yield* tagOf(breaker), "Closed")
      yield* Effect.flip(breaker.run("reads", timeout))
      assert.strictEqual(yield* tagOf(breaker), "Open")
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* tagOf(breaker), "Open")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* tagOf(breaker), "HalfOpen")
    }).pipe(Effect.provide(seed)))

  it.effect("run: a 4xx of a call started while the count was 0 does not reset failures that came after it", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      const reply = yield* Deferred.make<void>()
      const notFound = new Errors.UnexpectedStatus({ endpoint: "accountSearch", status: 404 })
      const early = yield* Effect.fork(breaker.run("reads", Effect.zipRight(Deferred.await(reply), Effect.fail(notFound))))
      yield* settle
      yield* tripped(breaker, "reads", 4)
      yield* Deferred.succeed(reply, undefined)
      yield* Effect.flip(Fiber.join(early))
      assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 4)
      yield* Effect.flip(breaker.run("reads", serverError))
      assert.strictEqual(yield* tagOf(breaker), "Open")
    }).pipe(Effect.provide(seed)))

  it.effect("an open circuit fails fast with CircuitOpen carrying when it half-opens, without running the call", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* TestClock.adjust("10 seconds")
      yield* tripped(breaker)
      let ran = false
      const error = yield* Effect.flip(
        breaker.run("reads", Effect.sync(() => (ran = true)), { endpoint: "positionSearchOpen" })
      )
      assert.isFalse(ran)
      assert.instanceOf(error, CircuitOpen)
      assert.deepStrictEqual([error.group, error.endpoint, error.halfOpensAt], ["reads", "positionSearchOpen", 70_000])
    }).pipe(Effect.provide(seed)))

  it.effect("half-open: 3 successful probes close the circuit", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker)
      yield* TestClock.adjust("60 seconds")
      yield* breaker.run("reads", ok)
      yield* breaker.run("reads", ok)
      assert.strictEqual(yield* tagOf(breaker), "HalfOpen")
      yield* breaker.run("reads", ok)
      assert.strictEqual(yield* tagOf(breaker), "Closed")
      assert.strictEqual((yield* breaker.health).groups.reads.consecutiveFailures, 0)
    }).pipe(Effect.provide(seed)))

  it.effect("half-open: one failing probe opens the circuit again for another full timeout", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker)
      yield* TestClock.adjust("60 seconds")
      yield* breaker.run("reads", ok)
      yield* Effect.flip(breaker.run("reads", serverError))
      const state = yield* breaker.state("reads")
      assert.deepStrictEqual(state._tag === "Open" && state.halfOpensAt, 120_000)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* tagOf(breaker), "Open")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* tagOf(breaker), "HalfOpen")
    }).pipe(Effect.provide(seed)))

  it.effect("half-open: calls beyond the probe budget fail fast while the probes are in flight", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker)
      yield* TestClock.adjust("60 seconds")
      const gate = yield* Deferred.make<void>()
      const probes = yield* Effect.forEach([1, 2, 3], () => Effect.fork(breaker.run("reads", Deferred.await(gate))))
      yield* settle
      const error = yield* Effect.flip(breaker.run("reads", ok))
      assert.strictEqual(error._tag, "CircuitOpen")
      yield* Deferred.succeed(gate, void 0)
      yield* Effect.forEach(probes, Fiber.join)
      assert.strictEqual(yield* tagOf(breaker), "Closed")
    }).pipe(Effect.provide(seed)))

  it.effect("an interrupted probe frees its slot for another", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker)
      yield* TestClock.adjust("60 seconds")
      const hung = yield* Effect.forEach([1, 2, 3], () => Effect.fork(breaker.run("reads", Effect.never)))
      yield* settle
      yield* Fiber.interrupt(hung[0])
      assert.strictEqual(yield* breaker.run("reads", ok), "ok")
      yield* Effect.forEach(hung.slice(1), Fiber.interrupt)
      yield* breaker.run("reads", ok)
      yield* breaker.run("reads", ok)
      assert.strictEqual(yield* tagOf(breaker), "Closed")
    }).pipe(Effect.provide(seed)))

  it.effect("business rejections, 401, 429 and auth failures do not trip it, and count as the gateway answering", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      const answers = [
        new Errors.Rejected({ endpoint: "orderPlace", errorCode: 2, errorName: "OrderRejected" }),
        new Errors.Unauthorized({ endpoint: "orderPlace" }),
        new Errors.RateLimited({ endpoint: "orderPlace" }),
        new Errors.UnexpectedStatus({ endpoint: "orderPlace", status: 404 }),
        new AuthenticationFailed({ reason: "refused" })
      ]
      for (let round = 0; round < 3; round++) {
        for (const answer of answers) yield* Effect.flip(breaker.run("orders", Effect.fail(answer)))
      }
      assert.strictEqual(yield* tagOf(breaker, "orders"), "Closed")
      yield* tripped(breaker, "orders", 4)
      yield* Effect.flip(breaker.run("orders", Effect.fail(answers[0]))) // resets the count
      yield* tripped(breaker, "orders", 4)
      assert.strictEqual(yield* tagOf(breaker, "orders"), "Closed")
      assert.strictEqual((yield* breaker.health).groups.orders.consecutiveFailures, 4)
    }).pipe(Effect.provide(seed)))

  it.effect("a fallback is served while the circuit is open", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker)
      const value = yield* breaker.run("reads", ok, { fallback: (open) => Effect.succeed(`cached until ${open.halfOpensAt}`) })
      assert.strictEqual(value, "cached until 60000")
    }).pipe(Effect.provide(seed)))

  it.effect("withFallback marks a fallback value stale and a fresh one not", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      const lastKnown = () => Effect.succeed("last known positions")
      const fresh = yield* breaker.run("reads", ok).pipe(CircuitBreaker.withFallback(lastKnown))
      assert.deepStrictEqual(fresh, { value: "ok", stale: false })
      yield* tripped(breaker)
      const stale = yield* CircuitBreaker.withFallback(breaker.run("reads", ok), lastKnown)
      assert.isTrue(stale.stale)
      assert.strictEqual(stale.value, "last known positions")
      // other failures pass through untouched
      const error = yield* Effect.flip(CircuitBreaker.withFallback(serverError, lastKnown))
      assert.strictEqual(error._tag, "ServerError")
    }).pipe(Effect.provide(seed)))

  it.effect("state changes stream in order: Closed, Open, HalfOpen, Closed", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      const states = yield* breaker.stateChanges("reads").pipe(Stream.take(4), Stream.runCollect, Effect.fork)
      const transitions = yield* breaker.changes.pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      yield* settle
      yield* tripped(breaker)
      yield* TestClock.adjust("60 seconds")
      for (let i = 0; i < 3; i++) yield* breaker.run("reads", ok)
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(states)).map((s) => s._tag)
      assert.deepStrictEqual(seen, ["Closed", "Open", "HalfOpen", "Closed"])
      const changes = Chunk.toReadonlyArray(yield* Fiber.join(transitions))
      assert.deepStrictEqual(changes.map((t) => [t.group, t.from._tag, t.to._tag, t.at]), [
        ["reads", "Closed", "Open", 0],
        ["reads", "Open", "HalfOpen", 60_000],
        ["reads", "HalfOpen", "Closed", 60_000]
      ])
    }).pipe(Effect.provide(seed)))

  it.effect("health snapshot: per group state, counts, and healthy only when all are closed", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      assert.isTrue((yield* breaker.health).healthy)
      yield* breaker.run("history", ok)
      yield* tripped(breaker, "history")
      yield* Effect.flip(breaker.run("history", ok))
      const health = yield* breaker.health
      assert.isFalse(health.healthy)
      assert.deepStrictEqual(health.groups.history, {
        state: "Open",
        consecutiveFailures: 0,
        halfOpensAt: 60_000,
        since: 0,
        failures: 5,
        rejected: 1
      })
      assert.strictEqual(health.groups.reads.state, "Closed")
      const gauge = Metric.taggedWithLabels(CircuitBreaker.metrics.state, [MetricLabel.make("group", "history")])
      assert.strictEqual((yield* Metric.value(gauge)).value, 2)
    }).pipe(Effect.provide(seed)))

  it.effect("groups are isolated: an open orders circuit does not stop reads", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker, "orders")
      assert.strictEqual(yield* tagOf(breaker, "orders"), "Open")
      assert.strictEqual(yield* breaker.run("reads", ok), "ok")
      assert.strictEqual(yield* breaker.run("history", ok), "ok")
      assert.strictEqual(yield* breaker.run("auth", ok), "ok")
      assert.strictEqual((yield* Effect.flip(breaker.run("orders", ok)))._tag, "CircuitOpen")
    }).pipe(Effect.provide(seed)))

  it.effect("layer reads errorHandling.circuitBreaker from the config", () =>
    Effect.gen(function*() {
      const breaker = yield* CircuitBreaker.CircuitBreaker
      yield* tripped(breaker, "reads", 2)
      assert.strictEqual(yield* tagOf(breaker), "Open")
      yield* TestClock.adjust("10 seconds")
      yield* breaker.run("reads", ok)
      assert.strictEqual(yield* tagOf(breaker), "Closed")
    }).pipe(
      Effect.provide(CircuitBreaker.layer),
      Effect.provide(ResilienceConfig.layer({
        errorHandling: { circuitBreaker: { failureThreshold: 2, timeout: 10_000, halfOpenRequests: 1 } }
      }))
    ))

  it("maps every endpoint to its group", () => {
    assert.deepStrictEqual(CircuitBreaker.endpointGroups, {
      authLoginKey: "auth",
      authLoginApp: "auth",
      authValidate: "auth",
      authLogout: "auth",
      accountSearch: "reads",
      contractSearch: "reads",
      contractSearchById: "reads",
      contractAvailable: "reads",
      historyRetrieveBars: "history",
      orderSearch: "orders",
      orderSearchOpen: "orders",
      orderPlace: "orders",
      orderCancel: "orders",
      orderModify: "orders",
      positionSearchOpen: "reads",
      positionCloseContract: "orders",
      positionPartialCloseContract: "orders",
      tradeSearch: "reads"
    })
    assert.strictEqual(CircuitBreaker.groupOf(Endpoints.positionCloseContract), "orders")
  })
})
