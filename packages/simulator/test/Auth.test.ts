import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Options, Simulator } from "../src/index.js"
import * as Jwt from "../src/internal/Jwt.js"
import { client, layer, login } from "./utils/sim.js"

const accountSearch = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(client, (c) => c.accountSearch({ onlyActiveAccounts: true }, token))

/** The status of a raw Account/search with these headers. */
const rawStatus = (headers: Record<string, string>) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const res = yield* http.execute(
      HttpClientRequest.post(`${Simulator.baseUrl}/api/Account/search`).pipe(
        HttpClientRequest.setHeaders(headers),
        HttpClientRequest.bodyUnsafeJson({ onlyActiveAccounts: true })
      )
    )
    return res.status
  })

describe("Auth", () => {
  it.effect("401 for a missing, malformed, badly signed or unknown token", () =>
    Effect.gen(function*() {
      const token = Redacted.value(yield* login())
      assert.strictEqual(yield* rawStatus({}), 401)
      assert.strictEqual(yield* rawStatus({ authorization: "Bearer" }), 401)
      assert.strictEqual(yield* rawStatus({ authorization: `Basic ${token}` }), 401)
      assert.strictEqual(yield* rawStatus({ authorization: "Bearer not-a-jwt" }), 401)
      const [h, p, s] = token.split(".")
      const tampered = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith("AA") ? "BB" : "AA"}`
      assert.strictEqual(yield* rawStatus({ authorization: `Bearer ${tampered}` }), 401)
      const forged = Jwt.sign({ sub: "demo", uid: 1, sid: "s1", jti: "t999", iat: 0, exp: 10 ** 10 }, "tradeguard-simulator-1")
      assert.strictEqual(yield* rawStatus({ authorization: `Bearer ${forged}` }), 401, "well signed, but never issued")
      assert.strictEqual(yield* rawStatus({ authorization: `bearer ${token}` }), 200)
      const sim = yield* Simulator.Simulator
      const reasons = yield* Effect.all(
        [undefined, "x.y", tampered, forged].map((t) => Effect.flip(sim.auth.authenticate(t)))
      )
      assert.deepStrictEqual(reasons.map((r) => r.reason), ["missing", "malformed", "signature", "unknown"])
    }).pipe(Effect.provide(layer())))

  it.effect("a token expires after 24 hours; validate before then gives a fresh one", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const [, payload] = Redacted.value(token).split(".")
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as { exp: number; iat: number }
      assert.strictEqual(claims.exp - claims.iat, 24 * 3600)
      yield* TestClock.adjust("23 hours")
      const { newToken } = yield* c.authValidate({}, token)
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* Effect.flip(accountSearch(token)))._tag, "Unauthorized", "the old token expired")
      assert.strictEqual((yield* Effect.flip(c.authValidate({}, token)))._tag, "Unauthorized")
      assert.strictEqual((yield* accountSearch(newToken)).accounts.length, 2, "the new one lives 24 h from validate")
      yield* TestClock.adjust("23 hours")
      assert.strictEqual((yield* Effect.flip(accountSearch(newToken)))._tag, "Unauthorized")
    }).pipe(Effect.provide(layer())))

  it.effect("the token lifetime is configurable", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* TestClock.adjust("59 minutes")
      yield* accountSearch(token)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Effect.flip(accountSearch(token)))._tag, "Unauthorized")
    }).pipe(Effect.provide(layer({ tokenLifetime: "1 hour" }))))

  it.effect("logout ends the session: its tokens, validated ones included, get 401", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const other = yield* login()
      const { newToken } = yield* c.authValidate({}, token)
      yield* c.authLogout({}, token)
      for (const t of [token, newToken]) assert.strictEqual((yield* Effect.flip(accountSearch(t)))._tag, "Unauthorized")
      assert.strictEqual((yield* accountSearch(other)).accounts.length, 2, "another session is unaffected")
    }).pipe(Effect.provide(layer())))

  it.effect("wrong credentials are rejected with the Login codes", () =>
    Effect.gen(function*() {
      const c = yield* client
      const codes = yield* Effect.all([
        Effect.flip(c.authLoginKey({ userName: "demo", apiKey: "wrong" })),
        Effect.flip(c.authLoginKey({ userName: "nobody", apiKey: "demo-api-key" })),
        ...[
          { appId: "other" },
          { verifyKey: "wrong" },
          { deviceId: "" },
          { userName: "nobody" },
          { password: "wrong" }
        ].map((patch) =>
          Effect.flip(c.authLoginApp({
            userName: "demo",
            password: Options.defaultPassword,
            deviceId: "d",
            ...Options.defaultApp,
            ...patch
          }))
        )
      ])
      assert.deepStrictEqual(codes.map((e) => e._tag === "Rejected" ? `${e.errorCode} ${e.errorName}` : e._tag), [
        "3 InvalidCredentials",
        "3 InvalidCredentials",
        "4 AppNotFound",
        "5 AppVerificationFailed",
        "6 InvalidDevice",
        "1 UserNotFound",
        "2 PasswordVerificationFailed"
      ])
    }).pipe(Effect.provide(layer())))

  it.effect("a forced logout ends the user's sessions and publishes Logout; expireTokens expires them", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const events = yield* sim.exchange.subscribe
      const token = yield* login()
      const alice = yield* login("alice", "alice-key")
      assert.strictEqual(yield* sim.auth.forceLogout("demo"), 1)
      assert.strictEqual((yield* Effect.flip(accountSearch(token)))._tag, "Unauthorized")
      yield* accountSearch(alice)
      const logout = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
      assert.deepInclude(logout.find((e) => e._tag === "Logout"), {
        _tag: "Logout",
        userName: "demo",
        sessionIds: ["s1"],
        reason: "forced"
      })
      assert.strictEqual(yield* sim.auth.expireTokens(), 1)
      assert.strictEqual((yield* Effect.flip(accountSearch(alice)))._tag, "Unauthorized")
      const again = yield* login("alice", "alice-key")
      yield* accountSearch(again)
    }).pipe(Effect.scoped, Effect.provide(layer({ users: [{ userName: "alice", apiKey: "alice-key" }] }))))

  it.effect("singleSessionPerUser: a new login replaces the previous session", () =>
    Effect.gen(function*() {
      const first = yield* login()
      const second = yield* login()
      assert.strictEqual((yield* Effect.flip(accountSearch(first)))._tag, "Unauthorized")
      yield* accountSearch(second)
    }).pipe(Effect.provide(layer({ singleSessionPerUser: true }))))

  it.effect("latency from the fault plan delays the reply, in simulated time", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ latency: { minMillis: 2_000 } })
      const fiber = yield* Effect.fork(accountSearch(token))
      yield* TestClock.adjust("1999 millis")
      assert.isTrue((yield* Fiber.poll(fiber))._tag === "None", "no reply before 2 s")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).accounts.length, 2)
    }).pipe(Effect.provide(layer())))
})
