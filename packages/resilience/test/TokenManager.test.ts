import { assert, describe, it } from "@effect/vitest"
import { Errors } from "@tradeguard/gateway"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { AuthenticationFailed } from "../src/Errors.js"
import * as TokenManager from "../src/TokenManager.js"
import * as TokenStore from "../src/TokenStore.js"
import {
  captureLogs,
  type FakeGateway,
  fakeIdentity,
  HOUR,
  makeFakeGateway,
  makeTokenManager,
  mintJwt,
  serverError,
  settle
} from "./utils/tokenFakes.js"

const value = Redacted.value
const stored = (token: string, expiresAt: number, obtainedAt = 0): TokenStore.StoredToken => ({
  token: Redacted.make(token),
  expiresAt,
  obtainedAt,
  identity: fakeIdentity
})
const times = (fake: FakeGateway, name: "login" | "validate") => fake.calls.filter((c) => c.name === name).map((c) => c.at)
const protectedCall = (fake: FakeGateway) => (token: Redacted.Redacted<string>) =>
  fake.client.accountSearch({ onlyActiveAccounts: true }, token)
/** Runs `effect` in a fiber while advancing the TestClock by `by`. */
const advancing = <A, E>(effect: Effect.Effect<A, E>, by: Duration.DurationInput) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* settle
    yield* TestClock.adjust(by)
    return yield* Fiber.await(fiber)
  })

describe("TokenManager start-up", () => {
  it.scoped("logs in once when nothing is stored, and saves the token with its user and gateway", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const store = yield* TokenStore.makeMemory()
      const tm = yield* makeTokenManager(fake, { store: Layer.succeed(TokenStore.TokenStore, store) })
      assert.strictEqual(fake.count("login"), 1)
      assert.strictEqual(value(yield* tm.get), fake.issued[0])
      const saved = yield* store.load
      assert.isTrue(Option.isSome(saved) && value(saved.value.token) === fake.issued[0])
      assert.deepStrictEqual(Option.getOrThrow(saved).identity, fakeIdentity, "saved with its user and gateway")
      assert.strictEqual((yield* tm.info)?.expiresAt, 24 * HOUR)
    }))

  it.scoped("reuses a valid stored token: no login call", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const token = mintJwt(20 * 3600, "stored")
      const tm = yield* makeTokenManager(fake, { store: TokenStore.layerMemoryWith(stored(token, 20 * HOUR)) })
      yield* settle
      assert.strictEqual(fake.count("login"), 0)
      assert.strictEqual(fake.count("validate"), 0)
      assert.strictEqual(value(yield* tm.get), token)
    }))

  it.scoped("logs in when the stored token has expired", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      yield* TestClock.setTime(30 * HOUR)
      const tm = yield* makeTokenManager(fake, { store: TokenStore.layerMemoryWith(stored("old", 29 * HOUR)) })
      assert.strictEqual(fake.count("login"), 1)
      assert.strictEqual(value(yield* tm.get), fake.issued[0])
    }))

  it.scoped("uses a stored token within the buffer at once and renews it in the background via validate", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const near = mintJwt(3600, "near")
      fake.register(near, HOUR)
      const tm = yield* makeTokenManager(fake, { store: TokenStore.layerMemoryWith(stored(near, HOUR, -23 * HOUR)) })
      assert.strictEqual(fake.count("login"), 0)
      yield* settle
      assert.deepStrictEqual(times(fake, "validate"), [0])
      assert.strictEqual(value(yield* tm.get), fake.issued[0])
      assert.strictEqual((yield* tm.info)?.expiresAt, 24 * HOUR)
    }))

  it.scoped("retries a transient login failure with retryDelayMs, then succeeds", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      fake.failLogin = serverError("authLoginKey", 502)
      const fiber = yield* Effect.fork(makeTokenManager(fake))
      yield* settle
      yield* TestClock.adjust("1 second")
      fake.failLogin = undefined
      yield* TestClock.adjust("5 seconds")
      const tm = yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(fake, "login"), [0, 1000, 6000])
      assert.strictEqual(value(yield* tm.get), fake.issued[0])
    }))

  it.scoped("fails with AuthenticationFailed when the credentials are refused, without retrying", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      fake.failLogin = new Errors.Rejected({ endpoint: "authLoginKey", errorCode: 3, errorName: "InvalidCredentials" })
      const exit = yield* Effect.exit(makeTokenManager(fake))
      assert.deepStrictEqual(
        exit,
        Exit.fail(new AuthenticationFailed({ reason: "loginKey rejected", errorName: "InvalidCredentials" }))
      )
      assert.strictEqual(fake.count("login"), 1)
    }))
})

