/**
 * The hubs on a real loopback socket, spoken to with raw `ws` frames (no
 * SignalR library): handshake, skipNegotiation and negotiate flows, 401 and
 * 503 at the upgrade, completions, events merged into one WebSocket message,
 * pings, Close frames and abrupt drops.
 */
import { assert, describe, it } from "@effect/vitest"
import { HubProtocol } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import { Server, type Options } from "../src/index.js"
import { RawHub } from "./utils/rawHub.js"

const MNQ = "CON.F.US.MNQ.Z26"

const post = (base: string, path: string, body: unknown, token?: string) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body)
  })

const login = async (base: string): Promise<string> => {
  const r = await post(base, "/api/Auth/loginKey", { userName: "demo", apiKey: "demo-api-key" })
  return ((await r.json()) as { token: string }).token
}

/** Runs `f` against a simulator on an ephemeral port (`http://127.0.0.1:<port>`). */
const withServer = (f: (base: string) => Promise<void>, options: Options.Options = {}) =>
  Effect.gen(function*() {
    const base = `http://127.0.0.1:${yield* Server.port}`
    yield* Effect.promise(() => f(base))
  }).pipe(Effect.provide(Server.layerSimulator({ port: 0, ...options })))

const ws = (base: string) => base.replace(/^http/, "ws")

