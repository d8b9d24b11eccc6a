/**
 * A restart mid-enforcement: the services (OrderManager, Enforcer, Locks, Audit) and the database layer are
 * built twice over the same SQLite file, the simulator and its stack outlive them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { PendingActions } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"
import * as Audit from "../src/Audit.js"
import * as Enforcer from "../src/Enforcer.js"
import * as Locks from "../src/Locks.js"
import * as Verdict from "../src/Verdict.js"
import { ACCOUNT, bidOf, calls, flatAtSimulator, marketBuy, MES, MNQ, placeDirectly, services, sim, stack, store, tempDir, truth, watch } from "./utils/enforcement.js"

/** Builds the services over `file`, runs `use`, and ends them (the process stops: every fiber interrupted). */
const run = <A, E, R>(file: string, use: Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Layer.build(services().pipe(Layer.provideMerge(store(file)))), (ctx) => Effect.provide(use, ctx)))

const sentTo = (endpoint: string) => Effect.map(calls, (log) => log.filter((c) => c.endpoint === endpoint))

describe("Enforcer restart", () => {
  it.scoped("a restart mid-flatten (after the cancels, the closes in flight) resumes it from the store: flat, no order sent twice, the row removed", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "t.db")
      yield* watch(ACCOUNT)
      yield* marketBuy(2, MNQ)
      yield* marketBuy(1, MES)
      const bid = yield* bidOf()
      yield* placeDirectly({ type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: bid - 20 })
      yield* placeDirectly({ type: Enums.OrderType.Stop, side: Enums.OrderSide.Ask, size: 2, stopPrice: bid - 40 })
      yield* TestStack.advance("1 second", "100 millis")
      const ordersBefore = (yield* truth()).orders.length
      const s = yield* sim
      // the closes hang: the process is stopped after the cancels, with the closes in flight
      yield* s.setFaults({ latency: { minMillis: 600_000, endpoints: ["positionCloseContract"] } })
      yield* run(file, Effect.gen(function*() {
        yield* Effect.fork((yield* Enforcer.Enforcer).enforce({
          accountId: ACCOUNT,
          rule: "dailyLossLimit",
          reason: "day PnL -1012.50 <= -1000",
          figures: { dayPnl: -1012.5 },
          actions: [Verdict.flatten({ _tag: "NextTradingDay" })]
        }))
        yield* TestStack.advance("2 seconds", "100 millis")
      }))
      assert.strictEqual((yield* sentTo("orderCancel")).length, 2)
      assert.isFalse(yield* flatAtSimulator())
      yield* s.setFaults({})
      // the next process: resumes the enforcement it finds in the store
      yield* run(file, Effect.gen(function*() {
        assert.isTrue(yield* (yield* Enforcer.Enforcer).running(ACCOUNT))
        yield* TestStack.advance("10 seconds", "100 millis")
        assert.isFalse(yield* (yield* Enforcer.Enforcer).running(ACCOUNT))
        assert.deepStrictEqual(yield* Effect.orDie((yield* PendingActions.PendingActions).list), [])
        const kinds = (yield* (yield* Audit.Audit).list({ accountId: ACCOUNT })).map((r) => r.kind)
        assert.strictEqual(kinds.at(-1), "Verified")
        assert.isDefined(yield* (yield* Locks.Locks).active(ACCOUNT))
      }))
      assert.isTrue(yield* flatAtSimulator())
      // the cancels were not sent again; each position was closed by one order
      const cancelled = (yield* sentTo("orderCancel")).map((c) => c.request.orderId)
      assert.strictEqual(new Set(cancelled).size, cancelled.length)
      const closingOrders = (yield* truth()).orders.length - ordersBefore
      assert.strictEqual(closingOrders, 2)
    }).pipe(Effect.provide(stack())))

  it.scoped("a restart mid-reduce (the reduction in flight) sends no second reduction: one tagged order, the size verified", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, "t.db")
      yield* watch(ACCOUNT)
      yield* marketBuy(5, MNQ)
      yield* TestStack.advance("1 second", "100 millis")
      const s = yield* sim
      yield* s.setFaults({ latency: { minMillis: 600_000, endpoints: ["orderPlace"] } })
      yield* run(file, Effect.gen(function*() {
        yield* Effect.fork((yield* Enforcer.Enforcer).enforce({
          accountId: ACCOUNT,
          rule: "maxContracts",
          reason: "5 > 2",
          figures: { total: 5, limit: 2 },
          actions: [Verdict.reduce(MNQ, 2)]
        }))
        yield* TestStack.advance("2 seconds", "100 millis")
      }))
      assert.strictEqual((yield* sentTo("orderPlace")).length, 1)
      yield* s.setFaults({})
      yield* run(file, TestStack.advance("10 seconds", "100 millis"))
      const t = yield* truth()
      assert.strictEqual(t.positions.find((p) => p.contractId === MNQ)?.size, 2)
      const tagged = t.orders.filter((o) => (o.customTag ?? "").includes(":r"))
      assert.deepStrictEqual(tagged.map((o) => [o.side, o.size, o.status]), [[Enums.OrderSide.Ask, 3, Enums.OrderStatus.Filled]])
    }).pipe(Effect.provide(stack())))
})

describe("Enforcer resume at start", () => {
  it.effect("rows that are not enforcements of this build are left alone (an ERROR for an unreadable one); a second row of the same account is merged into the first", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(1, MNQ)
      yield* TestStack.advance("1 second", "100 millis")
      const pending = yield* PendingActions.PendingActions
      const row = (id: string, rule: string) => ({
        id,
        accountId: ACCOUNT,
        rule,
        reason: "carried over",
        figures: {},
        actions: [{ _tag: "Flatten" }],
        startedAt: 0,
        reductionSteps: {},
        rounds: 0,
        locked: false
      })
      yield* Effect.orDie(pending.enqueue({ id: "other", accountId: ACCOUNT, action: "flatten", payload: { what: "an older kind" } }))
      yield* Effect.orDie(pending.enqueue({ id: "garbled", accountId: ACCOUNT, action: "enforcement", payload: { id: 7 } }))
      yield* Effect.orDie(pending.enqueue({ id: "e-1", accountId: ACCOUNT, action: "enforcement", payload: row("e-1", "dailyLossLimit") }))
      yield* Effect.orDie(pending.enqueue({ id: "e-2", accountId: ACCOUNT, action: "enforcement", payload: row("e-2", "maxTradesPerDay") }))
      yield* Effect.scoped(Effect.flatMap(Layer.build(services()), (ctx) =>
        Effect.provide(
          Effect.gen(function*() {
            assert.isTrue(yield* (yield* Enforcer.Enforcer).running(ACCOUNT))
            yield* TestStack.advance("5 seconds", "100 millis")
          }),
          ctx
        )))
      assert.isTrue(yield* flatAtSimulator())
      assert.deepStrictEqual((yield* Effect.orDie(pending.list)).map((r) => r.id).sort(), ["garbled", "other"])
    }).pipe(Effect.provide(Layer.provideMerge(store(), stack()))))
})
