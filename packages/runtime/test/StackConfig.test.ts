import { assert, describe, it } from "@effect/vitest"
import { Config as RealtimeConfig } from "@tradeguard/realtime"
import { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { StackConfig } from "../src/index.js"

const problems = (input: unknown, options?: StackConfig.DecodeOptions) =>
  Effect.map(Effect.flip(StackConfig.decode(input, options)), (e) => e.problems.join("\n"))

describe("StackConfig", () => {
  it("hub URLs are derived from api.baseUrl: TopstepX, the demo gateway, the simulator on loopback", () => {
    assert.strictEqual(StackConfig.make().signalr.hubs.userHubUrl, "https://rtc.topstepx.com/hubs/user")
    const demo = StackConfig.make({ api: { baseUrl: "https://gateway-api-demo.s2f.projectx.com" } })
    assert.strictEqual(demo.signalr.hubs.marketHubUrl, "https://gateway-rtc-demo.s2f.projectx.com/hubs/market")
    const sim = StackConfig.make({ api: { baseUrl: "http://127.0.0.1:5000" } })
    assert.strictEqual(sim.signalr.hubs.userHubUrl, "http://127.0.0.1:5000/hubs/user")
    assert.strictEqual(sim.signalr.hubs.connectTimeout, 30000)
  })

  it("explicit hub URLs win over the derived ones, one by one", () => {
    const c = StackConfig.make({
      api: { baseUrl: "http://127.0.0.1:5000" },
      signalr: { hubs: { userHubUrl: "ws://127.0.0.1:6000/u" } }
    })
    assert.strictEqual(c.signalr.hubs.userHubUrl, "ws://127.0.0.1:6000/u")
    assert.strictEqual(c.signalr.hubs.marketHubUrl, "http://127.0.0.1:5000/hubs/market")
  })

  it.effect("library defaults keep the token in memory; the seed's defaults keep the encrypted file", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* StackConfig.decode({})).authentication.storage.type, "memory")
      assert.strictEqual((yield* StackConfig.decode(undefined)).authentication.storage.type, "memory")
      assert.strictEqual((yield* StackConfig.decodeSeed({})).authentication.storage.type, "encrypted")
      assert.strictEqual((yield* StackConfig.decodeSeed(undefined)).authentication.storage.type, "encrypted")
      const asked = yield* StackConfig.decode({ authentication: { storage: { type: "encrypted", path: "t.enc" } } })
      assert.strictEqual(asked.authentication.storage.type, "encrypted")
      const kept = yield* StackConfig.decode({ authentication: { tokenRefresh: { bufferSeconds: 60 } } })
      assert.strictEqual(kept.authentication.storage.type, "memory")
      assert.strictEqual(kept.authentication.tokenRefresh.bufferSeconds, 60)
    }))

  it.effect("an unknown key is a ConfigError naming its path, not a silent default", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(StackConfig.decode({ signalr: { hubs: { userHubUrll: "x" } } }))
      assert.strictEqual(e._tag, "ConfigError")
      assert.include(e.problems.join("\n"), "signalr.hubs.userHubUrll: is unexpected")
      assert.include(e.message, "invalid configuration\n  - signalr.hubs.userHubUrll")
    }))

  it.effect("a bad URL or a bad section is refused with its path (the library default does not hide it)", () =>
    Effect.gen(function*() {
      assert.include(yield* problems({ api: { baseUrl: "not a url" } }), "api.baseUrl: expected an absolute http/https URL")
      assert.include(yield* problems({ signalr: { hubs: { marketHubUrl: "rtc" } } }), "signalr.hubs.marketHubUrl: expected")
      assert.include(yield* problems({ authentication: "x" }), "authentication: Expected")
      assert.include(yield* problems({ authentication: { storage: 1 } }), "authentication.storage: Expected")
      assert.include(yield* problems("x"), "<root>: Expected")
    }))

  it("make throws the ConfigError on invalid input", () => {
    assert.throws(() => StackConfig.make({ api: { timeout: -1 } }), /api\.timeout/)
  })

  it.effect("the decoded value provides both ResilienceConfig and RealtimeConfig (layer)", () =>
    Effect.gen(function*() {
      const resilience = yield* ResilienceConfig.ResilienceConfig
      const realtime = yield* RealtimeConfig.RealtimeConfig
      assert.strictEqual(resilience.api.baseUrl, "http://127.0.0.1:5000")
      assert.strictEqual(realtime.signalr.hubs.userHubUrl, "http://127.0.0.1:5000/hubs/user")
    }).pipe(Effect.provide(StackConfig.layer({ api: { baseUrl: "http://127.0.0.1:5000" } }))))

  it.effect("layer with an invalid input fails with ConfigError", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Layer.build(StackConfig.layer({ api: { timeout: 0 } })).pipe(Effect.scoped))
      assert.strictEqual(e._tag, "ConfigError")
    }))
})

