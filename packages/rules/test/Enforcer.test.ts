import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { TestStack } from "@tradeguard/testing"
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import { AccountState, StateReconciler } from "@tradeguard/realtime"
import * as Audit from "../src/Audit.js"
import * as Enforcer from "../src/Enforcer.js"
import * as Locks from "../src/Locks.js"
import * as Verdict from "../src/Verdict.js"
import {
  ACCOUNT,
  bidOf,
  calls,
  flatAtSimulator,
  layer,
  marketBuy,
  MES,
  MNQ,
  OTHER,
  placeDirectly,
  sim,
  truth,
  watch
} from "./utils/enforcement.js"

const flattenAndLock = (accountId = ACCOUNT): Enforcer.Request => ({
  accountId,
  rule: "dailyLossLimit",
  reason: "day PnL -1012.50 <= -1000",
  figures: { dayPnl: -1012.5, limit: -1000 },
  actions: [Verdict.flatten({ _tag: "NextTradingDay" })]
})

/** Forks `enforce(request)`, moves the clock `duration` in small steps, and joins it. */
const enforced = (request: Enforcer.Request, duration: Duration.DurationInput = "10 seconds") =>
  Effect.gen(function*() {
    const enforcer = yield* Enforcer.Enforcer
    const fiber = yield* Effect.fork(enforcer.enforce(request))
    yield* TestStack.advance(duration, "100 millis")
    return yield* Fiber.join(fiber)
  })

const mutations = new Set(["orderCancel", "positionCloseContract", "orderPlace", "positionPartialCloseContract"])

/** A long 2 MNQ + long 1 MES, a resting buy (adds), a resting sell stop (protects), a bracket entry (its legs Suspended). */
const busyAccount = (accountId = ACCOUNT) =>
  Effect.gen(function*() {
    yield* marketBuy(2, MNQ, accountId)
    yield* marketBuy(1, MES, accountId)
    const bid = yield* bidOf(MNQ)
    yield* placeDirectly({ accountId, type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: bid - 20 })
    yield* placeDirectly({ accountId, type: Enums.OrderType.Stop, side: Enums.OrderSide.Ask, size: 2, stopPrice: bid - 40 })
    yield* placeDirectly({
      accountId,
      type: Enums.OrderType.Limit,
      side: Enums.OrderSide.Bid,
      size: 1,
      limitPrice: bid - 30,
      stopLossBracket: { ticks: -40, type: Enums.OrderType.Stop },
      takeProfitBracket: { ticks: 40, type: Enums.OrderType.Limit }
    })
    yield* TestStack.advance("1 second", "100 millis")
  })

