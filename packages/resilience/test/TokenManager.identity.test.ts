/**
 * A stored token is tied to the user and the gateway it was issued for: one of
 * another user or another gateway, or one naming none (an older record), is
 * discarded with a warning and a fresh login follows; the old token is never
 * handed out (so never sent).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TokenIdentity from "../src/internal/tokenIdentity.js"
import * as TokenStore from "../src/TokenStore.js"
import { TokenStoreError } from "../src/TokenStore.js"
import { captureLogs, fakeIdentity, HOUR, makeFakeGateway, makeTokenManager, mintJwt } from "./utils/tokenFakes.js"

const oldToken = mintJwt(20 * 3600, "previous-run")
const record = (identity?: TokenStore.TokenIdentity): TokenStore.StoredToken => ({
  token: Redacted.make(oldToken),
  expiresAt: 20 * HOUR,
  obtainedAt: 0,
  ...(identity === undefined ? {} : { identity })
})

/** Starts a TokenManager over a memory store holding `stored`; returns what a user would notice. */
const startWith = (stored: TokenStore.StoredToken, userName = "trader") => {
  const lines: Array<string> = []
  return captureLogs(
    Effect.gen(function*() {
      const fake = makeFakeGateway()
      const store = yield* TokenStore.makeMemory(stored)
      const tm = yield* makeTokenManager(fake, { store: Layer.succeed(TokenStore.TokenStore, store), userName })
      const token = Redacted.value(yield* tm.get)
      const saved = Option.getOrUndefined(yield* store.load)
      return { fake, token, saved, lines }
    }),
    lines
  )
}

const warned = (lines: ReadonlyArray<string>, text: string) =>
  lines.some((l) => l.includes("\"level\":\"WARN\"") && l.includes("stored token discarded") && l.includes(text))

describe("TokenManager: the stored token's user and gateway", () => {
  it.scoped("a token stored for another user is discarded and a fresh login follows", () =>
    Effect.gen(function*() {
      const { fake, lines, saved, token } = yield* startWith(record({ ...fakeIdentity, userName: "someone-else" }))
      assert.strictEqual(fake.count("login"), 1, "a fresh login")
      assert.strictEqual(token, fake.issued[0])
      assert.notStrictEqual(token, oldToken)
      assert.isTrue(warned(lines, "another user"))
      assert.strictEqual(Redacted.value(saved!.token), fake.issued[0], "the new token replaces the other user's")
      assert.deepStrictEqual(saved!.identity, fakeIdentity)
      for (const line of lines) assert.notInclude(line, oldToken.split(".")[1]!)
    }))

  it.scoped("a token stored for another gateway (api.baseUrl) is discarded and a fresh login follows", () =>
    Effect.gen(function*() {
      const { fake, lines, token } = yield* startWith(record({ ...fakeIdentity, baseUrl: "https://api.topstepx.com" }))
      assert.strictEqual(fake.count("login"), 1)
      assert.strictEqual(token, fake.issued[0])
      assert.isTrue(warned(lines, "another gateway (https://api.topstepx.com, now http://fake)"))
    }))

  it.scoped("a stored token that names no user or gateway is discarded with a warning, never reused", () =>
    Effect.gen(function*() {
      const { fake, lines, token } = yield* startWith(record())
      assert.strictEqual(fake.count("login"), 1)
      assert.strictEqual(token, fake.issued[0])
      assert.isTrue(warned(lines, "names no user or gateway"))
    }))

  it.scoped("switching PROJECTX_USERNAME back and forth: neither user ever gets the other's token", () =>
    Effect.gen(function*() {
      const first = yield* startWith(record(fakeIdentity), "other")
      assert.strictEqual(first.fake.count("login"), 1)
      assert.deepStrictEqual(first.saved?.identity, { ...fakeIdentity, userName: "other" })
      const back = yield* startWith(first.saved!)
      assert.strictEqual(back.fake.count("login"), 1, "the token saved for `other` is not reused by `trader`")
    }))

  it.scoped("the same user at the same gateway spelled differently (case, default port, trailing slash) reuses it", () =>
    Effect.gen(function*() {
      const { fake, lines, token } = yield* startWith(record({ ...fakeIdentity, baseUrl: "HTTP://Fake:80/" }))
      assert.strictEqual(fake.count("login"), 0)
      assert.strictEqual(token, oldToken)
      assert.isFalse(lines.some((l) => l.includes("discarded")))
    }))

  it.scoped("a foreign token that cannot be cleared from the store is still not used", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const fake = makeFakeGateway()
      const failing = new TokenStoreError({ reason: "Io", path: "/t", detail: "read-only" })
      const store: TokenStore.Service = {
        load: Effect.succeed(Option.some(record({ ...fakeIdentity, userName: "someone-else" }))),
        save: () => Effect.fail(failing),
        clear: Effect.fail(failing)
      }
      const tm = yield* captureLogs(makeTokenManager(fake, { store: Layer.succeed(TokenStore.TokenStore, store) }), lines)
      assert.strictEqual(Redacted.value(yield* tm.get), fake.issued[0])
      assert.isTrue(lines.some((l) => l.includes("could not clear the stored token (Io)")))
    }))
})

describe("TokenIdentity (pure)", () => {
  it("normalises a base URL: lower-case scheme and host, no default port, no trailing slash, no user info", () => {
    assert.strictEqual(TokenIdentity.normaliseBaseUrl("HTTPS://API.TopstepX.com:443/"), "https://api.topstepx.com")
    assert.strictEqual(TokenIdentity.normaliseBaseUrl(" http://u:p@127.0.0.1:5000/gw//?x=1#f "), "http://127.0.0.1:5000/gw")
    assert.strictEqual(TokenIdentity.normaliseBaseUrl("not a url/"), "not a url")
  })

  it("a record matches only the same user at the same gateway", () => {
    const current = TokenIdentity.make("trader", "https://api.topstepx.com/")
    assert.strictEqual(TokenIdentity.mismatch({ userName: "trader", baseUrl: "https://API.topstepx.com" }, current), undefined)
    assert.include(TokenIdentity.mismatch({ userName: "Trader", baseUrl: current.baseUrl }, current), "another user")
    assert.include(TokenIdentity.mismatch({ userName: "trader", baseUrl: "https://gw.example" }, current), "another gateway")
    assert.include(TokenIdentity.mismatch(undefined, current), "names no user or gateway")
  })
})
