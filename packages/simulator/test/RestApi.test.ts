import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Simulator } from "../src/index.js"
import { ACCOUNT, layer, login, market, MNQ, pin } from "./utils/sim.js"

const url = (path: string) => `${Simulator.baseUrl}${path}`

/** POSTs a raw body; returns status and parsed JSON (or text). */
const raw = (path: string, body: string | undefined, token?: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    let req = HttpClientRequest.post(url(path))
    if (body !== undefined) req = HttpClientRequest.bodyText(req, body, "application/json")
    if (token !== undefined) req = HttpClientRequest.setHeader(req, "authorization", `Bearer ${Redacted.value(token)}`)
    const res = yield* http.execute(req)
    const text = yield* res.text
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = text
    }
    return { status: res.status, json, headers: res.headers }
  })

describe("REST wire format", () => {
  it.effect("malformed JSON and missing or invalid fields are 400 naming the field, never a crash", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const broken = yield* raw("/api/Order/place", `{"accountId": 1,`, token)
      assert.strictEqual(broken.status, 400)
      assert.match(JSON.stringify(broken.json), /not valid JSON/)
      const missing = yield* raw("/api/Order/place", JSON.stringify({ accountId: ACCOUNT, type: 2, side: 0, size: 1 }), token)
      assert.strictEqual(missing.status, 400)
      assert.deepStrictEqual((missing.json as { errors: unknown }).errors, {
        contractId: ["The contractId field is required."]
      })
      const wrong = yield* raw(
        "/api/Order/place",
        JSON.stringify({ accountId: "x", contractId: MNQ, type: 9, side: 0, size: 1.5 }),
        token
      )
      assert.deepStrictEqual(Object.keys((wrong.json as { errors: object }).errors).sort(), ["accountId", "size", "type"])
      const empty = yield* raw("/api/Account/search", undefined, token)
      assert.strictEqual(empty.status, 400)
      const array = yield* raw("/api/Account/search", "[1,2]", token)
      assert.strictEqual(array.status, 400)
      const ok = yield* raw("/api/Account/search", JSON.stringify({ onlyActiveAccounts: true, extra: 1 }), token)
      assert.strictEqual(ok.status, 200, "unknown extra fields are ignored")
    }).pipe(Effect.provide(layer())))

  it.effect("absent optional fields are written as null; the envelope follows the payload", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      yield* market(token, 0, 1)
      const orders = yield* raw("/api/Order/search", JSON.stringify({ accountId: ACCOUNT, startTimestamp: "1970-01-01T00:00:00Z" }), token)
      const order = (orders.json as { orders: Array<Record<string, unknown>> }).orders[0]!
      assert.strictEqual(order["limitPrice"], null)
      assert.strictEqual(order["stopPrice"], null)
      assert.strictEqual(order["customTag"], null)
      assert.strictEqual(order["filledPrice"], 21_000.25)
      assert.match(order["creationTimestamp"] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,6}\+00:00$/)
      const trades = yield* raw("/api/Trade/search", JSON.stringify({ accountId: ACCOUNT, startTimestamp: "1970-01-01T00:00:00Z" }), token)
      assert.strictEqual((trades.json as { trades: Array<Record<string, unknown>> }).trades[0]!["profitAndLoss"], null)
      assert.deepStrictEqual(Object.keys(orders.json as object), ["orders", "success", "errorCode", "errorMessage"])
      const rejected = yield* raw("/api/Order/cancel", JSON.stringify({ accountId: ACCOUNT, orderId: 5 }), token)
      assert.deepStrictEqual(rejected.json, {
        success: false,
        errorCode: 2,
        errorMessage: "Order 5 was not found."
      })
      const placeRejected = yield* raw("/api/Order/place", JSON.stringify({ accountId: 1, contractId: MNQ, type: 2, side: 0, size: 1 }), token)
      assert.deepInclude(placeRejected.json as object, { orderId: null, success: false, errorCode: 1 })
    }).pipe(Effect.provide(layer())))

  it.effect("ping, 404 for an unknown path, 405 for a wrong method, paths are case-insensitive", () =>
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const ping = yield* http.get(url("/api/Status/ping"))
      assert.deepStrictEqual([ping.status, yield* ping.text], [200, "pong"])
      assert.strictEqual((yield* raw("/api/Nope/nothing", "{}")).status, 404)
      assert.strictEqual((yield* http.get(url("/api/Account/search"))).status, 405)
      const lower = yield* raw("/api/auth/loginkey", JSON.stringify({ userName: "demo", apiKey: "demo-api-key" }))
      assert.strictEqual((lower.json as { success: boolean }).success, true)
    }).pipe(Effect.provide(layer())))

  it.effect("admin endpoints: logout, expire tokens, price, account, snapshot, rate-limit reset", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const accounts = JSON.stringify({ onlyActiveAccounts: true })
      assert.strictEqual((yield* raw("/admin/expireTokens", "{}")).status, 200)
      assert.strictEqual((yield* raw("/api/Account/search", accounts, token)).status, 401)
      const fresh = yield* login()
      assert.deepStrictEqual((yield* raw("/admin/logout", JSON.stringify({ userName: "demo" }))).json, { ended: 2 })
      assert.strictEqual((yield* raw("/api/Account/search", accounts, fresh)).status, 401)
      const price = yield* raw("/admin/price", JSON.stringify({ contractId: MNQ, price: 20_000 }))
      assert.deepInclude(price.json as object, { bestBid: 20_000, bestAsk: 20_000.25 })
      assert.strictEqual((yield* raw("/admin/price", JSON.stringify({ contractId: "X", price: 1 }))).status, 404)
      const account = yield* raw("/admin/account", JSON.stringify({ accountId: ACCOUNT, canTrade: false }))
      assert.deepInclude(account.json as object, { id: ACCOUNT, canTrade: false })
      const http = yield* HttpClient.HttpClient
      const snap = yield* (yield* http.get(url(`/admin/snapshot?accountId=${ACCOUNT}`))).json
      assert.deepInclude((snap as { account: object }).account, { canTrade: false })
      assert.strictEqual((yield* raw("/admin/rateLimits/reset", "")).status, 200)
      assert.strictEqual((yield* raw("/admin/nothing", "")).status, 404)
    }).pipe(Effect.provide(layer())))

  it.effect("admin endpoints refuse a remote (non-loopback) client", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const call = (remoteAddress: string) =>
        sim.app.pipe(
          Effect.provideService(
            HttpServerRequest.HttpServerRequest,
            HttpServerRequest.fromWeb(new Request(url("/admin/faults"))).modify({ remoteAddress })
          ),
          Effect.map((res) => res.status)
        )
      assert.strictEqual(yield* call("10.0.0.7"), 403)
      assert.strictEqual(yield* call("::ffff:127.0.0.1"), 200)
      assert.strictEqual(yield* call("::1"), 200)
    }).pipe(Effect.provide(layer())))
})
