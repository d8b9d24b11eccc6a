/**
 * The in-process transport over the simulator's hubs, under TestClock:
 * connect, subscribe, events as invocations, pings as activity, targets not
 * listened to, drops and Close messages as close reasons, refusals and 401
 * as HubConnectError, and the client closing with the scope. Each over a
 * server that pushes its messages (`onMessages`, as the simulator does) and
 * over one that only queues them in the session's `messages`.
 */
import { assert, describe, it } from "@effect/vitest"
import { GatewayClient, HubEvents } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { HubTransport } from "../src/index.js"
import * as InProcessTransport from "../src/InProcessTransport.js"

const ACCOUNT = 100001
const MNQ = "CON.F.US.MNQ.Z26"
const USER_URL = "http://simulator.local/hubs/user"
const targets = Object.values(HubEvents.UserHubEvents)

/** The simulator's hubs as they are (pushing), or without `onMessages` (the transport reads `messages`). */
const servers = {
  pushing: (sim: Simulator.Service): InProcessTransport.InProcessHubServer => sim.hubs,
  queueing: (sim: Simulator.Service): InProcessTransport.InProcessHubServer => ({
    connect: (hub, token) => sim.hubs.connect(hub, token)
  })
}

const TestLayer = (server: keyof typeof servers) =>
  InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, servers[server])).pipe(
    Layer.provideMerge(GatewayClient.layer({ baseUrl: Simulator.baseUrl })),
    Layer.provideMerge(Simulator.layerInProcess({ seed: 3 }))
  )

const login = Effect.flatMap(GatewayClient.GatewayClient, (c) => c.authLoginKey({ userName: "demo", apiKey: "demo-api-key" }))
  .pipe(Effect.map((r) => r.token))

const connect = (
  url = USER_URL,
  listen: ReadonlyArray<string> = targets
): Effect.Effect<HubTransport.HubSocket, HubTransport.HubConnectError, HubTransport.HubTransport | GatewayClient.GatewayClient | Scope.Scope> =>
  Effect.gen(function*() {
    const transport = yield* HubTransport.HubTransport
    return yield* transport.connect(url, yield* Effect.orDie(login), listen)
  })

/** Lets the simulator's and the reader's fibers run. */
const settle = Effect.forEach(Array.from({ length: 40 }), () => Effect.yieldNow(), { discard: true })

/** What arrived so far. */
const received = (socket: HubTransport.HubSocket) =>
  Effect.zipRight(settle, Effect.map(socket.incoming.clear, Chunk.toReadonlyArray))

const invocations = (items: ReadonlyArray<HubTransport.Inbound>) =>
  items.flatMap((i) => (i._tag === "Invocation" ? [i] : []))

describe.each(["pushing", "queueing"] as const)("InProcessTransport over a %s server", (server) => {
  it.effect("subscribes, and delivers the hub's events as invocations", () =>
    Effect.gen(function*() {
      const socket = yield* connect()
      assert.isNull(yield* socket.invoke("SubscribeOrders", [ACCOUNT]))
      const sim = yield* Simulator.Simulator
      yield* sim.exchange.setPrice(MNQ, 21_000)
      const client = yield* GatewayClient.GatewayClient
      yield* Effect.orDie(
        client.orderPlace({ accountId: ACCOUNT, contractId: MNQ, type: 2, side: 0, size: 1 }, yield* Effect.orDie(login))
      )
      const orders = invocations(yield* received(socket))
      assert.deepStrictEqual(orders.map((o) => o.target), ["GatewayUserOrder", "GatewayUserOrder"])
      const { action, data } = orders[1]!.arguments[0] as { action: number; data: Record<string, unknown> }
      assert.deepStrictEqual([action, data.status, data.fillVolume], [1, 2, 1])
      const e = yield* Effect.flip(socket.invoke("SubscribeOrders", [100_777]))
      assert.deepStrictEqual([e.reason, e.method], ["Failed", "SubscribeOrders"])
      assert.match(e.detail, /HubException/)
    }).pipe(Effect.scoped, Effect.provide(TestLayer(server))))

  it.effect("server pings and targets not listened to count as activity", () =>
    Effect.gen(function*() {
      const socket = yield* connect(USER_URL, [])
      yield* socket.invoke("SubscribeAccounts", [])
      const sim = yield* Simulator.Simulator
      yield* sim.exchange.updateAccount(ACCOUNT, { balance: 1 })
      assert.deepStrictEqual((yield* received(socket)).map((i) => i._tag), ["Activity"])
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual((yield* received(socket)).map((i) => i._tag), ["Activity", "Activity"])
      yield* socket.ping
    }).pipe(Effect.scoped, Effect.provide(TestLayer(server))))

  it.effect("a dropped connection closes as Dropped, a Close message as ServerClosed", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const a = yield* connect()
      yield* sim.hubs.drop({ hub: "user" })
      assert.deepStrictEqual(yield* a.closed, { _tag: "Dropped", error: "dropped by the operator" })
      assert.strictEqual((yield* Effect.flip(a.ping)).reason, "Closed")
      assert.strictEqual((yield* Effect.flip(a.invoke("SubscribeAccounts", []))).reason, "Closed")
      const b = yield* connect()
      yield* sim.hubs.drop({ hub: "user" }, { closeFrame: true, error: "maintenance" })
      assert.deepStrictEqual(yield* b.closed, { _tag: "ServerClosed", error: "maintenance", allowReconnect: undefined })
    }).pipe(Effect.scoped, Effect.provide(TestLayer(server))))

  it.effect("401 and refusals are HubConnectError: Unauthorized or Refused", () =>
    Effect.gen(function*() {
      const transport = yield* HubTransport.HubTransport
      const bad = yield* Effect.flip(transport.connect(USER_URL, Redacted.make("nonsense"), targets))
      assert.strictEqual(bad.reason, "Unauthorized")
      const sim = yield* Simulator.Simulator
      yield* sim.hubs.refuse("10 seconds", { status: 503 })
      assert.strictEqual((yield* Effect.flip(connect())).reason, "Refused")
      yield* sim.hubs.refuse("10 seconds", { status: 401 })
      assert.strictEqual((yield* Effect.flip(connect())).reason, "Unauthorized")
      yield* TestClock.adjust("10 seconds")
      yield* connect()
      assert.strictEqual((yield* Effect.flip(connect("http://simulator.local/api/nothing"))).reason, "Refused")
      yield* connect("wss://rtc.example.com/HUBS/Market/?x=1", Object.values(HubEvents.MarketHubEvents))
    }).pipe(Effect.scoped, Effect.provide(TestLayer(server))))

  it.effect("closing the scope closes the connection on the server too", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const socket = yield* Effect.scoped(connect())
      assert.deepStrictEqual(yield* socket.closed, { _tag: "ClientClosed" })
      assert.deepStrictEqual(yield* sim.hubs.connections, [])
    }).pipe(Effect.provide(TestLayer(server))))
})
