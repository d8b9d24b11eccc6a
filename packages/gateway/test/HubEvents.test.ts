/**
 * Hub payloads in the shapes recorded on the live TopstepX gateway decode,
 * with the Schemas and the fast decoders alike: the deep first depth snapshot
 * stamped `0001-01-01`, depth types 3/4/5/7/8, quotes with `contract`, prints
 * with `contractId`, the hub-only model fields, and timestamps of every
 * precision the live service writes.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { FastDecode, HubEvents, Models } from "../src/index.js"

const both = <A, I>(schema: Schema.Schema<A, I>, fast: (u: unknown) => Either.Either<A, unknown>, u: unknown): A => {
  const slow = Schema.decodeUnknownEither(schema)(u)
  const quick = fast(u)
  assert.isTrue(Either.isRight(slow), "the Schema decodes it")
  assert.isTrue(Either.isRight(quick), "the fast decoder decodes it")
  assert.deepStrictEqual(Either.getOrThrow(quick), Either.getOrThrow(slow))
  return Either.getOrThrow(quick)
}

describe("live hub payloads decode", () => {
  it("a depth snapshot entry stamped 0001-01-01 decodes, and its time is no real time", () => {
    const entry = { timestamp: "0001-01-01T00:00:00+00:00", type: 1, price: 21_500.25, volume: 20, currentVolume: 20 }
    const [decoded] = both(HubEvents.GatewayDepth, FastDecode.decodeDepthEntries, [entry])
    assert.strictEqual(decoded!.timestamp, "0001-01-01T00:00:00+00:00", "kept as sent")
    const millis = Models.timestampToMillis(decoded!.timestamp)
    assert.strictEqual(millis, Date.UTC(2000, 0, 1) - 730_119 * 86_400_000, "year 1, not 1970 nor NaN")
    assert.isBelow(millis, Date.UTC(1970, 0, 1))
  })

  it("depth types 3 BestAsk, 4 BestBid, 5 Trade, 7 Low and 8 High decode", () => {
    const entries = [3, 4, 5, 7, 8].map((type) => ({
      timestamp: "2026-08-19T20:51:31.417+00:00",
      type,
      price: 21_500,
      volume: 1,
      currentVolume: 1
    }))
    assert.deepStrictEqual(both(HubEvents.GatewayDepth, FastDecode.decodeDepthEntries, entries).map((e) => e.type), [3, 4, 5, 7, 8])
  })

  it("a quote with contract (every message) and a print with contractId decode; the extras are dropped", () => {
    const quote = both(HubEvents.Quote, FastDecode.decodeQuote, {
      symbol: "F.US.ENQ",
      contract: "CON.F.US.ENQ.Z26",
      lastPrice: 21_500.25,
      timestamp: "2026-08-19T20:51:31.417+00:00"
    })
    assert.deepStrictEqual(quote, { symbol: "F.US.ENQ", lastPrice: 21_500.25, timestamp: "2026-08-19T20:51:31.417+00:00" })
    const [print] = both(HubEvents.GatewayTrade, FastDecode.decodeMarketTrades, [
      { symbolId: "F.US.EP", contractId: "CON.F.US.EP.Z26", price: 6_000, timestamp: "2026-08-19T20:51:31.417+00:00", type: 1, volume: 2 }
    ])
    assert.deepStrictEqual(print, { symbolId: "F.US.EP", price: 6_000, timestamp: "2026-08-19T20:51:31.417+00:00", type: 1, volume: 2 })
  })

  it("user-hub models with their hub-only fields decode: TP leg extras, closed position's price, commissions", () => {
    const tp = both(Models.Order, FastDecode.decodeOrder, {
      id: 3_400_000_002,
      accountId: 100_001,
      contractId: "CON.F.US.MNQ.Z26",
      symbolId: "F.US.MNQ",
      creationTimestamp: "2026-08-19T20:51:31.417369+00:00",
      status: 8,
      type: 1,
      side: 1,
      size: 1,
      fillVolume: 0,
      customTag: "t-TP",
      parentOrderId: 3_400_000_000,
      linkedOrderId: 3_400_000_001,
      trailPrice: 0,
      trailDistance: 10
    })
    assert.deepStrictEqual([tp.linkedOrderId, tp.trailPrice, tp.trailDistance], [3_400_000_001, 0, 10])
    const closed = both(Models.Position, FastDecode.decodePosition, {
      id: 700_001,
      accountId: 100_001,
      contractId: "CON.F.US.MNQ.Z26",
      creationTimestamp: "2026-08-19T20:51:31.4173693+00:00",
      type: 0,
      size: 0,
      averagePrice: 21_500.25,
      contractDisplayName: "MNQZ6"
    })
    assert.deepStrictEqual([closed.size, closed.averagePrice, closed.contractDisplayName], [0, 21_500.25, "MNQZ6"])
    const trade = both(Models.Trade, FastDecode.decodeTrade, {
      id: 3_700_000_000,
      accountId: 100_001,
      contractId: "CON.F.US.MNQ.Z26",
      creationTimestamp: "2026-08-19T20:51:31.417369+00:00",
      price: 21_500.25,
      fees: 0.37,
      side: 0,
      size: 1,
      voided: false,
      orderId: 3_400_000_000,
      commissions: 0
    })
    assert.strictEqual(trade.commissions, 0)
  })

  it("timestamps of every live precision (none, 3 to 7 digits) decode to the same millisecond", () => {
    const stamps = [
      "2026-08-19T20:51:31+00:00",
      "2026-08-19T20:51:31.417+00:00",
      "2026-08-19T20:51:31.4173+00:00",
      "2026-08-19T20:51:31.41736+00:00",
      "2026-08-19T20:51:31.417369+00:00",
      "2026-08-19T20:51:31.4173693+00:00"
    ]
    for (const s of stamps) assert.isTrue(Models.isTimestamp(s), s)
    assert.deepStrictEqual(stamps.slice(1).map(Models.timestampToMillis), Array(5).fill(Date.UTC(2026, 7, 19, 20, 51, 31, 417)))
    assert.strictEqual(Models.timestampToMillis(stamps[0]!), Date.UTC(2026, 7, 19, 20, 51, 31))
  })
})