describe("StackConfig: the checks across keys", () => {
  it.effect("plaintext to a host that is not loopback is refused unless api.allowInsecure", () =>
    Effect.gen(function*() {
      const text = yield* problems({ api: { baseUrl: "http://gw.example.com" } })
      assert.include(text, "api.baseUrl: plaintext \"http://gw.example.com\" to a host that is not loopback")
      assert.include(text, "signalr.hubs.userHubUrl: plaintext")
      const allowed = yield* StackConfig.decode({ api: { baseUrl: "http://gw.example.com", allowInsecure: true } })
      assert.strictEqual(allowed.signalr.hubs.userHubUrl, "http://gw.example.com/hubs/user")
      yield* StackConfig.decode({ api: { baseUrl: "http://[::1]:5000" } })
      yield* StackConfig.decode({ api: { baseUrl: "http://localhost.:5000" } })
    }))

  it.effect("a base URL and hub URLs of different gateways are refused, both ways", () =>
    Effect.gen(function*() {
      const topstepxHubs = {
        api: { baseUrl: "https://gw.example.com" },
        signalr: { hubs: { userHubUrl: "https://rtc.topstepx.com/hubs/user" } }
      }
      assert.include(
        yield* problems(topstepxHubs),
        "signalr.hubs.userHubUrl: still the TopstepX hub while api.baseUrl is \"https://gw.example.com\""
      )
      const text = yield* problems({ signalr: { hubs: { marketHubUrl: "wss://rtc.example.com/hubs/market" } } })
      assert.include(text, "signalr.hubs.marketHubUrl: \"wss://rtc.example.com/hubs/market\" is not a TopstepX hub")
      assert.notInclude(text, "userHubUrl")
    }))

  it.effect("backoffBase above maxBackoffMs and keySource keyring are refused", () =>
    Effect.gen(function*() {
      assert.include(
        yield* problems({ errorHandling: { retries: { backoffBase: 5000, maxBackoffMs: 1000 } } }),
        "errorHandling.retries.backoffBase: 5000 is above maxBackoffMs (1000)"
      )
      assert.include(
        yield* problems({ authentication: { storage: { keySource: "keyring" } } }, { defaults: "seed" }),
        "authentication.storage.keySource: \"keyring\" is not implemented"
      )
      yield* StackConfig.decode({ authentication: { storage: { keySource: "keyring" } } })
    }))

  it("warnings: rate limits above the gateway's, as path: message lines", () => {
    assert.deepStrictEqual(StackConfig.warnings(StackConfig.make()), [])
    const lines = StackConfig.warnings(StackConfig.make({
      errorHandling: { rateLimit: { history: { requests: 60 }, general: { requests: 100, windowSeconds: 20 } } }
    }))
    assert.strictEqual(lines.length, 2)
    assert.match(lines[0]!, /^errorHandling\.rateLimit\.history: 60 per 30 s lets up to 60 requests through in 30 s/)
    assert.match(lines[1]!, /^errorHandling\.rateLimit\.general: 100 per 20 s lets up to 300 requests/)
  })
})
