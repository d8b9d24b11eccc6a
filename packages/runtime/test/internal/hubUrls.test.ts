import { assert, describe, it } from "@effect/vitest"
import { hubUrls, rtcHost } from "../../src/internal/hubUrls.js"

describe("hubUrls", () => {
  it("TopstepX: api.topstepx.com serves its hubs on rtc.topstepx.com", () => {
    assert.deepStrictEqual(hubUrls("https://api.topstepx.com"), {
      userHubUrl: "https://rtc.topstepx.com/hubs/user",
      marketHubUrl: "https://rtc.topstepx.com/hubs/market"
    })
  })

  it("the demo gateway: gateway-api-demo becomes gateway-rtc-demo", () => {
    assert.deepStrictEqual(hubUrls("https://gateway-api-demo.s2f.projectx.com/"), {
      userHubUrl: "https://gateway-rtc-demo.s2f.projectx.com/hubs/user",
      marketHubUrl: "https://gateway-rtc-demo.s2f.projectx.com/hubs/market"
    })
  })

  it("the simulator on loopback serves its hubs under its own base URL", () => {
    assert.deepStrictEqual(hubUrls("http://127.0.0.1:5000"), {
      userHubUrl: "http://127.0.0.1:5000/hubs/user",
      marketHubUrl: "http://127.0.0.1:5000/hubs/market"
    })
  })

  it("a base URL with a path keeps it (a proxy), without a doubled slash", () => {
    assert.strictEqual(hubUrls("https://proxy.example.com/projectx/").userHubUrl, "https://proxy.example.com/projectx/hubs/user")
  })

  it("an api host with a port keeps the port", () => {
    assert.strictEqual(hubUrls("https://api.example.com:8443").marketHubUrl, "https://rtc.example.com:8443/hubs/market")
  })

  it("only an api token of the first label is replaced; a one-label host is a local name", () => {
    assert.strictEqual(rtcHost("api-demo.example.com"), "rtc-demo.example.com")
    assert.strictEqual(rtcHost("demo-api.example.com"), "demo-rtc.example.com")
    assert.isUndefined(rtcHost("rapid.example.com"))
    assert.isUndefined(rtcHost("gw.api.example.com"))
    assert.isUndefined(rtcHost("api"))
  })
})
