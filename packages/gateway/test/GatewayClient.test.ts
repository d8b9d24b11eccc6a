import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Endpoints, GatewayClient } from "../src/index.js"

type Reply =
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  | "transport-error"
  | "hang"

/** An HttpClient that answers every request with `reply` and records what it was sent. */
const fakeHttp = (reply: Reply, seen: Array<HttpClientRequest.HttpClientRequest> = []) =>
  HttpClient.make((request) => {
    seen.push(request)
    if (reply === "transport-error") {
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("ECONNRESET") }))
    }
    if (reply === "hang") return Effect.never
    return Effect.succeed(
      HttpClientResponse.fromWeb(request, new Response(reply.body, { status: reply.status, headers: reply.headers ?? {} }))
    )
  })

const withClient = (reply: Reply, seen?: Array<HttpClientRequest.HttpClientRequest>) =>
  GatewayClient.layer({ baseUrl: "http://gw.test/", timeout: "5 seconds" }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, fakeHttp(reply, seen)))
  )

const token = Redacted.make("jwt-token")
const json = (body: unknown) => ({ status: 200, body: JSON.stringify(body) })
const ok = (payload: object = {}) => json({ success: true, errorCode: 0, errorMessage: null, ...payload })
const place = { accountId: 1, contractId: "CON.F.US.MNQ.U26", type: 2, side: 0, size: 1, customTag: "t-1" } as const

const run = <A, E>(reply: Reply, f: (c: GatewayClient.Service) => Effect.Effect<A, E>) =>
  Effect.flatMap(GatewayClient.GatewayClient, f).pipe(Effect.provide(withClient(reply)))