describe("Enforcer flatten", () => {
  it.effect("working orders, a bracket (Suspended legs) and positions: every order cancelled, then every position closed; flat at the simulator, locked, audited", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* busyAccount()
      const before = yield* truth()
      assert.isTrue(before.orders.some((o) => o.status === Enums.OrderStatus.Suspended), "the bracket's legs are suspended")
      const outcome = yield* enforced(flattenAndLock())
      assert.strictEqual(outcome._tag, "Done")
      assert.isTrue(yield* flatAtSimulator())
      // cancel before close: the last cancel request went out before the first close request
      const sent = (yield* calls).filter((c) => mutations.has(c.endpoint)).map((c) => c.endpoint)
      assert.isAbove(sent.filter((e) => e === "orderCancel").length, 0)
      assert.isBelow(sent.lastIndexOf("orderCancel"), sent.indexOf("positionCloseContract"))
      assert.deepStrictEqual(sent.filter((e) => e === "positionCloseContract").length, 2)
      assert.notInclude(sent, "positionPartialCloseContract")
      // locked until the next trading day
      const lock = yield* (yield* Locks.Locks).active(ACCOUNT)
      assert.deepInclude(lock, { rule: "dailyLossLimit", end: { _tag: "NextTradingDay" } })
      // audited: the decision, each action, the final state verified
      const records = yield* (yield* Audit.Audit).list({ accountId: ACCOUNT })
      const kinds = records.map((r) => r.kind)
      assert.strictEqual(kinds[0], "Decision")
      assert.include(kinds, "Lock")
      assert.strictEqual(kinds.at(-1), "Verified")
      const verified = records.at(-1)!
      assert.deepStrictEqual(verified.final, { flat: true, positions: [], workingOrders: [] })
      assert.deepInclude(verified.figures, { dayPnl: -1012.5 })
      const close = records.find((r) => r.action === "closeContract")!
      assert.strictEqual(close.outcome, "Done")
      assert.isAtMost(close.steps[0]!.startedAt, close.steps[0]!.endedAt)
      assert.isFalse(yield* (yield* Enforcer.Enforcer).running(ACCOUNT))
    }).pipe(Effect.provide(layer())))

  it.effect("a second enforce while the first runs joins it: one set of requests, the same outcome", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* busyAccount()
      const enforcer = yield* Enforcer.Enforcer
      // the closes take a second: the first enforcement is still running when the second request comes
      yield* (yield* sim).setFaults({ latency: { minMillis: 1_000, endpoints: ["positionCloseContract"] } })
      const first = yield* Effect.fork(enforcer.enforce(flattenAndLock()))
      yield* TestStack.settle
      assert.isTrue(yield* enforcer.running(ACCOUNT))
      const second = yield* Effect.fork(enforcer.enforce({ ...flattenAndLock(), rule: "maxTradesPerDay", reason: "21st opening fill" }))
      yield* TestStack.advance("10 seconds", "100 millis")
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.deepStrictEqual(a, b)
      assert.isTrue(yield* flatAtSimulator())
      const sent = (yield* calls).filter((c) => mutations.has(c.endpoint))
      assert.strictEqual(sent.filter((c) => c.endpoint === "positionCloseContract").length, 2)
      const cancelled = sent.filter((c) => c.endpoint === "orderCancel").map((c) => c.request.orderId)
      assert.strictEqual(new Set(cancelled).size, cancelled.length, "no order cancelled twice")
      const decisions = (yield* (yield* Audit.Audit).list({ accountId: ACCOUNT })).filter((r) => r.kind === "Decision")
      assert.deepStrictEqual(decisions.map((d) => [d.rule, d.outcome]), [["dailyLossLimit", "Started"], ["maxTradesPerDay", "Joined"]])
    }).pipe(Effect.provide(layer())))

  it.effect("two accounts at once: the one slowed by latency faults does not delay the other", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT, OTHER)
      yield* marketBuy(1, MNQ, ACCOUNT)
      yield* marketBuy(1, MNQ, OTHER)
      yield* TestStack.advance("1 second", "100 millis")
      const s = yield* sim
      // the closes sent in the next half second take 3 s (ACCOUNT's); the fault is gone when OTHER's is sent
      yield* s.setFaults({ latency: { minMillis: 3_000, endpoints: ["positionCloseContract"], probability: 1 } })
      const enforcer = yield* Enforcer.Enforcer
      const done: Array<number> = []
      const slow = yield* Effect.fork(Effect.tap(enforcer.enforce(flattenAndLock(ACCOUNT)), () => Effect.sync(() => done.push(ACCOUNT))))
      yield* TestStack.advance("500 millis", "100 millis")
      yield* s.setFaults({})
      const fast = yield* Effect.fork(Effect.tap(enforcer.enforce(flattenAndLock(OTHER)), () => Effect.sync(() => done.push(OTHER))))
      yield* TestStack.advance("10 seconds", "100 millis")
      yield* Fiber.join(slow)
      yield* Fiber.join(fast)
      assert.deepStrictEqual(done, [OTHER, ACCOUNT])
      assert.isTrue(yield* flatAtSimulator(ACCOUNT))
      assert.isTrue(yield* flatAtSimulator(OTHER))
    }).pipe(Effect.provide(layer())))

  it.effect("escalation: closeContract keeps failing -> Escalated after the bound (ERROR, event), then flat once healed", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(1)
      yield* TestStack.advance("1 second", "100 millis")
      const s = yield* sim
      yield* s.setFaults({ serverErrors: { probability: 1, endpoints: ["positionCloseContract"] } })
      const enforcer = yield* Enforcer.Enforcer
      const events = yield* Effect.fork(Stream.runCollect(Stream.take(enforcer.events, 100).pipe(Stream.takeUntil((e) => e._tag === "Verified"))))
      yield* TestStack.settle
      const outcome = yield* enforced(flattenAndLock(), "8 seconds")
      assert.strictEqual(outcome._tag, "Escalated")
      assert.isFalse(yield* flatAtSimulator())
      assert.isTrue(yield* enforcer.running(ACCOUNT))
      yield* s.setFaults({})
      yield* TestStack.advance("30 seconds", "200 millis")
      assert.isTrue(yield* flatAtSimulator())
      assert.isFalse(yield* enforcer.running(ACCOUNT))
      const tags = Chunk.toReadonlyArray(yield* Fiber.join(events)).map((e) => e._tag)
      assert.strictEqual(tags[0], "Started")
      assert.include(tags, "Escalated")
      assert.strictEqual(tags.at(-1), "Verified")
      assert.isBelow(tags.indexOf("Escalated"), tags.indexOf("Verified"))
      const kinds = (yield* (yield* Audit.Audit).list({ accountId: ACCOUNT })).map((r) => r.kind)
      assert.include(kinds, "Escalated")
      assert.strictEqual(kinds.at(-1), "Verified")
    }).pipe(Effect.provide(layer())))
})

