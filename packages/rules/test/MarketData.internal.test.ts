import { assert, describe, it } from "@effect/vitest"
import { Models } from "@tradeguard/gateway"
import type { HubConnection } from "@tradeguard/realtime"
import * as Bars from "../src/internal/market/bars.js"
import * as Hubs from "../src/internal/market/hubs.js"
import * as Need from "../src/internal/market/need.js"
import * as Quotes from "../src/internal/market/quotes.js"

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

  it("a quote contradicts itself when its book is crossed or a new last price lies far outside an unchanged touch", () => {
    const q = (bestBid: number | undefined, bestAsk: number | undefined, lastPrice: number | undefined) => ({ bestBid, bestAsk, lastPrice })
    const at100 = q(100, 100.25, 100)
    assert.isUndefined(Quotes.inconsistency(at100, q(100, 100.25, 100.25), 0.25), "a print at the touch")
    assert.isUndefined(Quotes.inconsistency(at100, q(100, 100.25, 95), 0.25), "20 ticks below the bid: tolerated")
    assert.match(Quotes.inconsistency(at100, q(100, 100.25, 94.75), 0.25)!, /new last price 94.75 far below an unchanged bid 100/)
    assert.match(Quotes.inconsistency(at100, q(100, 100.25, 105.5), 0.25)!, /far above an unchanged ask 100.25/)
    assert.isUndefined(Quotes.inconsistency(at100, q(100, 100.25, 105.25), 0.25), "20 ticks above the ask: tolerated")
    assert.isUndefined(Quotes.inconsistency(at100, q(110, 110.25, 100), 0.25), "the touch moved away from the last print: not traded since")
    assert.isUndefined(Quotes.inconsistency(q(100, 100.25, 90), q(100, 100.25, 90), 0.25), "the last price did not move: judged before")
    assert.isUndefined(Quotes.inconsistency(undefined, q(100, 100.25, 90), 0.25), "a quote seen for the first time")
    assert.match(Quotes.inconsistency(undefined, q(100.5, 100.25, 100), undefined)!, /crossed book/, "crossed: always caught")
    assert.isUndefined(Quotes.inconsistency(at100, q(100, 100.25, 50), undefined), "no tick size: the last price is not judged")
    assert.isUndefined(Quotes.inconsistency(q(undefined, undefined, 100), q(undefined, undefined, 50), 0.25), "no touch")
    assert.isUndefined(Quotes.inconsistency(at100, q(100, 100.25, undefined), 0.25), "a missing last price is not judged")
    assert.match(Quotes.inconsistency(q(undefined, 100.25, 100), q(undefined, 100.25, 101), 0.25, 2)!, /far above/, "tolerance in ticks")
  })

  it("a quote is repaired at most once per cooldown", () => {
    assert.isTrue(Quotes.isRepairDue(undefined, 0, 30_000))
    assert.isFalse(Quotes.isRepairDue(10_000, 39_999, 30_000))
    assert.isTrue(Quotes.isRepairDue(10_000, 40_000, 30_000))
  })
})
