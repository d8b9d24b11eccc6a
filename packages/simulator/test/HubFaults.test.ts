/**
 * The fault plan's hub rules and the operator commands, in-process under
 * TestClock: dropped connections (with and without a Close message), stalls
 * (for a while, or until dropped), lost and delayed events, refused
 * (re)connects, and `/admin/hub/*`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import { HubEvents } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { type FaultPlan, type Hubs, Simulator } from "../src/index.js"
import { connect, drain, userEvents } from "./utils/hub.js"
import { ACCOUNT, layer, login, type Token } from "./utils/sim.js"

/** A user-hub connection subscribed to the demo user's account events. */
const accountsHub = (token?: Token) =>
  Effect.tap(connect("user", token), (hub) => hub.invoke("SubscribeAccounts", []))

/** Publishes one AccountUpdated event per balance. */
const balances = (...values: ReadonlyArray<number>) =>
  Effect.flatMap(Simulator.Simulator, (sim) =>
    Effect.forEach(values, (balance) => sim.exchange.updateAccount(ACCOUNT, { balance }), { discard: true }))

/** The balances the connection received so far, and whether it ended. */
const received = (hub: Hubs.HubSession) =>
  Effect.map(drain(hub), ({ done, messages }) => ({
    balances: userEvents(messages, HubEvents.UserHubEvents.account).map((e) => e.data.balance),
    types: messages.map((m) => m.type),
    messages,
    done
  }))

const setFaults = (plan: FaultPlan.FaultPlan) => Effect.flatMap(Simulator.Simulator, (sim) => sim.setFaults(plan))

