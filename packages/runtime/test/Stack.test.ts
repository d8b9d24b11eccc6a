import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { AccountState, Config as RealtimeConfig, HubConnection, InProcessTransport } from "@tradeguard/realtime"
import { ResilientGateway, type TokenManager } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Stack, StackConfig } from "../src/index.js"

/** The simulator's base URL is plaintext to a non-loopback name (nothing leaves the process): allowInsecure. */
const config = StackConfig.make({ api: { baseUrl: Simulator.baseUrl, allowInsecure: true } })

const inProcess = (credentials: Layer.Layer<TokenManager.Credentials>) =>
  Stack.layerWithoutTransports(config).pipe(
    Layer.provide(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (sim) => sim.hubs))),
    Layer.provide(credentials),
    Layer.provideMerge(Simulator.layerInProcess({ seed: 7, wakeInterval: "1 minute" }))
  )

const settle = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) {
    yield* TestClock.adjust("1 second")
    yield* Effect.yieldNow()
  }
})

describe("Stack.layerWithoutTransports (in-process simulator)", () => {
  it.scoped("one login serves REST and both hubs, connected to the URLs derived from api.baseUrl", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const realtime = yield* RealtimeConfig.RealtimeConfig
      assert.strictEqual(realtime.signalr.hubs.userHubUrl, `${Simulator.baseUrl}/hubs/user`)
      assert.strictEqual(realtime.signalr.hubs.marketHubUrl, `${Simulator.baseUrl}/hubs/market`)
      const user = yield* HubConnection.UserHub
      const market = yield* HubConnection.MarketHub
      yield* HubConnection.awaitSubscribed(user)
      yield* HubConnection.awaitSubscribed(market)
      const state = yield* AccountState.AccountState
      yield* settle
      yield* state.settle
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      assert.isAbove(accounts.length, 0)
      assert.strictEqual(HashMap.size((yield* state.get).accounts), accounts.length, "the start-up reconciliation filled AccountState")
      assert.strictEqual((yield* user.health).reconnects, 0)
      assert.strictEqual((yield* market.health).reconnects, 0)
      assert.strictEqual(yield* sim.auth.forceLogout("demo"), 1, "one session: one login for REST and both hubs")
    }).pipe(Effect.provide(inProcess(Stack.credentials({ userName: "demo", apiKey: Redacted.make("demo-api-key") })))))

  it.scoped("an order placed through ResilientGateway shows up filled in AccountState", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      const state = yield* AccountState.AccountState
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      const account = accounts[0]!
      for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) yield* user.subscribe(m, account.id)
      yield* HubConnection.awaitSubscribed(user)
      const { contracts } = yield* gw.contractAvailable({ live: false })
      const { orderId } = yield* gw.orderPlace({
        accountId: account.id,
        contractId: contracts[0]!.id,
        type: Enums.OrderType.Market,
        side: Enums.OrderSide.Bid,
        size: 2,
        customTag: "stack-test-1"
      })
      yield* settle
      yield* state.settle
      const snapshot = yield* state.get
      const positions = AccountState.openPositions(snapshot, account.id)
      assert.strictEqual(positions.length, 1)
      assert.strictEqual(positions[0]!.size, 2)
      assert.isTrue(AccountState.tradesOf(snapshot, account.id).some((t) => t.orderId === orderId), "the fill reached AccountState")
    }).pipe(Effect.provide(inProcess(Stack.credentials({ userName: "demo", apiKey: "demo-api-key" })))))

  it.scoped("wrong credentials fail the layer with AuthenticationFailed", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Layer.build(inProcess(Stack.credentials({ userName: "demo", apiKey: "wrong" }))))
      assert.strictEqual(e._tag, "AuthenticationFailed")
    }))
})
