/**
 * Regression tests of the StateReconciler, one per bug, named after what broke.
 */
import { assert, describe, it } from "@effect/vitest"
import { GatewayClient } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { AccountState, HubConnection, StateReconciler } from "../src/index.js"
import { putOrder, putPosition, putTrade } from "./utils/FakeGateway.js"
import * as F from "./utils/fixtures.js"
import { flush } from "./utils/harness.js"
import { setupReconciler } from "./utils/reconcilerHarness.js"
import { ACCOUNT, MNQ } from "./utils/reconnectScenario.js"
import { API_KEY, cachedPicture, inProcessStack, truePicture, USER } from "./utils/stack.js"
import { testClock, waitFor } from "./utils/waits.js"

const adjust = (ms: number) => TestClock.adjust(ms).pipe(Effect.zipRight(flush))

describe("StateReconciler regressions", () => {
  it.scoped("an order placed and filled while disconnected is reconciled as filled, not only its trade and position", () =>
    Effect.gen(function*() {
      // Broke: such an order is neither open (REST) nor cached, so it was never looked up: the report
      // counted its trade and position but not the order, and AccountState never learnt how it ended.
      const r = yield* setupReconciler({ before: (g) => putOrder(g, F.order({ id: 10 })) })
      yield* adjust(10_000)
      yield* r.events
      const at = F.ts(F.T0 + 5000)
      putOrder(r.gateway, F.order({ id: 11, type: 2, status: 2, fillVolume: 1, filledPrice: 21_500, creationTimestamp: at, updateTimestamp: at }))
      putTrade(r.gateway, F.trade({ id: 100, orderId: 11, creationTimestamp: at }))
      putPosition(r.gateway, F.position())
      yield* r.server.current()!.drop()
      yield* adjust(1000)
      const report = (yield* r.reports).at(-1)!
      assert.strictEqual(report.trigger, "reconnect")
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(report.missed).filter(([, n]) => n > 0)),
        { ordersFilled: 1, positionsOpened: 1, trades: 1 }
      )
      const events = yield* r.events
      assert.deepStrictEqual(
        events.flatMap((e) => (e._tag === "Order" ? [[e.order.id, e.order.status, e.reconciled]] : [])),
        [[11, 2, true]]
      )
      const state = yield* r.state.get
      assert.strictEqual(HashMap.unsafeGet(state.completedOrders, 11).status, 2)
      assert.deepStrictEqual([...HashMap.keys(state.orders)], [10])
    }))

  it.scoped("a trade whose order is already known adds no Order/search of its own (one per account and run)", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ before: (g) => putOrder(g, F.order({ id: 10 })) })
      yield* adjust(10_000)
      putOrder(r.gateway, F.order({ id: 10, status: 1, fillVolume: 1, size: 2, updateTimestamp: F.ts(F.T0 + 5000) }))
      putTrade(r.gateway, F.trade({ id: 100, orderId: 10, creationTimestamp: F.ts(F.T0 + 5000) }))
      r.gateway.calls.length = 0
      yield* r.server.current()!.drop()
      yield* adjust(1000)
      assert.deepStrictEqual(r.gateway.calls.map((c) => c.endpoint), [
        "accountSearch",
        "orderSearchOpen",
        "positionSearchOpen",
        "tradeSearch",
        "orderSearch"
      ])
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries((yield* r.reports).at(-1)!.missed).filter(([, n]) => n > 0)),
        { ordersChanged: 1, trades: 1 }
      )
    }))

  it.effect("a fill between the start-up reconciliation and the subscriptions is reconciled once they are active", () =>
    Effect.gen(function*() {
      // Broke: the user hub's first connect replayed zero subscriptions and the start-up run went at
      // once; a program that subscribed afterwards never got a run for what happened in between:
      // 5 minutes later AccountState had 0 trades and 0 positions, the gateway 1 and 1.
      const sim = yield* Simulator.Simulator
      const client = yield* GatewayClient.GatewayClient
      const user = yield* HubConnection.UserHub
      const state = yield* AccountState.AccountState
      const reconciler = yield* StateReconciler.StateReconciler
      const reports: Array<StateReconciler.Report> = []
      yield* Effect.forkScoped(Stream.runForEach(reconciler.reports, (r) => Effect.sync(() => reports.push(r))))
      yield* waitFor(testClock, "the start-up reconciliation", Effect.map(reconciler.last, (r) => r?.trigger === "startup"))
      yield* Effect.orDie(sim.exchange.setPrice(MNQ, 21_000))
      const { token } = yield* Effect.orDie(client.authLoginKey({ userName: USER, apiKey: API_KEY }))
      yield* Effect.orDie(client.orderPlace({ accountId: ACCOUNT, contractId: MNQ, type: 2, side: 0, size: 1 }, token))
      for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) {
        yield* Effect.orDie(user.subscribe(m, ACCOUNT))
      }
      yield* waitFor(
        testClock,
        "the fill's trade and position in AccountState",
        Effect.map(state.get, (s) =>
          AccountState.tradesOf(s, ACCOUNT).length === 1 && AccountState.openPositions(s, ACCOUNT).length === 1)
      )
      yield* TestClock.adjust("5 minutes")
      yield* state.settle
      const truth = yield* truePicture(sim, ACCOUNT)
      assert.strictEqual(truth.trades.length, 1)
      assert.strictEqual(truth.positions.length, 1)
      assert.deepStrictEqual(cachedPicture(yield* state.get, ACCOUNT), truth)
      const runs = reports.filter((r) => r.trigger === "subscription")
      assert.strictEqual(runs.length, 1, "the three subscriptions, inside minInterval, share one run")
      assert.deepStrictEqual(runs[0].accountIds, [ACCOUNT], "of their account only")
      assert.deepStrictEqual([runs[0].missed.trades, runs[0].missed.positionsOpened, runs[0].missed.ordersFilled], [1, 1, 1])
    }).pipe(
      Effect.scoped,
      Effect.provide(inProcessStack({
        simulator: { seed: 11, wakeInterval: "1 minute" },
        realtime: { stateReconciliation: { periodicIntervalMs: 0 } }
      }))
    ))
})
