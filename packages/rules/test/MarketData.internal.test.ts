import { assert, describe, it } from "@effect/vitest"
import { Models } from "@tradeguard/gateway"
import type { HubConnection } from "@tradeguard/realtime"
import * as Bars from "../src/internal/market/bars.js"
import * as Hubs from "../src/internal/market/hubs.js"
import * as Need from "../src/internal/market/need.js"

/** A connection state of that tag (only the tag matters here). */
const state = (tag: HubConnection.ConnectionState["_tag"]) => ({ _tag: tag }) as HubConnection.ConnectionState
const bar = (iso: string, c: number) => new Models.Bar({ t: iso, o: c, h: c, l: c, c, v: 1 })

describe("MarketData core", () => {
  it("diff: what to subscribe and drop, ascending; nothing when the sets are equal", () => {
    assert.deepStrictEqual(Need.diff(new Set(["B", "C"]), new Set(["A", "C"])), { add: ["A"], drop: ["B"] })
    assert.deepStrictEqual(Need.diff(new Set(["A"]), new Set(["A"])), { add: [], drop: [] })
  })

  it("a failed lookup backs off per the delays (the last repeats) and is due again after it", () => {
    const backoff = [1_000, 5_000]
    const one = Need.failed(undefined, 10_000, backoff)
    assert.deepStrictEqual(one, { failures: 1, retryAt: 11_000 })
    assert.isFalse(Need.isDue(one, 10_999))
    assert.isTrue(Need.isDue(one, 11_000))
    const two = Need.failed(one, 11_000, backoff)
    assert.deepStrictEqual(two, { failures: 2, retryAt: 16_000 })
    assert.strictEqual(Need.failed(two, 16_000, backoff).retryAt, 21_000)
    assert.isTrue(Need.isDue(undefined, 0))
    assert.strictEqual(Need.delayAfter(1), 1_000)
    assert.strictEqual(Need.delayAfter(3, []), 0)
    assert.strictEqual(Need.failed(undefined, 0).retryAt, Need.defaultLookupBackoff[0])
  })

  it("latestClose takes the newest bar whatever the order; none without bars", () => {
    const bars = [bar("2026-12-01T10:01:00Z", 2), bar("2026-12-01T10:02:00Z", 3), bar("2026-12-01T10:00:00Z", 1)]
    assert.strictEqual(Bars.latestClose(bars), 3)
    assert.strictEqual(Bars.latestClose([...bars].reverse()), 3)
    assert.isUndefined(Bars.latestClose([]))
  })

  it("the bars request asks for 1-minute sim bars of the last minutes up to now", () => {
    const now = Date.UTC(2026, 11, 1, 10, 0, 0)
    const r = Bars.latestBarsRequest("CON.F.US.MNQ.Z26", now)
    assert.strictEqual(r.live, false)
    assert.strictEqual(r.unit, 2)
    assert.strictEqual(Models.timestampToMillis(r.endTime), now)
    assert.strictEqual(Models.timestampToMillis(r.startTime), now - Bars.windowMinutes * 60_000)
  })

  it("a hub is down from the first state that is not Connected until Connected", () => {
    const s1 = Hubs.downSince(undefined, state("Connected"), 1)
    assert.isUndefined(s1)
    const s2 = Hubs.downSince(s1, state("Reconnecting"), 5)
    assert.strictEqual(s2, 5)
    assert.strictEqual(Hubs.downSince(s2, state("Closed"), 9), 5)
    assert.isUndefined(Hubs.downSince(s2, state("Connected"), 10))
  })
})
