/**
 * The simulator on a real loopback socket (port 0): ping, login, 401, 429,
 * a dropped reply as a destroyed connection, and the admin endpoint.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { GatewayClient } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Server, Simulator } from "../src/index.js"

const withServer = <A, E>(
  f: (base: string) => Effect.Effect<A, E, GatewayClient.GatewayClient | Simulator.Simulator>
) =>
  Effect.gen(function*() {
    const base = `http://127.0.0.1:${yield* Server.port}`
    return yield* f(base).pipe(Effect.provide(GatewayClient.layer({ baseUrl: base, timeout: "5 seconds" })))
  }).pipe(
    Effect.provide(
      Server.layerSimulator({ port: 0, rateLimits: { general: { limit: 5, window: "1 minute" } } }).pipe(
        Layer.provideMerge(FetchHttpClient.layer)
      )
    )
  )

describe("Server on a loopback socket", () => {
  it.live("ping, login, 401 without a token, 429 past the limit with Retry-After", () =>
    withServer((base) =>
      Effect.gen(function*() {
        const ping = yield* Effect.promise(() => fetch(`${base}/api/Status/ping`))
        assert.deepStrictEqual([ping.status, yield* Effect.promise(() => ping.text())], [200, "pong"])
        const login = yield* Effect.promise(() =>
          fetch(`${base}/api/Auth/loginKey`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ userName: "demo", apiKey: "demo-api-key" })
          }).then((r) => r.json() as Promise<{ token: string; success: boolean }>)
        )
        assert.isTrue(login.success)
        const search = (auth?: string) =>
          Effect.promise(() =>
            fetch(`${base}/api/Account/search`, {
              method: "POST",
              headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
              body: JSON.stringify({ onlyActiveAccounts: true })
            })
          )
        assert.strictEqual((yield* search()).status, 401)
        assert.strictEqual((yield* search("Bearer nonsense")).status, 401)
        for (let i = 0; i < 5; i++) assert.strictEqual((yield* search(`Bearer ${login.token}`)).status, 200)
        const limited = yield* search(`Bearer ${login.token}`)
        assert.strictEqual(limited.status, 429)
        const retryAfter = Number(limited.headers.get("retry-after"))
        assert.isTrue(retryAfter >= 59 && retryAfter <= 60, `Retry-After ${retryAfter}`)
      })
    ))

  it.live("a dropped reply destroys the connection: OutcomeUnknown, yet the order exists", () =>
    withServer((base) =>
      Effect.gen(function*() {
        const client = yield* GatewayClient.GatewayClient
        const { token } = yield* client.authLoginKey({ userName: "demo", apiKey: "demo-api-key" })
        const set = yield* Effect.promise(() =>
          fetch(`${base}/admin/faults`, {
            method: "POST",
            body: JSON.stringify({ dropReply: { probability: 1, endpoints: ["orderPlace"] } })
          })
        )
        assert.strictEqual(set.status, 200)
        const e = yield* Effect.flip(
          client.orderPlace({
            accountId: 100001,
            contractId: "CON.F.US.MNQ.Z26",
            type: 2,
            side: 0,
            size: 1,
            customTag: "lost-reply"
          }, token)
        )
        assert.strictEqual(e._tag, "OutcomeUnknown")
        const sim = yield* Simulator.Simulator
        const snap = yield* sim.exchange.snapshot(100001)
        assert.deepStrictEqual(snap.orders.map((o) => [o.customTag, o.status]), [["lost-reply", 2]])
        assert.strictEqual(yield* client.ping, "pong", "the server keeps serving")
      })
    ))
})
