import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Config } from "../src/index.js"

const message = (input: unknown): string => {
  const r = Schema.decodeUnknownEither(Config.RealtimeConfigSchema)(input)
  return Either.isLeft(r) ? r.left.message : "decoded"
}

describe("RealtimeConfig", () => {
  it("hub URLs must be absolute http(s)/ws(s) URLs (was: any string accepted)", () => {
    assert.include(message({ signalr: { hubs: { userHubUrl: "not a url" } } }), "expected an absolute http/https/ws/wss URL")
    assert.include(message({ signalr: { hubs: { marketHubUrl: "ftp://rtc.topstepx.com/hubs/market" } } }), "the scheme \"ftp:\"")
    for (const url of ["wss://rtc.example.com/hubs/user", "ws://127.0.0.1:5000/hubs/user", "https://rtc.topstepx.com/hubs/user"]) {
      assert.strictEqual(message({ signalr: { hubs: { userHubUrl: url } } }), "decoded", url)
    }
  })

  it("a partial hubs block keeps the other hub's default", () => {
    const c = Config.RealtimeConfig.make({ signalr: { hubs: { userHubUrl: "wss://rtc.example.com/hubs/user" } } })
    assert.strictEqual(c.signalr.hubs.marketHubUrl, "https://rtc.topstepx.com/hubs/market")
    assert.strictEqual(c.signalr.hubs.connectTimeout, 30000)
  })
})