describe("TokenManager proactive refresh", () => {
  it.scoped("refreshes via validate exactly at exp − bufferSeconds (22 h for a 24 h token), then again 22 h later", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      yield* TestClock.adjust(22 * HOUR - 1)
      yield* settle
      assert.strictEqual(fake.count("validate"), 0)
      yield* TestClock.adjust(1)
      yield* settle
      assert.deepStrictEqual(times(fake, "validate"), [22 * HOUR])
      assert.strictEqual(value(yield* tm.get), fake.issued[1])
      assert.strictEqual((yield* tm.info)?.expiresAt, 46 * HOUR)
      yield* TestClock.adjust(22 * HOUR)
      yield* settle
      assert.deepStrictEqual(times(fake, "validate"), [22 * HOUR, 44 * HOUR])
      assert.strictEqual(fake.count("login"), 1)
    }))

  it.scoped("on validate failure retries after 1 s, 5 s, 15 s (maxRetries 3), then falls back to loginKey", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      fake.failValidate = serverError()
      yield* TestClock.adjust(22 * HOUR + 30_000)
      yield* settle
      const t = 22 * HOUR
      assert.deepStrictEqual(times(fake, "validate"), [t, t + 1000, t + 6000, t + 21000])
      assert.deepStrictEqual(times(fake, "login"), [0, t + 21000])
      assert.strictEqual(value(yield* tm.get), fake.issued[1])
    }))

  it.scoped("goes straight to loginKey when validate says the session is gone", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      yield* makeTokenManager(fake)
      fake.failValidate = new Errors.Rejected({ endpoint: "authValidate", errorCode: 3, errorName: "ExpiredToken" })
      yield* TestClock.adjust(22 * HOUR)
      yield* settle
      assert.deepStrictEqual(times(fake, "validate"), [22 * HOUR])
      assert.deepStrictEqual(times(fake, "login"), [0, 22 * HOUR])
    }))

  it.scoped("never hands out an expired token: an unreadable exp means obtainedAt + 24 h", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      fake.opaqueTokens = true
      const tm = yield* makeTokenManager(fake, { config: { authentication: { tokenRefresh: { bufferSeconds: 60 } } } })
      assert.strictEqual((yield* tm.info)?.expiresAt, 24 * HOUR)
      fake.failValidate = serverError()
      fake.failLogin = serverError("authLoginKey")
      yield* TestClock.adjust(24 * HOUR + 60_000)
      const failed = yield* advancing(tm.get, "2 minutes")
      assert.isTrue(Exit.isFailure(failed), "the expired token must not be returned")
      fake.failValidate = undefined
      fake.failLogin = undefined
      const ok = yield* advancing(tm.get, "2 minutes")
      assert.isTrue(Exit.isSuccess(ok))
      if (Exit.isSuccess(ok)) assert.strictEqual(value(ok.value), fake.issued[fake.issued.length - 1])
    }))

  it.scoped("when validate and login keep failing, backs off (no tight loop) and recovers on its own", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      fake.failValidate = serverError()
      fake.failLogin = serverError("authLoginKey")
      yield* TestClock.adjust(23 * HOUR)
      yield* settle
      const attempts = fake.count("login") - 1
      assert.isAtLeast(attempts, 8)
      assert.isAtMost(attempts, 60, "an hour of failures must not become a tight loop")
      assert.strictEqual(value(yield* tm.get), fake.issued[0], "the still-valid token keeps being served")
      fake.failValidate = undefined
      fake.failLogin = undefined
      yield* TestClock.adjust("6 minutes")
      yield* settle
      assert.strictEqual(value(yield* tm.get), fake.issued[1])
    }))

  it("renews short-lived tokens at half their life, not in a loop", () => {
    const buffer = 2 * HOUR
    assert.strictEqual(TokenManager.refreshDueAt({ token: Redacted.make(""), obtainedAt: 0, expiresAt: 24 * HOUR }, buffer), 22 * HOUR)
    assert.strictEqual(TokenManager.refreshDueAt({ token: Redacted.make(""), obtainedAt: 0, expiresAt: HOUR }, buffer), HOUR / 2)
  })
})

