import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { AccountState, Config, HubConnection, StateReconciler } from "../src/index.js"
import { makeFakeGateway, putOrder } from "./utils/FakeGateway.js"
import { makeFakeHub } from "./utils/FakeTransport.js"
import { makeFakeTokens } from "./utils/FakeTokens.js"
import * as F from "./utils/fixtures.js"
import { flush } from "./utils/harness.js"

describe("layers", () => {
  it.scoped("the whole realtime stack composes: hubs, AccountState, StateReconciler", () =>
    Effect.gen(function*() {
      const server = yield* makeFakeHub
      const tokens = yield* makeFakeTokens
      const gateway = yield* makeFakeGateway
      putOrder(gateway, F.order({ id: 42 }))
      const Realtime = StateReconciler.layer({ accountIds: [465] }).pipe(
        Layer.provideMerge(AccountState.layer),
        Layer.provideMerge(Layer.mergeAll(HubConnection.layerUser, HubConnection.layerMarket)),
        Layer.provide(Layer.mergeAll(server.layer, tokens.layer, gateway.layer)),
        Layer.provideMerge(Config.RealtimeConfig.layer({
          signalr: { hubs: { userHubUrl: "ws://sim/hubs/user", marketHubUrl: "ws://sim/hubs/market" } }
        }))
      )
      yield* Effect.gen(function*() {
        yield* flush
        yield* TestClock.adjust(0)
        yield* flush
        const user = yield* HubConnection.UserHub
        const market = yield* HubConnection.MarketHub
        assert.strictEqual(user.url, "ws://sim/hubs/user")
        assert.strictEqual(market.url, "ws://sim/hubs/market")
        assert.sameMembers(server.sockets.map((s) => s.url), ["ws://sim/hubs/user", "ws://sim/hubs/market"])
        const report = yield* (yield* StateReconciler.StateReconciler).last
        assert.strictEqual(report?.trigger, "startup")
        const state = yield* (yield* AccountState.AccountState).get
        assert.deepStrictEqual([...HashMap.keys(state.orders)], [42])
        yield* server.sockets.find((s) => s.url.endsWith("market"))!.emit("GatewayQuote", "CON.F.US.MNQ.U26", { lastPrice: 1 })
        yield* flush
        const after = yield* (yield* AccountState.AccountState).get
        assert.strictEqual(HashMap.unsafeGet(after.quotes, "CON.F.US.MNQ.U26").lastPrice, 1)
      }).pipe(Effect.provide(Realtime))
    }))
})
