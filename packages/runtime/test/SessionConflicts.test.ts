/**
 * Session conflicts end to end, in-process under TestClock: the simulator in
 * single-session mode (a login ends the user's other sessions), the stack
 * running, and a second client logging in as the same user through REST.
 */
import { assert, describe, it } from "@effect/vitest"
import { GatewayClient } from "@tradeguard/gateway"
import { HubConnection, InProcessTransport } from "@tradeguard/realtime"
import { ResilientGateway, SessionConflicts } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { Stack, StackConfig } from "../src/index.js"

const demo = { userName: "demo", apiKey: "demo-api-key" }

const inProcess = (sessionConflict: "reclaim" | "backoff", options: Stack.Options = {}) =>
  Stack.layerWithoutTransports(
    StackConfig.make({
      api: { baseUrl: Simulator.baseUrl, allowInsecure: true },
      authentication: { sessionConflict },
      logging: { resilience: { tokenRefresh: false, reconnections: false } }
    }),
    options
  ).pipe(
    Layer.provide(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (sim) => sim.hubs))),
    Layer.provide(Stack.credentials(demo)),
    Layer.provideMerge(Simulator.layerInProcess({ seed: 7, wakeInterval: "1 minute", singleSessionPerUser: true }))
  )

/** Moves the TestClock by `seconds`, one second at a time, letting every fiber run in between. */
const advance = (seconds: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < seconds; i++) {
      yield* TestClock.adjust("1 second")
      for (let j = 0; j < 20; j++) yield* Effect.yieldNow()
    }
  })

/** Another front-end logging in as the same user, straight to the simulator's REST API. */
const otherClientLogsIn = Effect.gen(function*() {
  const client = yield* GatewayClient.make({ baseUrl: Simulator.baseUrl })
  const { token } = yield* client.authLoginKey(demo)
  /** Whether the other client's session still works. */
  const otherSessionWorks = client.accountSearch({ onlyActiveAccounts: true }, token).pipe(
    Effect.as(true),
    Effect.catchTag("Unauthorized", () => Effect.succeed(false))
  )
  return { otherSessionWorks }
})

const connected = (hub: HubConnection.Service) => Effect.map(hub.state.get, (s) => s._tag === "Connected" && s.subscribed)

describe("Stack: session conflicts (simulator in single-session mode)", () => {
  it.scoped("reclaim: a second client's login is counted, the stack logs in again and both hubs reconnect", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      const market = yield* HubConnection.MarketHub
      yield* HubConnection.awaitSubscribed(user)
      yield* HubConnection.awaitSubscribed(market)
      const conflicts = yield* SessionConflicts.SessionConflicts
      assert.strictEqual((yield* SessionConflicts.snapshot).count, 0)

      const other = yield* otherClientLogsIn
      yield* advance(5)

      const state = yield* conflicts.state
      assert.strictEqual(state.count, 1, "the GatewayLogout was counted")
      assert.strictEqual(state.last?.detail, "GatewayLogout (replaced)")
      assert.isFalse(state.degraded)
      assert.isTrue(yield* connected(user), "the user hub is back")
      assert.isTrue(yield* connected(market), "the market hub is back")
      assert.isAtLeast((yield* user.health).reconnects, 1)
      assert.isFalse(yield* other.otherSessionWorks, "logging in again ended the other client's session")
      const gw = yield* ResilientGateway.ResilientGateway
      assert.isAbove((yield* gw.accountSearch({ onlyActiveAccounts: true })).accounts.length, 0, "REST works again")
    }).pipe(Effect.provide(inProcess("reclaim"))))

  it.scoped("backoff: after 3 quick conflicts the stack waits 30 s, degraded, then logs in again", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      const market = yield* HubConnection.MarketHub
      yield* HubConnection.awaitSubscribed(user)
      yield* HubConnection.awaitSubscribed(market)
      const conflicts = yield* SessionConflicts.SessionConflicts

      for (let i = 1; i <= 2; i++) {
        yield* otherClientLogsIn
        yield* advance(5)
        assert.strictEqual((yield* conflicts.state).count, i)
        assert.isTrue(yield* connected(user), `conflict ${i}: reclaimed at once`)
      }
      const third = yield* otherClientLogsIn
      yield* advance(5)
      const waiting = yield* conflicts.state
      assert.strictEqual(waiting.count, 3)
      assert.isTrue(waiting.degraded, "degraded while it waits")
      assert.isDefined(waiting.backingOffUntil)
      assert.isFalse(yield* connected(user), "the user hub stays down while it waits")
      assert.isTrue(yield* third.otherSessionWorks, "the other client keeps its session meanwhile")

      yield* advance(20)
      assert.isTrue((yield* conflicts.state).degraded, "still waiting after 25 s")
      assert.isTrue(yield* third.otherSessionWorks)

      // The wait (30 s) ends; the hubs retry on their own schedule and log in again.
      yield* advance(60)
      const after = yield* conflicts.state
      assert.isFalse(after.degraded)
      assert.strictEqual(after.count, 3)
      assert.isTrue(yield* connected(user), "the user hub is back")
      assert.isTrue(yield* connected(market), "the market hub is back")
      assert.isFalse(yield* third.otherSessionWorks, "logging in again ended the other client's session")
    }).pipe(Effect.provide(inProcess("backoff"))))

  it.scoped("sessionConflicts: false leaves the TokenManager ungated and nothing reported", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      yield* HubConnection.awaitSubscribed(user)
      yield* otherClientLogsIn
      yield* advance(5)
      assert.strictEqual((yield* SessionConflicts.snapshot).count, 0)
      assert.isTrue(yield* connected(user), "the hub still logs in again (its own logout handling)")
    }).pipe(Effect.provide(inProcess("backoff", { sessionConflicts: false }))))
})

describe("Stack.describeLogout", () => {
  it("names the GatewayLogout and its arguments", () => {
    assert.strictEqual(Stack.describeLogout({ _tag: "Logout", arguments: [], reconciled: false }), "GatewayLogout")
    assert.strictEqual(
      Stack.describeLogout({ _tag: "Logout", arguments: ["replaced"], reconciled: false }),
      "GatewayLogout (replaced)"
    )
  })
})
