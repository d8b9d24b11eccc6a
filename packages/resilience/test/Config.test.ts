import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Config } from "../src/index.js"

const decode = (input: unknown) => Schema.decodeUnknownEither(Config.ResilienceConfigSchema)(input)
const message = (input: unknown): string => {
  const r = decode(input)
  return Either.isLeft(r) ? r.left.message : "decoded"
}

describe("ResilienceConfig", () => {
  it("a partial rateLimit.history keeps the default windowSeconds (was: windowSeconds is missing)", () => {
    const c = Config.ResilienceConfig.make({ errorHandling: { rateLimit: { history: { requests: 30 } } } })
    assert.deepStrictEqual(c.errorHandling.rateLimit.history, { requests: 30, windowSeconds: 30 })
    assert.deepStrictEqual(c.errorHandling.rateLimit.general, { requests: 200, windowSeconds: 60 })
  })

  it("every nested block keeps the defaults of the keys it leaves out", () => {
    const c = Config.ResilienceConfig.make({
      errorHandling: { rateLimit: { general: { windowSeconds: 120 } }, retries: { maxAttempts: 2 } },
      authentication: { tokenRefresh: { maxRetries: 1 }, storage: { type: "memory" } }
    })
    assert.deepStrictEqual(c.errorHandling.rateLimit.general, { requests: 200, windowSeconds: 120 })
    assert.strictEqual(c.errorHandling.retries.maxBackoffMs, 60000)
    assert.strictEqual(c.authentication.tokenRefresh.bufferSeconds, 7200)
    assert.strictEqual(c.authentication.storage.path, ".tradeguard/token.enc")
  })

  it("api.baseUrl must be an absolute http(s) URL (was: \"not a url\" accepted)", () => {
    assert.include(message({ api: { baseUrl: "not a url" } }), "expected an absolute http/https URL")
    assert.include(message({ api: { baseUrl: "ftp://api.topstepx.com" } }), "the scheme \"ftp:\"")
    assert.include(message({ api: { baseUrl: "wss://api.topstepx.com" } }), "the scheme \"wss:\"")
    assert.include(message({ api: { baseUrl: "http://" } }), "expected an absolute")
    assert.strictEqual(message({ api: { baseUrl: "http://127.0.0.1:5000" } }), "decoded")
    assert.strictEqual(message({ api: { baseUrl: "https://gateway.example.com/" } }), "decoded")
  })

  it("absoluteUrl refuses a URL without a host", () => {
    const r = Schema.decodeUnknownEither(Config.absoluteUrl(["file:"], "file:///x"))("file:///etc/passwd")
    assert.isTrue(Either.isLeft(r))
    assert.include(Either.isLeft(r) ? r.left.message : "", "no host")
  })

  it("api.allowInsecure is off by default", () => {
    assert.isFalse(Config.ResilienceConfig.make().api.allowInsecure)
    assert.isTrue(Config.ResilienceConfig.make({ api: { allowInsecure: true } }).api.allowInsecure)
  })
})
