import { assert, describe, it } from "@effect/vitest"
import { AccountState, HubConnection } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { Server } from "@tradeguard/simulator"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { Stack } from "../src/index.js"

const credentials = Stack.credentials({ userName: "demo", apiKey: "demo-api-key" })

/** Stack.layer against the simulator on a loopback port: real HTTP, the real SignalR client. */
const live = Layer.unwrapEffect(Effect.map(Server.port, (port) =>
  Stack.layer({
    api: { baseUrl: `http://127.0.0.1:${port}` },
    logging: { resilience: { tokenRefresh: false, errorRetries: false } }
  }).pipe(Layer.provide(credentials)))).pipe(
    Layer.provideMerge(Server.layerSimulator({ port: 0, seed: 11 }))
  )

describe("Stack.layer (loopback simulator)", { timeout: 60_000 }, () => {
  it.live("logs in, connects both hubs, and holds the accounts in AccountState", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      const market = yield* HubConnection.MarketHub
      yield* HubConnection.awaitSubscribed(user)
      yield* HubConnection.awaitSubscribed(market)
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      const state = yield* AccountState.AccountState
      assert.isAbove(accounts.length, 0)
      const held = yield* state.get.pipe(
        Effect.map((s) => HashMap.size(s.accounts)),
        Effect.filterOrFail((n) => n === accounts.length),
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 200 }),
        Effect.orElse(() => Effect.map(state.get, (s) => HashMap.size(s.accounts)))
      )
      assert.strictEqual(held, accounts.length)
      assert.strictEqual((yield* user.state.get)._tag, "Connected")
    }).pipe(Effect.provide(live), Effect.scoped))

  it.live("a bad input fails the layer with ConfigError, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(Stack.layer({ api: { baseUrl: "ftp://x" } }).pipe(Layer.provide(credentials))).pipe(
        Effect.scoped,
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit) && Cause.isFailType(exit.cause), "a failure, not a defect")
      const e = yield* Effect.flip(exit)
      assert.strictEqual(e._tag, "ConfigError")
      assert.include(e.message, "api.baseUrl")
    }))
})
