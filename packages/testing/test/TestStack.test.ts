import { assert, describe, it } from "@effect/vitest"
import { Enums, GatewayClient, Models } from "@tradeguard/gateway"
import { AccountState, HubConnection } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as TestContext from "effect/TestContext"
import { AccountPicture } from "@tradeguard/realtime"
import * as TestStack from "../src/TestStack.js"

const ACCOUNT = TestStack.demoAccountId
const MNQ = "CON.F.US.MNQ.Z26"

/** A resting buy limit `ticks` quarter-points under the bid, through ResilientGateway. */
const restingBuy = (points: number) =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    const sim = yield* Simulator.Simulator
    const { bestBid } = yield* Effect.orDie(sim.exchange.quote(MNQ))
    return yield* Effect.orDie(gateway.orderPlace({
      accountId: ACCOUNT,
      contractId: MNQ,
      type: Enums.OrderType.Limit,
      side: Enums.OrderSide.Bid,
      size: 1,
      limitPrice: bestBid - points
    }))
  })

describe("TestStack", () => {
  it.effect("the README recipe: a resting limit order fills within a simulated hour, AccountState matches the ground truth", () =>
    Effect.gen(function*() {
      const gateway = yield* ResilientGateway.ResilientGateway
      const sim = yield* Simulator.Simulator
      yield* TestStack.subscribeAccount(TestStack.demoAccountId)
      const { bestBid } = yield* Effect.orDie(sim.exchange.quote("CON.F.US.MNQ.Z26"))
      const { orderId } = yield* Effect.orDie(gateway.orderPlace({
        accountId: TestStack.demoAccountId,
        contractId: "CON.F.US.MNQ.Z26",
        type: Enums.OrderType.Limit,
        side: Enums.OrderSide.Bid,
        size: 1,
        limitPrice: bestBid - 5
      }))
      yield* TestStack.advance("1 hour")
      const state = yield* AccountState.AccountState
      const trades = AccountState.tradesOf(yield* state.get, TestStack.demoAccountId)
      assert.isTrue(trades.some((t) => t.orderId === orderId))
      yield* TestStack.expectInSync(TestStack.demoAccountId)
    }).pipe(Effect.provide(TestStack.layer({ simulator: { seed: 7 } }))))

  it.effect("advance lets a resting limit order fill: the fill reaches AccountState with its exact tick time", () =>
    Effect.gen(function*() {
      yield* TestStack.subscribeAccount(ACCOUNT)
      const { orderId } = yield* restingBuy(3)
      const state = yield* AccountState.AccountState
      assert.isTrue(AccountState.workingOrders(yield* state.get, ACCOUNT).some((o) => o.id === orderId), "resting at first")
      yield* TestStack.advance("2 hours")
      const snapshot = yield* state.get
      assert.isFalse(AccountState.workingOrders(snapshot, ACCOUNT).some((o) => o.id === orderId), "no longer working")
      const cached = AccountState.tradesOf(snapshot, ACCOUNT).filter((t) => t.orderId === orderId)
      const sim = yield* Simulator.Simulator
      const truth = (yield* Effect.orDie(sim.exchange.peek(ACCOUNT))).trades.filter((t) => t.orderId === orderId)
      assert.isAbove(truth.length, 0, "the order filled in the simulator")
      const times = (ts: ReadonlyArray<Models.Trade>) => ts.map((t) => [t.id, Models.timestampToMillis(t.creationTimestamp)])
      assert.deepStrictEqual(times(cached), times(truth))
    }).pipe(Effect.provide(TestStack.layer({ simulator: { seed: 3 } }))))

  it.effect("a user-hub outage inside a simulated day is healed: what another channel did while away is reconciled", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const client = yield* GatewayClient.GatewayClient
      const user = yield* HubConnection.UserHub
      yield* TestStack.subscribeAccount(ACCOUNT)
      yield* restingBuy(2)
      yield* TestStack.advance("3 hours")
      yield* sim.hubs.refuse("5 minutes", { hub: "user" })
      assert.strictEqual(yield* sim.hubs.drop({ hub: "user" }), 1)
      const { token } = yield* Effect.orDie(client.authLoginKey(TestStack.demoCredentials))
      const away = yield* Effect.orDie(client.orderPlace({
        accountId: ACCOUNT,
        contractId: MNQ,
        type: Enums.OrderType.Market,
        side: Enums.OrderSide.Ask,
        size: 2,
        customTag: "phone"
      }, token))
      yield* TestStack.advance("3 hours")
      assert.strictEqual((yield* user.health).reconnects, 1)
      const state = yield* AccountState.AccountState
      assert.isTrue(AccountState.tradesOf(yield* state.get, ACCOUNT).some((t) => t.orderId === away.orderId))
      const comparison = yield* TestStack.compare(ACCOUNT)
      assert.deepStrictEqual(comparison.differences, [])
      assert.deepStrictEqual(comparison.cached, comparison.truth)
    }).pipe(Effect.provide(TestStack.layer({ simulator: { seed: 11 } }))))

  it.effect("fast and default settings end in the same account picture for the same seed", () =>
    Effect.gen(function*() {
      // each session on its own TestClock, from the same instant
      const session = (options: TestStack.Options) =>
        Effect.gen(function*() {
          const gateway = yield* ResilientGateway.ResilientGateway
          yield* TestStack.subscribeAccount(ACCOUNT)
          yield* Effect.orDie(gateway.orderPlace({
            accountId: ACCOUNT,
            contractId: MNQ,
            type: Enums.OrderType.Market,
            side: Enums.OrderSide.Bid,
            size: 2
          }))
          yield* restingBuy(1)
          yield* TestStack.advance("10 minutes")
          yield* TestStack.expectInSync(ACCOUNT)
          return yield* TestStack.cachedPicture(ACCOUNT)
        }).pipe(Effect.provide(TestStack.layer(options)), Effect.scoped, Effect.provide(TestContext.TestContext))
      const fast = yield* session({ simulator: { seed: 5 } })
      const slow = yield* session({ fast: false, simulator: { seed: 5 } })
      assert.isAbove(fast.trades.length, 0)
      assert.deepStrictEqual(AccountPicture.differences(fast, slow), [])
    }))

  it.effect("expectInSync names what differs: a balance change the client was never sent", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* TestStack.expectInSync(ACCOUNT)
      yield* Effect.orDie(sim.exchange.updateAccount(ACCOUNT, { balance: 12_345 }))
      const error = yield* Effect.flip(TestStack.expectInSync(ACCOUNT))
      assert.strictEqual(error._tag, "OutOfSync")
      assert.deepStrictEqual(error.differences.map((d) => d.split(":")[0]), ["account.balance"])
      assert.include(error.message, `account ${ACCOUNT}: AccountState differs from the simulator`)
      assert.include(error.message, "<> 12345")
    }).pipe(Effect.provide(TestStack.layer())))

  it.effect("an invalid config fails the layer with ConfigError naming the key", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(TestStack.layer({ config: { signalr: { health: { pingInterval: -1 } } } })).pipe(Effect.scoped)
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "signalr.health.pingInterval")
    }))

  it("configInput and simulatorOptions: fast by default, the caller's keys win, fast: false leaves the defaults", () => {
    const fast = TestStack.configInput({ config: { signalr: { health: { pingTimeout: 1000 } } } })
    assert.deepStrictEqual(fast.signalr?.health, { pingInterval: 600_000, staleThreshold: 1_500_000, pingTimeout: 1000 })
    assert.strictEqual(fast.api?.baseUrl, Simulator.baseUrl)
    assert.deepStrictEqual(TestStack.configInput({ fast: false }), { api: { baseUrl: Simulator.baseUrl, allowInsecure: true } })
    assert.deepStrictEqual(TestStack.simulatorOptions({ simulator: { seed: 2, wakeInterval: "1 minute" } }), {
      wakeInterval: "1 minute",
      hubPingInterval: "10 minutes",
      seed: 2
    })
    assert.deepStrictEqual(TestStack.simulatorOptions({ fast: false }), {})
    assert.deepStrictEqual(TestStack.simulatorOptions({ fast: false, simulator: { seed: 2 } }), { seed: 2 })
    assert.deepStrictEqual(TestStack.fastSettings, { config: TestStack.fastConfig, simulator: TestStack.fastSimulator })
  })
})