describe("Enforcer reads", () => {
  it.effect("the account cannot be read: Escalated ('not verified yet') past the bound, then Done once the reads heal", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(1)
      yield* TestStack.advance("1 second", "100 millis")
      const s = yield* sim
      yield* s.setFaults({ serverErrors: { probability: 1, endpoints: ["positionSearchOpen"] } })
      const enforcer = yield* Enforcer.Enforcer
      const outcome = yield* enforced(flattenAndLock(), "8 seconds")
      assert.deepInclude(outcome, { _tag: "Escalated", remaining: "not verified yet" })
      yield* s.setFaults({})
      yield* TestStack.advance("30 seconds", "200 millis")
      assert.isTrue(yield* flatAtSimulator())
      assert.isFalse(yield* enforcer.running(ACCOUNT))
    }).pipe(Effect.provide(layer())))

  it.effect("an order from before the trading day (not in Order/search over the day) that AccountState shows working is cancelled too", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      const bid = yield* bidOf()
      const old = yield* placeDirectly({ type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: bid - 5_000 })
      // TestClock starts at 1970-01-01 00:00 UTC (18:00 Chicago); here a trading day starts at 18:05 Chicago
      yield* TestStack.advance("6 minutes", "30 seconds")
      const outcome = yield* enforced(flattenAndLock(), "10 seconds")
      assert.strictEqual(outcome._tag, "Done")
      const status = (yield* truth()).orders.find((o) => o.id === old)!.status
      assert.strictEqual(status, Enums.OrderStatus.Cancelled)
    }).pipe(Effect.provide(layer({}, {}, { tradingDay: { startsAt: "18:05" } }))))

  it.scoped("user-hub events lost: the cache keeps showing a position the gateway closed; the run asks for a reconciliation (mismatch) and ends Done", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(1)
      // the subscription's reconciliation is over before the fault
      yield* TestStack.advance("15 seconds", "100 millis")
      // from here the user hub loses every event: nothing tells AccountState that the close filled
      yield* (yield* sim).setFaults({ hub: { hubs: ["user"], loseEvents: { probability: 1 } } })
      const reconciler = yield* StateReconciler.StateReconciler
      const triggers: Array<StateReconciler.Trigger> = []
      yield* Effect.forkScoped(Stream.runForEach(reconciler.reports, (r) => Effect.sync(() => triggers.push(r.trigger))))
      yield* TestStack.settle
      const outcome = yield* enforced(flattenAndLock(), "10 seconds")
      assert.strictEqual(outcome._tag, "Done")
      assert.isTrue(yield* flatAtSimulator())
      assert.deepStrictEqual(triggers, ["mismatch"])
      const state = yield* AccountState.AccountState
      assert.deepStrictEqual(AccountState.openPositions(yield* state.get, ACCOUNT), [])
      // the ghost position is reconciled away, not closed again and again
      assert.isAtMost((yield* calls).filter((c) => c.endpoint === "positionCloseContract").length, 2)
    }).pipe(Effect.provide(layer())))
})