describe("hubs on a socket, raw frames", () => {
  it.live("skipNegotiation: handshake, completions with and without id, events merged per tick", () =>
    withServer(async (base) => {
      const token = await login(base)
      const hub = await RawHub.connect(`${ws(base)}/hubs/user?access_token=${token}`)
      hub.send(HubProtocol.invocation("SubscribeOrders", [100001], "1"))
      assert.deepStrictEqual(JSON.parse(await hub.next()), { type: 3, invocationId: "1", result: null })
      hub.send(HubProtocol.invocation("SubscribePositions", [100001])) // no id: no completion
      hub.send(HubProtocol.invocation("SubscribeTrades", [100001], "2"))
      assert.deepStrictEqual(JSON.parse(await hub.next()), { type: 3, invocationId: "2", result: null })
      hub.send(HubProtocol.invocation("SubscribeOrders", [424242], "3"))
      const refused = JSON.parse(await hub.next()) as HubProtocol.Completion
      assert.strictEqual(refused.invocationId, "3")
      assert.match(refused.error!, /HubException: Account 424242 is not an account of this user/)
      hub.send(HubProtocol.invocation("Nope", [], "4"))
      assert.match((JSON.parse(await hub.next()) as HubProtocol.Completion).error!, /Method does not exist/)

      await post(base, "/admin/price", { contractId: MNQ, price: 21_000 })
      const before = hub.messages.length
      const placed = await post(base, "/api/Order/place", { accountId: 100001, contractId: MNQ, type: 2, side: 0, size: 1 }, token)
      assert.strictEqual(placed.status, 200)
      const targets: Array<string> = []
      while (targets.length < 4) {
        const m = await hub.nextWhere((m) => m.type === 1)
        targets.push((m as HubProtocol.Invocation).target)
      }
      assert.deepStrictEqual(targets.sort(), ["GatewayUserOrder", "GatewayUserOrder", "GatewayUserPosition", "GatewayUserTrade"])
      const sent = hub.messages.slice(before)
      assert.isTrue(sent.every((m) => m.endsWith(HubProtocol.RecordSeparator)), "every message ends in 0x1E")
      assert.isTrue(sent.some((m) => m.split(HubProtocol.RecordSeparator).length > 2), "frames of one tick share a message")
      const order = JSON.parse(sent.join("").split(HubProtocol.RecordSeparator)[0]!) as HubProtocol.Invocation
      assert.deepStrictEqual(Object.keys(order.arguments[0] as object), ["action", "data"])
      assert.notInclude(sent.join(""), "null", "absent fields are left out")
      hub.close()
    }))

  it.live("negotiate, then the WebSocket with id= and a Bearer header; an unknown id is 404", () =>
    withServer(async (base) => {
      const token = await login(base)
      const r = await post(base, "/hubs/market/negotiate?negotiateVersion=1", {}, token)
      const n = (await r.json()) as { connectionId: string; connectionToken: string; availableTransports: unknown }
      assert.deepStrictEqual(n.availableTransports, [{ transport: "WebSockets", transferFormats: ["Text"] }])
      const hub = await RawHub.connect(`${ws(base)}/hubs/market?id=${n.connectionToken}`, { authorization: `Bearer ${token}` })
      hub.send(HubProtocol.invocation("SubscribeContractQuotes", [MNQ], "q"))
      const quote = (await hub.nextWhere((m) => m.type === 1)) as HubProtocol.Invocation
      assert.strictEqual(quote.target, "GatewayQuote")
      assert.strictEqual(quote.arguments[0], MNQ)
      assert.deepStrictEqual(JSON.parse(await hub.next()), { type: 3, invocationId: "q", result: null })
      const reused = await RawHub.open(`${ws(base)}/hubs/market?id=${n.connectionToken}&access_token=${token}`).catch((e: Error) => e.message)
      assert.strictEqual(reused, "status 404", "a connection token is used once")
      assert.strictEqual((await post(base, "/hubs/user/negotiate?negotiateVersion=1", {})).status, 401)
      hub.close()
    }))

  it.live("401 at the upgrade for a bad or expired token, 503 while refusing, 404 off the hubs", () =>
    withServer(async (base) => {
      const status = (url: string, headers: Record<string, string> = {}) =>
        RawHub.open(url, headers).then((h) => {
          h.close()
          return "open"
        }, (e: Error) => e.message)
      assert.strictEqual(await status(`${ws(base)}/hubs/user`), "status 401")
      assert.strictEqual(await status(`${ws(base)}/hubs/user?access_token=nonsense`), "status 401")
      const token = await login(base)
      assert.strictEqual(await status(`${ws(base)}/hubs/user`, { authorization: `Bearer ${token}` }), "open")
      await post(base, "/admin/hub/refuse", { durationMillis: 60_000, hub: "user" })
      assert.strictEqual(await status(`${ws(base)}/hubs/user?access_token=${token}`), "status 503")
      assert.strictEqual(await status(`${ws(base)}/hubs/market?access_token=${token}`), "open")
      await post(base, "/admin/expireTokens", {})
      assert.strictEqual(await status(`${ws(base)}/hubs/market?access_token=${token}`), "status 401")
      assert.strictEqual(await status(`${ws(base)}/elsewhere?access_token=${token}`), "status 404")
    }))

  it.live("a wrong protocol fails the handshake; pings arrive; drops are abrupt or with a Close frame", () =>
    withServer(async (base) => {
      const token = await login(base)
      const bad = await RawHub.open(`${ws(base)}/hubs/user?access_token=${token}`)
      bad.sendRaw(HubProtocol.encodeHandshakeRequest("messagepack", 1))
      assert.deepStrictEqual(JSON.parse(await bad.next()), { error: "The protocol 'messagepack' is not supported." })
      assert.strictEqual((await bad.closedWith()).code, 1000)

      const a = await RawHub.connect(`${ws(base)}/hubs/user?access_token=${token}`)
      assert.deepStrictEqual(JSON.parse(await a.next()), { type: 6 }, "a ping")
      await post(base, "/admin/hub/drop", { hub: "user", closeFrame: true, error: "maintenance" })
      assert.deepStrictEqual(await a.nextWhere((m) => m.type !== 6), { type: 7, error: "maintenance" })
      assert.strictEqual((await a.closedWith()).code, 1000)

      const b = await RawHub.connect(`${ws(base)}/hubs/market?access_token=${token}`)
      await post(base, "/admin/hub/drop", { hub: "market" })
      assert.strictEqual((await b.closedWith()).code, 1006, "no close frame: the socket just broke")
      const list = await (await fetch(`${base}/admin/hub/connections`)).json()
      assert.deepStrictEqual(list, [])
    }, { hubPingInterval: "150 millis" }))
})