describe("hub faults of the plan", () => {
  it.effect("dropConnection breaks the connection without a Close message; count caps it", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* setFaults({ hub: { dropConnection: { probability: 1, count: 1 } } })
      const hub = yield* accountsHub(token)
      yield* balances(1, 2)
      const r = yield* received(hub)
      assert.deepStrictEqual([r.balances, r.types, r.done], [[], [], true])
      assert.deepStrictEqual(yield* hub.closed, { _tag: "Dropped", error: "simulated fault: connection dropped" })
      const again = yield* accountsHub(token)
      yield* balances(3)
      assert.deepStrictEqual((yield* received(again)).balances, [3])
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("dropConnection with closeFrame sends Close with the error first", () =>
    Effect.gen(function*() {
      yield* setFaults({ hub: { dropConnection: { probability: 1, closeFrame: true, error: "maintenance" } } })
      const hub = yield* accountsHub()
      yield* balances(1)
      const r = yield* received(hub)
      assert.deepStrictEqual(r.messages, [{ type: 7, error: "maintenance" }])
      assert.deepStrictEqual(yield* hub.closed, { _tag: "ServerClosed", error: "maintenance", allowReconnect: undefined })
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("stallConnection holds everything back, pings included, then sends what waited", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* setFaults({ hub: { hubs: ["user"], stallConnection: { probability: 1, durationMillis: 40_000, count: 1 } } })
      const hub = yield* accountsHub(token)
      const market = yield* connect("market", token)
      yield* balances(1, 2)
      yield* TestClock.adjust("39 seconds")
      assert.deepStrictEqual((yield* received(hub)).types, [], "no events, no pings")
      assert.deepStrictEqual((yield* received(market)).types, [6, 6], "the market hub is not in `hubs`")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual((yield* received(hub)).balances, [1, 2], "sent once the stall ends, in order")
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual((yield* received(hub)).types, [6], "pings again")
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("a stall without duration lasts until the connection is dropped", () =>
    Effect.gen(function*() {
      yield* setFaults({ hub: { stallConnection: { probability: 1 } } })
      const hub = yield* accountsHub()
      yield* balances(1)
      assert.deepStrictEqual((yield* received(hub)).types, [], "the first event started the stall")
      const call = yield* Effect.fork(hub.invoke("SubscribeOrders", [ACCOUNT]))
      yield* TestClock.adjust("2 minutes")
      assert.deepStrictEqual((yield* received(hub)).types, [])
      assert.isNull(call.unsafePoll(), "no completion while stalled")
      yield* hub.close
      assert.strictEqual((yield* Effect.flip(Fiber.join(call))).reason, "Closed")
      assert.deepStrictEqual(yield* hub.closed, { _tag: "ClientClosed" })
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("loseEvents loses count events", () =>
    Effect.gen(function*() {
      yield* setFaults({ hub: { loseEvents: { probability: 1, count: 2 } } })
      const hub = yield* accountsHub()
      yield* balances(1, 2, 3, 4)
      assert.deepStrictEqual((yield* received(hub)).balances, [3, 4])
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("lost events follow the plan's seed: the same plan loses the same events", () =>
    Effect.gen(function*() {
      const run = Effect.scoped(Effect.gen(function*() {
        yield* setFaults({ seed: 9, hub: { loseEvents: { probability: 0.5 } } })
        const hub = yield* accountsHub()
        yield* balances(...Array.from({ length: 20 }, (_, i) => i + 1))
        return (yield* received(hub)).balances
      }))
      const first = yield* run
      assert.isTrue(first.length > 3 && first.length < 17, `lost about half: ${first}`)
      assert.deepStrictEqual(yield* run, first)
    }).pipe(Effect.provide(layer())))

  it.effect("delayEvents sends late and keeps the order", () =>
    Effect.gen(function*() {
      yield* setFaults({ hub: { delayEvents: { probability: 1, minMillis: 5_000, count: 1 } } })
      const hub = yield* accountsHub()
      yield* balances(1, 2)
      yield* TestClock.adjust("4999 millis")
      assert.deepStrictEqual((yield* received(hub)).balances, [])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual((yield* received(hub)).balances, [1, 2])
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("refuseReconnect: a refusal opens a window; status 503 or 401", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* setFaults({ hub: { refuseReconnect: { probability: 1, durationMillis: 10_000, count: 1 } } })
      const e = yield* Effect.flip(connect("user", token))
      assert.deepStrictEqual([e._tag, e._tag === "HubRefused" && e.status], ["HubRefused", 503])
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual((yield* Effect.flip(connect("market", token)))._tag, "HubRefused", "inside the window")
      yield* TestClock.adjust("1 second")
      yield* connect("user", token)
      yield* setFaults({ hub: { hubs: ["market"], refuseReconnect: { probability: 1, status: 401 } } })
      const m = yield* Effect.flip(connect("market", token))
      assert.strictEqual(m._tag === "HubRefused" && m.status, 401)
      yield* connect("user", token)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("refuseReconnect afterDrop: refused for a while after a drop, not before", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* setFaults({
        hub: {
          dropConnection: { probability: 1, count: 1 },
          refuseReconnect: { probability: 1, durationMillis: 5_000, afterDrop: true }
        }
      })
      const hub = yield* accountsHub(token)
      yield* balances(1)
      assert.isTrue((yield* received(hub)).done)
      assert.strictEqual((yield* Effect.flip(connect("user", token)))._tag, "HubRefused")
      yield* TestClock.adjust("5 seconds")
      yield* accountsHub(token)
    }).pipe(Effect.scoped, Effect.provide(layer())))
})

describe("operator commands", () => {
  it.effect("drop, stall and refuse by filter, in-process", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      const user = yield* accountsHub(token)
      const market = yield* connect("market", token)
      assert.strictEqual(yield* sim.hubs.stall({ hub: "user" }, "20 seconds"), 1)
      yield* balances(1)
      yield* TestClock.adjust("15 seconds")
      assert.deepStrictEqual([(yield* received(user)).types, (yield* received(market)).types], [[], [6]])
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual((yield* received(user)).balances, [1])
      assert.strictEqual(yield* sim.hubs.drop({ connectionId: market.connectionId }), 1)
      assert.strictEqual((yield* market.closed)._tag, "Dropped")
      yield* sim.hubs.refuse("1 minute", { hub: "market", status: 401 })
      const e = yield* Effect.flip(connect("market", token))
      assert.strictEqual(e._tag === "HubRefused" && e.status, 401)
      yield* TestClock.adjust("1 minute")
      yield* connect("market", token)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("/admin/hub/* lists, drops, stalls and refuses; /admin/faults takes the hub rules", () =>
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const post = (path: string, body: unknown) =>
        Effect.flatMap(
          http.execute(HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${Simulator.baseUrl}${path}`), body)),
          (r) => Effect.map(r.json, (json) => [r.status, json] as const)
        )
      const token = yield* login()
      const user = yield* accountsHub(token)
      const list = yield* Effect.flatMap(http.get(`${Simulator.baseUrl}/admin/hub/connections`), (r) => r.json)
      assert.deepStrictEqual(
        (list as Array<{ hub: string; userName: string; subscriptions: { accounts: boolean } }>).map((c) =>
          [c.hub, c.userName, c.subscriptions.accounts]
        ),
        [["user", "demo", true]]
      )
      assert.deepStrictEqual(yield* post("/admin/hub/stall", { userName: "demo", durationMillis: 1000 }), [200, { stalled: 1 }])
      assert.deepStrictEqual(yield* post("/admin/hub/drop", { hub: "user", closeFrame: true, error: "bye" }), [200, { dropped: 1 }])
      assert.deepStrictEqual(yield* user.closed, { _tag: "ServerClosed", error: "bye", allowReconnect: undefined })
      const [status] = yield* post("/admin/hub/refuse", { durationMillis: 60_000, status: 503 })
      assert.strictEqual(status, 200)
      assert.strictEqual((yield* Effect.flip(connect("user", token)))._tag, "HubRefused")
      assert.strictEqual((yield* post("/admin/hub/refuse", { durationMillis: -1 }))[0], 400)
      const plan = { hub: { hubs: ["user"], stallConnection: { probability: 0.5 }, closeOnTokenExpiry: false } }
      assert.deepStrictEqual(yield* post("/admin/faults", plan), [200, plan])
      assert.strictEqual((yield* post("/admin/faults", { hub: { dropConnection: { probability: 2 } } }))[0], 400)
    }).pipe(Effect.scoped, Effect.provide(layer())))
})
