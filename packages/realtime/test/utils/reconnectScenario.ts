/**
 * The seed's integration test 2, "SignalR Reconnection with State Sync", as
 * one scenario that runs on either stack (in-process under TestClock, or on
 * loopback sockets with the real client):
 *
 * 1. connect; subscribe to the account's orders, positions and trades;
 * 2. trade live through ResilientGateway (a fill, a resting limit): the
 *    events reach AccountState;
 * 3. cut the network: the user hub is dropped and reconnects are refused;
 * 4. another channel (a second login, as a phone app would) sells through
 *    our position, buys another contract, places a resting order and cancels
 *    ours; the fills happen while we are away;
 * 5. let the reconnect through: backoff, resubscribe, reconciliation.
 *
 * What it checks: the report counts each missed order, trade and position
 * (and the balance); AccountState equals the simulator's ground truth; every
 * trade reached the events stream exactly once, the missed ones with
 * `reconciled: true`; the lifecycle went Reconnecting -> Reconnected -> Subscribed.
 */
import { assert } from "@effect/vitest"
import { Enums, GatewayClient, type Models } from "@tradeguard/gateway"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { AccountState, HubConnection, type HubEvent, StateReconciler } from "../../src/index.js"
import { API_KEY, cachedPicture, type Services, truePicture, USER } from "./stack.js"
import { type Clocked, waitFor } from "./waits.js"

export const ACCOUNT = 100001
export const MNQ = "CON.F.US.MNQ.Z26"
export const MES = "CON.F.US.MES.Z26"

export interface Outage {
  /** Starts refusing user-hub connections (before the drop). */
  readonly refuse: (sim: Simulator.Service) => Effect.Effect<void>
  /** Lets the reconnect through (lifts the refusal, or lets its window pass). */
  readonly lift: (sim: Simulator.Service) => Effect.Effect<void>
  /** The attempt that succeeds, when the backoff makes it exact. */
  readonly reconnectAttempt?: number
}

export interface Outcome {
  readonly report: StateReconciler.Report
  readonly events: ReadonlyArray<HubEvent.HubEvent>
  readonly lifecycle: ReadonlyArray<HubConnection.LifecycleEvent>
}

const tradeIds = (events: ReadonlyArray<HubEvent.HubEvent>) =>
  events.flatMap((e) => (e._tag === "Trade" ? [e] : []))

const orderOf = (s: AccountState.Snapshot, customTag: string): Models.Order | undefined => {
  for (const map of [s.orders, s.completedOrders]) {
    for (const [, o] of map) if (o.customTag === customTag) return o
  }
  return undefined
}

