import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { AccountState, HubConnection, InProcessTransport } from "@tradeguard/realtime"
import { ResilientGateway, TokenManager } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { AppConfig, Runtime } from "../src/index.js"
import { compareWithTruth } from "../src/internal/demoReport.js"

const config = Effect.runSync(AppConfig.decode("test", {
  api: { baseUrl: Simulator.baseUrl, allowInsecure: true },
  authentication: { storage: { type: "memory" } },
  signalr: { hubs: { userHubUrl: `${Simulator.baseUrl}/hubs/user`, marketHubUrl: `${Simulator.baseUrl}/hubs/market` } }
}))

/** The daemon's runtime over the in-process simulator; one session per user, as a strict gateway would allow. */
const stack = Runtime.layer(config).pipe(
  Layer.provide(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (sim) => sim.hubs))),
  Layer.provide(TokenManager.Credentials.layer("demo", "demo-api-key")),
  Layer.provideMerge(Simulator.layerInProcess({ seed: 3, singleSessionPerUser: true, wakeInterval: "1 minute" }))
)

const settle = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) {
    yield* TestClock.adjust("1 second")
    yield* Effect.yieldNow()
  }
})

describe("Runtime", () => {
  it.scoped("one login serves REST and both hubs: a second session would end the first", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      const market = yield* HubConnection.MarketHub
      yield* HubConnection.awaitSubscribed(user)
      yield* HubConnection.awaitSubscribed(market)
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      assert.isAbove(accounts.length, 0)
      yield* settle
      const health = yield* user.health
      assert.strictEqual(health.reconnects, 0, "no hub was kicked out by a second login")
      assert.strictEqual((yield* market.health).reconnects, 0)
    }).pipe(Effect.provide(stack)))

  it.scoped("an order placed through the runtime reaches AccountState, which matches the ground truth", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const user = yield* HubConnection.UserHub
      const state = yield* AccountState.AccountState
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      const account = accounts[0]!
      for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) yield* user.subscribe(m, account.id)
      yield* user.subscribe("SubscribeAccounts")
      yield* HubConnection.awaitSubscribed(user)
      const { contracts } = yield* gw.contractAvailable({ live: false })
      yield* gw.orderPlace({
        accountId: account.id,
        contractId: contracts[0]!.id,
        type: Enums.OrderType.Market,
        side: Enums.OrderSide.Bid,
        size: 3,
        customTag: "runtime-test-1"
      })
      yield* settle
      yield* state.settle
      const truth = yield* sim.exchange.snapshot(account.id)
      assert.strictEqual(truth.positions.length, 1)
      assert.deepStrictEqual(compareWithTruth(yield* state.get, truth, account.id), [])
    }).pipe(Effect.provide(stack)))
})