describe("GatewayClient", () => {
  it.effect("sends the bearer token and the strict JSON body, and decodes the payload", () =>
    Effect.gen(function*() {
      const seen: Array<HttpClientRequest.HttpClientRequest> = []
      const reply = yield* Effect.flatMap(GatewayClient.GatewayClient, (c) => c.orderPlace(place, token)).pipe(
        Effect.provide(withClient(ok({ orderId: 3408995735 }), seen))
      )
      assert.deepStrictEqual(reply, { orderId: 3408995735 })
      assert.strictEqual(seen[0]!.url, "http://gw.test/api/Order/place")
      assert.strictEqual(seen[0]!.headers["authorization"], "Bearer jwt-token")
      const body = seen[0]!.body
      assert.strictEqual(body._tag, "Uint8Array")
      if (body._tag === "Uint8Array") assert.deepStrictEqual(JSON.parse(new TextDecoder().decode(body.body)), place)
    }))

  it.effect("an endpoint path that would change the host is refused before sending: no token to another host", () =>
    Effect.gen(function*() {
      const seen: Array<HttpClientRequest.HttpClientRequest> = []
      const elsewhere = { ...Endpoints.accountSearch, path: ".evil.test/api/Account/search" }
      const e = yield* Effect.flip(
        Effect.flatMap(GatewayClient.GatewayClient, (c) => c.call(elsewhere, { onlyActiveAccounts: true }, token)).pipe(
          Effect.provide(withClient(ok({ accounts: [] }), seen))
        )
      )
      assert.strictEqual(e._tag, "InvalidRequest")
      assert.strictEqual(seen.length, 0, "nothing sent, so no Authorization header anywhere")
    }))

  it("every endpoint of the table stays on the base URL's host", () => {
    for (const e of Object.values(Endpoints.all)) {
      assert.strictEqual(new URL(`http://gw.test${e.path}`).host, "gw.test", e.name)
    }
  })

  it.effect("maps 401 to Unauthorized", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(run({ status: 401, body: "" }, (c) => c.accountSearch({ onlyActiveAccounts: true }, token)))
      assert.strictEqual(e._tag, "Unauthorized")
    }))

  it.effect("an authenticated call without a token is Unauthorized and sends nothing", () =>
    Effect.gen(function*() {
      const seen: Array<HttpClientRequest.HttpClientRequest> = []
      const e = yield* Effect.flip(
        Effect.flatMap(GatewayClient.GatewayClient, (c) => c.accountSearch({ onlyActiveAccounts: true })).pipe(
          Effect.provide(withClient(ok({ accounts: [] }), seen))
        )
      )
      assert.strictEqual(e._tag, "Unauthorized")
      assert.strictEqual(seen.length, 0)
    }))

  it.effect("maps 429 to RateLimited with Retry-After in seconds", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(
        run({ status: 429, body: "", headers: { "retry-after": "17" } }, (c) => c.accountSearch({ onlyActiveAccounts: true }, token))
      )
      assert.strictEqual(e._tag, "RateLimited")
      if (e._tag === "RateLimited") assert.strictEqual(Duration.toMillis(e.retryAfter!), 17_000)
    }))

  it.effect("maps 429 without Retry-After to RateLimited without a delay", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(run({ status: 429, body: "" }, (c) => c.accountSearch({ onlyActiveAccounts: true }, token)))
      assert.strictEqual(e._tag, "RateLimited")
      if (e._tag === "RateLimited") assert.isUndefined(e.retryAfter)
    }))

  it.effect("maps 5xx to ServerError with the status", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(run({ status: 503, body: "down" }, (c) => c.accountSearch({ onlyActiveAccounts: true }, token)))
      assert.strictEqual(e._tag, "ServerError")
      if (e._tag === "ServerError") assert.strictEqual(e.status, 503)
    }))

  it.effect("maps other statuses (400, 404) to UnexpectedStatus", () =>
    Effect.gen(function*() {
      for (const status of [400, 403, 404, 408]) {
        const e = yield* Effect.flip(run({ status, body: "no" }, (c) => c.accountSearch({ onlyActiveAccounts: true }, token)))
        assert.strictEqual(e._tag, "UnexpectedStatus")
        if (e._tag === "UnexpectedStatus") assert.strictEqual(e.status, status)
      }
    }))

  it.effect("maps success=false to Rejected with the endpoint's error name", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(
        run(json({ success: false, errorCode: 2, errorMessage: "tag in use" }), (c) => c.orderPlace(place, token))
      )
      assert.strictEqual(e._tag, "Rejected")
      if (e._tag === "Rejected") {
        assert.strictEqual(e.errorCode, 2)
        assert.strictEqual(e.errorName, "OrderRejected")
        assert.strictEqual(e.errorMessage, "tag in use")
      }
    }))

  it.effect("a transport failure on a read is TransportError", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(run("transport-error", (c) => c.orderSearchOpen({ accountId: 1 }, token)))
      assert.strictEqual(e._tag, "TransportError")
    }))

  it.effect("a transport failure on a mutation is OutcomeUnknown with the request and its customTag", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(run("transport-error", (c) => c.orderPlace(place, token)))
      assert.strictEqual(e._tag, "OutcomeUnknown")
      if (e._tag === "OutcomeUnknown") {
        assert.strictEqual(e.customTag, "t-1")
        assert.deepStrictEqual(e.request, place)
      }
    }))

  it.effect("a call with no reply times out (TransportError for reads, OutcomeUnknown for mutations)", () =>
    Effect.gen(function*() {
      const read = yield* Effect.fork(Effect.flip(run("hang", (c) => c.orderSearchOpen({ accountId: 1 }, token))))
      const write = yield* Effect.fork(Effect.flip(run("hang", (c) => c.orderCancel({ accountId: 1, orderId: 5 }, token))))
      yield* TestClock.adjust("5 seconds")
      const r = yield* Fiber.join(read)
      const w = yield* Fiber.join(write)
      assert.strictEqual(r._tag, "TransportError")
      if (r._tag === "TransportError") assert.strictEqual(r.reason, "Timeout")
      assert.strictEqual(w._tag, "OutcomeUnknown")
    }))

  it.effect("a reply that breaks the contract is DecodeError naming the path", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(
        run(ok({ accounts: [{ id: 1, name: "a", balance: "lots", canTrade: true, isVisible: true }] }), (c) =>
          c.accountSearch({ onlyActiveAccounts: true }, token))
      )
      assert.strictEqual(e._tag, "DecodeError")
      if (e._tag === "DecodeError") assert.strictEqual(e.path, "accounts[0].balance")
    }))

  it.effect("a reply that is not JSON is DecodeError", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(run({ status: 200, body: "<html>" }, (c) => c.accountSearch({ onlyActiveAccounts: true }, token)))
      assert.strictEqual(e._tag, "DecodeError")
    }))

  it.effect("a request that breaks the contract is InvalidRequest and is not sent", () =>
    Effect.gen(function*() {
      const seen: Array<HttpClientRequest.HttpClientRequest> = []
      const e = yield* Effect.flip(
        Effect.flatMap(GatewayClient.GatewayClient, (c) => c.orderPlace({ ...place, size: 1.5 }, token)).pipe(
          Effect.provide(withClient(ok({ orderId: 1 }), seen))
        )
      )
      assert.strictEqual(e._tag, "InvalidRequest")
      if (e._tag === "InvalidRequest") assert.strictEqual(e.path, "size")
      assert.strictEqual(seen.length, 0)
    }))

  it.effect("the login token decodes as Redacted and never prints", () =>
    Effect.gen(function*() {
      const reply = yield* run(ok({ token: "secret.jwt.value" }), (c) => c.authLoginKey({ userName: "u", apiKey: "k" }))
      assert.strictEqual(Redacted.value(reply.token), "secret.jwt.value")
      assert.notInclude(String(reply.token), "secret")
      assert.notInclude(JSON.stringify(reply), "secret")
    }))

  it.effect("ping answers the text", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* run({ status: 200, body: "pong" }, (c) => c.ping), "pong")
    }))

  it("parseRetryAfter reads seconds and HTTP dates", () => {
    assert.strictEqual(Duration.toMillis(GatewayClient.parseRetryAfter("3", 0)!), 3000)
    const now = Date.UTC(2026, 0, 1, 0, 0, 0)
    assert.strictEqual(Duration.toMillis(GatewayClient.parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)!), 10_000)
    assert.isUndefined(GatewayClient.parseRetryAfter("soon", now))
    assert.isUndefined(GatewayClient.parseRetryAfter(undefined, now))
  })
})