export const missedWhileAway = (
  clock: Clocked,
  outage: Outage
): Effect.Effect<Outcome, never, Services | Scope.Scope> =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const gateway = yield* ResilientGateway.ResilientGateway
    const client = yield* GatewayClient.GatewayClient
    const user = yield* HubConnection.UserHub
    const state = yield* AccountState.AccountState
    const reconciler = yield* StateReconciler.StateReconciler
    const events = yield* user.subscribeEvents
    const lifecycle = yield* user.subscribeLifecycle
    const seen: Array<HubEvent.HubEvent> = []
    const drain = Effect.map(Queue.takeAll(events), (c) => {
      seen.push(...Chunk.toReadonlyArray(c))
      return seen
    })

    // 1. connect and subscribe (declared once, replayed after every reconnect)
    yield* Effect.orDie(user.subscribe("SubscribeAccounts"))
    for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) {
      yield* Effect.orDie(user.subscribe(m, ACCOUNT))
    }
    yield* waitFor(clock, "the start-up reconciliation", Effect.map(reconciler.last, (r) => r?.trigger === "startup"))
    yield* Effect.orDie(sim.exchange.setPrice(MNQ, 21_000))
    yield* Effect.orDie(sim.exchange.setPrice(MES, 6_000))

    // 2. live trading: events reach AccountState as they happen
    const live = (side: 0 | 1, type: 1 | 2, size: number, customTag: string, limitPrice?: number) =>
      Effect.orDie(gateway.orderPlace({
        accountId: ACCOUNT,
        contractId: MNQ,
        type,
        side,
        size,
        customTag,
        ...(limitPrice === undefined ? {} : { limitPrice })
      }))
    const entry = yield* live(Enums.OrderSide.Bid, Enums.OrderType.Market, 1, "live-entry")
    const resting = yield* live(Enums.OrderSide.Bid, Enums.OrderType.Limit, 1, "live-limit", 20_000)
    yield* waitFor(
      clock,
      "the live fill and the resting order in AccountState",
      Effect.map(state.get, (s) =>
        AccountState.tradesOf(s, ACCOUNT).some((t) => t.orderId === entry.orderId) &&
        AccountState.workingOrders(s, ACCOUNT).some((o) => o.id === resting.orderId) &&
        AccountState.openPositions(s, ACCOUNT).some((p) => p.contractId === MNQ && p.size === 1))
    )

    // 3. cut the network
    yield* outage.refuse(sim)
    assert.strictEqual(yield* sim.hubs.drop({ hub: "user" }), 1)
    yield* waitFor(clock, "the user hub to notice the drop", Effect.map(user.state.get, (s) => s._tag === "Reconnecting"))

    // 4. another channel trades while we are away
    const { token } = yield* Effect.orDie(client.authLoginKey({ userName: USER, apiKey: API_KEY }))
    const other = (request: Parameters<typeof client.orderPlace>[0]) => Effect.orDie(client.orderPlace(request, token))
    const flip = yield* other({ accountId: ACCOUNT, contractId: MNQ, type: 2, side: 1, size: 3, customTag: "phone-flip" })
    const mes = yield* other({ accountId: ACCOUNT, contractId: MES, type: 2, side: 0, size: 2, customTag: "phone-mes" })
    yield* other({
      accountId: ACCOUNT,
      contractId: MES,
      type: 1,
      side: 1,
      size: 1,
      limitPrice: 6_100,
      customTag: "phone-rest"
    })
    yield* Effect.orDie(client.orderCancel({ accountId: ACCOUNT, orderId: resting.orderId }, token))
    const away = new Set([flip.orderId, mes.orderId])
    const truthNow = yield* Effect.orDie(sim.exchange.snapshot(ACCOUNT))
    const missedTrades = truthNow.trades.filter((t) => away.has(t.orderId))
    assert.isAtLeast(missedTrades.length, 3, "the flip closes and reopens MNQ, the MES buy opens: 3 fills at least")
    assert.isTrue(
      truthNow.orders.filter((o) => away.has(o.id)).every((o) => o.status === Enums.OrderStatus.Filled),
      "the orders placed elsewhere filled while we were away"
    )
    const before = yield* state.get
    assert.isUndefined(orderOf(before, "phone-flip"), "nothing of the other channel reached us live")
    assert.strictEqual(orderOf(before, "live-limit")?.status, Enums.OrderStatus.Open)

    // 5. reconnect: backoff, resubscribe, reconcile
    yield* outage.lift(sim)
    yield* waitFor(clock, "a reconciliation after the reconnect", Effect.map(reconciler.last, (r) => r?.trigger === "reconnect"))
    const report = (yield* reconciler.last)!
    yield* state.settle

    assert.deepStrictEqual(report.missed, {
      ...StateReconciler.zeroCounts,
      accounts: 1, // the balance moved (fees, PnL)
      ordersNew: 1, // phone-rest
      ordersFilled: 2, // phone-flip, phone-mes: placed and filled while away
      ordersCancelled: 1, // live-limit
      positionsChanged: 1, // MNQ long 1 -> short 2
      positionsOpened: 1, // MES long 2
      trades: missedTrades.length
    })
    assert.deepStrictEqual(report.conflicts, [])
    assert.include(StateReconciler.describe(report), `missed 1 accounts, 1 ordersNew, 2 ordersFilled, 1 ordersCancelled`)

    // AccountState equals the ground truth
    assert.deepStrictEqual(cachedPicture(yield* state.get, ACCOUNT), yield* truePicture(sim, ACCOUNT))
    const after = yield* state.get
    assert.strictEqual(orderOf(after, "phone-flip")?.status, Enums.OrderStatus.Filled)
    assert.strictEqual(orderOf(after, "phone-mes")?.status, Enums.OrderStatus.Filled)
    assert.strictEqual(orderOf(after, "live-limit")?.status, Enums.OrderStatus.Cancelled)

    // every trade exactly once on the events stream; the missed ones reconciled
    const all = yield* drain
    const truth = yield* Effect.orDie(sim.exchange.snapshot(ACCOUNT))
    const delivered = tradeIds(all)
    assert.deepStrictEqual(delivered.map((e) => e.trade.id).sort(), truth.trades.map((t) => t.id).sort())
    for (const e of delivered) assert.strictEqual(e.reconciled, away.has(e.trade.orderId), `trade ${e.trade.id}`)
    const reconciledOrders = all.flatMap((e) => (e._tag === "Order" && e.reconciled ? [e.order.customTag] : []))
    assert.sameMembers(reconciledOrders, ["phone-flip", "phone-mes", "phone-rest", "live-limit"])

    // lifecycle: the drop, the reconnect after backoff, the replay
    const cycle = Chunk.toReadonlyArray(yield* Queue.takeAll(lifecycle))
    assert.deepStrictEqual(cycle.map((e) => e._tag).slice(-3), ["Reconnecting", "Reconnected", "Subscribed"])
    const reconnected = cycle.find((e) => e._tag === "Reconnected")!
    if (outage.reconnectAttempt !== undefined && reconnected._tag === "Reconnected") {
      assert.strictEqual(reconnected.attempts, outage.reconnectAttempt)
    }
    const health = yield* user.health
    assert.strictEqual(health.reconnects, 1)
    return { report, events: all, lifecycle: cycle }
  })
