/**
 * On loopback sockets: a spy gateway (node:http, port 0) records every request
 * with its Authorization header. Two runs share one encrypted token file, as
 * two starts of the daemon would; between them PROJECTX_USERNAME or
 * `api.baseUrl` changes. The second run must log in first and never send the
 * first run's token — not to the same host for another user, not to a new host.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { GatewayClient } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import { ResilienceConfig } from "../src/Config.js"
import * as RateLimiter from "../src/RateLimiter.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import * as TokenManager from "../src/TokenManager.js"
import * as TokenStore from "../src/TokenStore.js"
import { mintJwt } from "./utils/tokenFakes.js"

interface Seen {
  readonly path: string
  readonly authorization: string | undefined
  readonly userName: string | undefined
}

interface Spy {
  readonly baseUrl: string
  readonly seen: Array<Seen>
  /** Tokens this spy issued, per user. */
  readonly issued: Map<string, string>
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** A gateway that logs in anyone, answers Account/search to its own tokens (401 otherwise), and records everything. */
const spyGateway = (name: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly spy: Spy; readonly server: http.Server }>((resume) => {
      const seen: Array<Seen> = []
      const issued = new Map<string, string>()
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString("utf8")) as { userName?: string }
          const authorization = req.headers.authorization
          seen.push({ path: req.url ?? "", authorization, userName: body.userName })
          if (req.url === "/api/Auth/loginKey") {
            const token = mintJwt(4_102_444_800, `${name}-${body.userName}-${issued.size + 1}`)
            issued.set(body.userName ?? "", token)
            return json(res, 200, { success: true, errorCode: 0, errorMessage: null, token })
          }
          if (req.url === "/api/Account/search") {
            const own = [...issued.values()].some((t) => authorization === `Bearer ${t}`)
            return own ? json(res, 200, { success: true, errorCode: 0, errorMessage: null, accounts: [] }) : json(res, 401, {})
          }
          json(res, 404, {})
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ spy: { baseUrl: `http://127.0.0.1:${port}`, seen, issued }, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ).pipe(Effect.map(({ spy }) => spy))

/** One run of the daemon's REST side: log in (or reuse the stored token), then one authenticated call. */
const run = (options: { readonly baseUrl: string; readonly userName: string; readonly file: string; readonly key: string }) =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    yield* gateway.accountSearch({ onlyActiveAccounts: true })
  }).pipe(
    Effect.scoped,
    Effect.provide(
      ResilientGateway.layerWithoutDependencies.pipe(
        Layer.provideMerge(Layer.mergeAll(TokenManager.layer, RateLimiter.layer, CircuitBreaker.layer)),
        Layer.provide(Layer.mergeAll(
          TokenStore.layerEncryptedFile({ path: options.file, key: Redacted.make(options.key) }).pipe(Layer.orDie),
          TokenManager.Credentials.layer(options.userName, "api-key-secret")
        )),
        Layer.provideMerge(GatewayClient.layer({ baseUrl: options.baseUrl, timeout: "5 seconds" })),
        Layer.provide(ResilienceConfig.layer({ api: { baseUrl: options.baseUrl }, logging: { resilience: { tokenRefresh: false } } })),
        Layer.provide(FetchHttpClient.layer)
      )
    )
  )

const tokenFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-identity-")), "token.enc")
const bearers = (seen: ReadonlyArray<Seen>) => seen.flatMap((s) => (s.authorization === undefined ? [] : [s.authorization]))

describe("the stored token goes only to its own user and gateway (loopback)", () => {
  it.scopedLive("a token stored for another user is never sent: the new user logs in first", () =>
    Effect.gen(function*() {
      const spy = yield* spyGateway("gw")
      const file = tokenFile()
      const key = crypto.randomBytes(32).toString("hex")
      yield* run({ baseUrl: spy.baseUrl, userName: "alice", file, key })
      const alices = spy.issued.get("alice")!
      assert.include(bearers(spy.seen), `Bearer ${alices}`, "the first run used alice's token")
      const firstRun = spy.seen.length

      yield* run({ baseUrl: spy.baseUrl, userName: "bob", file, key })
      const second = spy.seen.slice(firstRun)
      assert.deepStrictEqual(second[0], { path: "/api/Auth/loginKey", authorization: undefined, userName: "bob" })
      assert.notInclude(bearers(second), `Bearer ${alices}`)
      assert.deepStrictEqual(bearers(second), [`Bearer ${spy.issued.get("bob")}`])
    }))

  it.scopedLive("a token stored for another base URL is never sent to the new one: it gets a login first", () =>
    Effect.gen(function*() {
      const before = yield* spyGateway("old")
      const after = yield* spyGateway("new")
      const file = tokenFile()
      const key = crypto.randomBytes(32).toString("hex")
      yield* run({ baseUrl: before.baseUrl, userName: "trader", file, key })
      const old = before.issued.get("trader")!

      yield* run({ baseUrl: `${after.baseUrl}/`, userName: "trader", file, key })
      assert.deepStrictEqual(after.seen[0], { path: "/api/Auth/loginKey", authorization: undefined, userName: "trader" })
      assert.notInclude(bearers(after.seen), `Bearer ${old}`)
      assert.deepStrictEqual(bearers(after.seen), [`Bearer ${after.issued.get("trader")}`])
      assert.strictEqual(before.seen.length, 2, "nothing more reached the old gateway")
    }))

  it.scopedLive("a restart for the same user at the same gateway reuses the stored token (no second login)", () =>
    Effect.gen(function*() {
      const spy = yield* spyGateway("gw")
      const file = tokenFile()
      const key = crypto.randomBytes(32).toString("hex")
      yield* run({ baseUrl: spy.baseUrl, userName: "trader", file, key })
      yield* run({ baseUrl: spy.baseUrl, userName: "trader", file, key })
      assert.deepStrictEqual(spy.seen.map((s) => s.path), ["/api/Auth/loginKey", "/api/Account/search", "/api/Account/search"])
    }))
})