describe("TokenManager single-flight", () => {
  it.scoped("100 concurrent get during a background refresh return at once, with one validate call", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      fake.latency = "1 second"
      yield* TestClock.adjust(22 * HOUR)
      yield* settle
      const callers = yield* Effect.fork(Effect.all(Array.from({ length: 100 }, () => tm.get), { concurrency: "unbounded" }))
      yield* settle
      const done = yield* Fiber.poll(callers)
      assert.isTrue(Option.isSome(done), "callers must not wait for a refresh while the token is usable")
      const tokens = yield* Fiber.join(callers)
      assert.isTrue(tokens.every((t) => value(t) === fake.issued[0]))
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.strictEqual(fake.count("validate"), 1)
      assert.strictEqual(value(yield* tm.get), fake.issued[1])
    }))

  it.scoped("100 concurrent get with an unusable token cause exactly one login, and all get the new token", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      fake.latency = "1 second"
      yield* tm.invalidate(yield* tm.get)
      const exit = yield* advancing(Effect.all(Array.from({ length: 100 }, () => tm.get), { concurrency: "unbounded" }), "1 second")
      assert.strictEqual(fake.count("login"), 2)
      assert.isTrue(Exit.isSuccess(exit) && exit.value.every((t) => value(t) === fake.issued[1]))
    }))

  it.scoped("concurrent forceLogin calls log in once", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      const changes = yield* Effect.fork(Stream.runCollect(Stream.take(tm.changes, 2)))
      yield* settle
      fake.latency = "1 second"
      const exit = yield* advancing(Effect.all([tm.forceLogin, tm.forceLogin], { concurrency: "unbounded" }), "1 second")
      assert.isTrue(Exit.isSuccess(exit))
      const [a, b] = Exit.isSuccess(exit) ? exit.value : []
      assert.strictEqual(fake.count("login"), 2)
      assert.strictEqual(value(a!), fake.issued[1])
      assert.strictEqual(value(b!), fake.issued[1])
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(changes)).map((i) => value(i.token))
      assert.deepStrictEqual(seen, [fake.issued[0], fake.issued[1]])
    }))
})

describe("TokenManager.ensureValidFor", () => {
  it.scoped("refreshes first when the token would expire before a long operation ends", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      yield* TestClock.adjust(20 * HOUR)
      assert.strictEqual(value(yield* tm.ensureValidFor("3 hours")), fake.issued[0])
      assert.strictEqual(fake.count("validate"), 0)
      const token = yield* tm.ensureValidFor("5 hours")
      assert.strictEqual(value(token), fake.issued[1])
      assert.deepStrictEqual(times(fake, "validate"), [20 * HOUR])
      yield* TestClock.adjust(2 * HOUR + 1000)
      yield* settle
      assert.strictEqual(fake.count("validate"), 1, "the background refresh is rescheduled for the new token")
    }))
})

