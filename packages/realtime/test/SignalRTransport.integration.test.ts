/**
 * The SignalR transport with the real `@microsoft/signalr` client against the
 * simulator on a loopback port: connect, subscribe, an order placed over REST
 * arrives as GatewayUserOrder, server pings count as activity, a server-side
 * drop and a Close message are detected, 401 and 503 at the upgrade are
 * HubConnectError Unauthorized and Refused.
 */
import { assert, describe, it } from "@effect/vitest"
import { HubEvents } from "@tradeguard/gateway"
import { Server, type Options } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as HubTransport from "../src/HubTransport.js"
import type { HubSocket, Inbound } from "../src/HubTransport.js"
import * as SignalRTransport from "../src/SignalRTransport.js"

const ACCOUNT = 100001
const MNQ = "CON.F.US.MNQ.Z26"
const targets = Object.values(HubEvents.UserHubEvents)

const post = (base: string, path: string, body: unknown, token?: string) =>
  Effect.promise(() =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body)
    })
  )

const login = (base: string) =>
  Effect.flatMap(post(base, "/api/Auth/loginKey", { userName: "demo", apiKey: "demo-api-key" }), (r) =>
    Effect.promise(() => r.json() as Promise<{ token: string }>)).pipe(Effect.map((r) => r.token))

/** Runs `f` with a simulator on an ephemeral port and the real SignalR transport. */
const withServer = <A, E>(
  f: (base: string, transport: HubTransport.Service) => Effect.Effect<A, E, Scope.Scope>,
  options: Options.Options = {}
) =>
  Effect.gen(function*() {
    const base = `http://127.0.0.1:${yield* Server.port}`
    const transport = yield* SignalRTransport.make({ logLevel: "none" })
    return yield* f(base, transport)
  }).pipe(Effect.scoped, Effect.provide(Server.layerSimulator({ port: 0, ...options })))

/** Takes from `incoming` until an item satisfies `pred` (the test timeout bounds it). */
const until = (socket: HubSocket, pred: (i: Inbound) => boolean) =>
  Effect.gen(function*() {
    while (true) {
      const item = yield* Effect.orDie(socket.incoming.take)
      if (pred(item)) return item
    }
  })

describe("SignalRTransport over a loopback socket", () => {
  it.live("connects, subscribes, and receives the order placed over REST", () =>
    withServer((base, transport) =>
      Effect.gen(function*() {
        const token = yield* login(base)
        const socket = yield* transport.connect(`${base}/hubs/user`, Redacted.make(token), targets)
        assert.isNull(yield* socket.invoke("SubscribeOrders", [ACCOUNT]))
        yield* socket.send("SubscribeTrades", [ACCOUNT])
        yield* post(base, "/admin/price", { contractId: MNQ, price: 21_000 })
        const placed = yield* post(base, "/api/Order/place", { accountId: ACCOUNT, contractId: MNQ, type: 2, side: 0, size: 1 }, token)
        assert.strictEqual(placed.status, 200)
        const seen: Array<{ target: string; action: number; data: Record<string, unknown> }> = []
        yield* until(socket, (i) => {
          if (i._tag === "Invocation") seen.push({ target: i.target, ...(i.arguments[0] as { action: number; data: Record<string, unknown> }) })
          return seen.some((e) => e.target === "GatewayUserTrade") && seen.some((e) => e.data.status === 2)
        })
        const filled = seen.find((e) => e.target === "GatewayUserOrder" && e.data.status === 2)!
        assert.deepStrictEqual([filled.action, filled.data.accountId, filled.data.fillVolume], [1, ACCOUNT, 1])
        assert.isFalse("limitPrice" in filled.data, "absent fields are left out")
        assert.strictEqual(seen.find((e) => e.target === "GatewayUserTrade")!.action, 0)
        const refused = yield* Effect.flip(socket.invoke("SubscribeOrders", [424_242]))
        assert.strictEqual(refused.reason, "Failed")
        assert.match(refused.detail, /not an account of this user/)
        yield* socket.ping
        yield* socket.close
        assert.deepStrictEqual(yield* socket.closed, { _tag: "ClientClosed" })
        assert.strictEqual((yield* Effect.flip(socket.ping)).reason, "Closed")
      })))

  it.live("server pings arrive as activity", () =>
    withServer((base, transport) =>
      Effect.gen(function*() {
        const socket = yield* transport.connect(`${base}/hubs/market`, Redacted.make(yield* login(base)), [])
        yield* until(socket, (i) => i._tag === "Activity")
        yield* until(socket, (i) => i._tag === "Activity")
      }), { hubPingInterval: "100 millis" }))

  it.live("a server-side drop is Dropped; a Close message is ServerClosed with its error", () =>
    withServer((base, transport) =>
      Effect.gen(function*() {
        const token = Redacted.make(yield* login(base))
        const a = yield* transport.connect(`${base}/hubs/user`, token, targets)
        yield* post(base, "/admin/hub/drop", { hub: "user" })
        const dropped = yield* a.closed
        assert.strictEqual(dropped._tag, "Dropped")
        const b = yield* transport.connect(`${base}/hubs/user`, token, targets)
        yield* post(base, "/admin/hub/drop", { hub: "user", closeFrame: true, error: "maintenance" })
        assert.deepStrictEqual(yield* b.closed, { _tag: "ServerClosed", error: "maintenance", allowReconnect: undefined })
        const c = yield* transport.connect(`${base}/hubs/user`, token, targets)
        yield* post(base, "/admin/logout", { userName: "demo" })
        yield* until(c, (i) => i._tag === "Invocation" && i.target === "GatewayLogout")
        assert.strictEqual((yield* c.closed)._tag, "ServerClosed")
      })))

  it.live("401 at the upgrade is Unauthorized; 503 is Refused; nothing listening is Network", () =>
    withServer((base, transport) =>
      Effect.gen(function*() {
        const bad = yield* Effect.flip(transport.connect(`${base}/hubs/user`, Redacted.make("nonsense"), targets))
        assert.deepStrictEqual([bad._tag, bad.reason], ["HubConnectError", "Unauthorized"])
        const token = Redacted.make(yield* login(base))
        yield* post(base, "/admin/hub/refuse", { durationMillis: 60_000, hub: "market", status: 503 })
        const refused = yield* Effect.flip(transport.connect(`${base}/hubs/market`, token, []))
        assert.deepStrictEqual([refused.reason, refused.detail], ["Refused", "HTTP 503 at the upgrade"])
        const nobody = yield* Effect.flip(transport.connect("http://127.0.0.1:1/hubs/user", token, targets))
        assert.strictEqual(nobody.reason, "Network")
      })))
})