describe("TokenManager 401 handling (withAuth)", () => {
  it.scoped("a 401 causes one refresh and one replay, and the call succeeds", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      fake.revokeAll()
      const reply = yield* TokenManager.withAuth(tm, protectedCall(fake))
      assert.deepStrictEqual(reply, { accounts: [] })
      assert.strictEqual(fake.count("accountSearch"), 2)
      assert.strictEqual(fake.count("login"), 2)
    }))

  it.scoped("20 concurrent calls refused with 401 cause exactly one new login", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      fake.revokeAll()
      fake.latency = "1 second"
      const slowCall = (token: Redacted.Redacted<string>) => Effect.zipRight(Effect.sleep("100 millis"), protectedCall(fake)(token))
      const calls = Array.from({ length: 20 }, () => TokenManager.withAuth(tm, slowCall))
      const exit = yield* advancing(Effect.all(calls, { concurrency: "unbounded" }), "2 seconds")
      assert.isTrue(Exit.isSuccess(exit) && exit.value.length === 20)
      assert.strictEqual(fake.count("login"), 2)
      assert.strictEqual(fake.count("accountSearch"), 40)
    }))

  it.scoped("a second 401 is AuthenticationFailed (the call ran twice)", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      let runs = 0
      const alwaysRefused = () => Effect.suspend(() => (runs++, Effect.fail(new Errors.Unauthorized({ endpoint: "orderPlace" }))))
      const exit = yield* Effect.exit(TokenManager.withAuth(tm, alwaysRefused))
      assert.strictEqual(runs, 2)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(TokenManager.withAuth(tm, alwaysRefused))
      assert.strictEqual(error._tag, "AuthenticationFailed")
    }))

  it.scoped("invalidate with a token that is no longer current does nothing", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      yield* tm.invalidate(Redacted.make("some-older-token"))
      assert.strictEqual(value(yield* tm.get), fake.issued[0])
      assert.strictEqual(fake.count("login"), 1)
    }))

  it.scoped("invalidate with scope session also drops a token renewed from the refused one by validate", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const tm = yield* makeTokenManager(fake)
      const first = yield* tm.get
      yield* TestClock.adjust(22 * HOUR)
      yield* settle
      assert.strictEqual(value(yield* tm.get), fake.issued[1], "renewed via validate")
      yield* tm.invalidate(first)
      assert.strictEqual(value(yield* tm.get), fake.issued[1], "scope token: the renewed token stays")
      assert.strictEqual(fake.count("login"), 1)
      yield* tm.invalidate(first, "session")
      assert.strictEqual(value(yield* tm.get), fake.issued[2], "scope session: it went too, a login followed")
      assert.strictEqual(fake.count("login"), 2)
      yield* tm.invalidate(first, "session")
      assert.strictEqual(value(yield* tm.get), fake.issued[2], "a new login's token is of another session")
      assert.strictEqual(fake.count("login"), 2)
    }))

  it.scoped("invalidate with scope session of a stored token drops it", () =>
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const jwt = mintJwt(20 * 3600, "stored")
      const tm = yield* makeTokenManager(fake, { store: TokenStore.layerMemoryWith(stored(jwt, 20 * HOUR)) })
      const token = yield* tm.get
      assert.strictEqual(value(token), jwt)
      assert.strictEqual(fake.count("login"), 0)
      yield* tm.invalidate(token, "session")
      assert.strictEqual(value(yield* tm.get), fake.issued[0])
      assert.strictEqual(fake.count("login"), 1)
    }))

  it.effect("authenticated reads the TokenManager from the context (layerStatic)", () =>
    Effect.gen(function*() {
      const token = yield* TokenManager.authenticated((t) => Effect.succeed(value(t)))
      assert.strictEqual(token, "static-token")
    }).pipe(Effect.provide(TokenManager.layerStatic("static-token"))))
})

describe("TokenManager logging", () => {
  it.scoped("never writes the token or the API key to a log line", () => {
    const lines: Array<string> = []
    return captureLogs(
      Effect.gen(function*() {
        const fake = makeFakeGateway()
        const tm = yield* makeTokenManager(fake)
        fake.failValidate = serverError()
        yield* TestClock.adjust(22 * HOUR + 30_000)
        yield* settle
        yield* tm.invalidate(yield* tm.get)
        yield* tm.get
        yield* tm.forceLogin
        yield* TokenManager.withAuth(tm, () => Effect.fail(new Errors.Unauthorized({ endpoint: "x" }))).pipe(Effect.ignore)
        assert.isAtLeast(fake.issued.length, 4)
        assert.isTrue(lines.some((l) => l.includes("token obtained via login")))
        assert.isTrue(lines.some((l) => l.includes("falling back to loginKey")))
        for (const line of lines) {
          for (const token of fake.issued) assert.notInclude(line, token)
          for (const token of fake.issued) assert.notInclude(line, token.split(".")[1]!)
          assert.notInclude(line, "api-key-secret")
        }
      }),
      lines
    )
  })
})
