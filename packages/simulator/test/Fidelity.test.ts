/**
 * Payload shapes recorded on the live TopstepX gateway, one test per
 * difference our simulator used to have: contract ids, bracket links, the
 * hub-only fields, timestamp precision per channel, depth types and the deep
 * first depth snapshot, and a customTag used up by a rejected order. Through
 * REST (GatewayClient) and the hubs in-process.
 */
import { assert, describe, it } from "@effect/vitest"
import { FastDecode, HubEvents, Models } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import { Simulator } from "../src/index.js"
import { connect, drain, invocations, userEvents } from "./utils/hub.js"
import { ACCOUNT, client, layer, login, market, MNQ, pin, SINCE_EPOCH } from "./utils/sim.js"

const U = HubEvents.UserHubEvents
const M = HubEvents.MarketHubEvents
const fraction = (ts: string): number => /\.(\d+)\+00:00$/.exec(ts)?.[1]?.length ?? 0

describe("fidelity to the live gateway", () => {
  it.effect("NQ and ES carry the gateway's symbols: CON.F.US.ENQ / F.US.ENQ and CON.F.US.EP / F.US.EP", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const { contracts } = yield* c.contractAvailable({ live: false }, token)
      assert.deepStrictEqual(contracts.map((x) => [x.id, x.name, x.symbolId]), [
        ["CON.F.US.MNQ.Z26", "MNQZ6", "F.US.MNQ"],
        ["CON.F.US.MES.Z26", "MESZ6", "F.US.MES"],
        ["CON.F.US.ENQ.Z26", "NQZ6", "F.US.ENQ"],
        ["CON.F.US.EP.Z26", "ESZ6", "F.US.EP"]
      ])
      const hub = yield* connect("market", token)
      yield* hub.invoke("SubscribeContractQuotes", ["CON.F.US.ENQ.Z26"])
      const [quote] = invocations((yield* drain(hub)).messages, M.quote)
      assert.deepInclude(quote!.arguments[1] as object, { symbol: "F.US.ENQ", symbolName: "/NQ" })
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("bracket legs: linkedOrderId on the take-profit leg only; its hub events carry trailPrice and trailDistance", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const hub = yield* connect("user", token)
      yield* hub.invoke("SubscribeOrders", [ACCOUNT])
      yield* pin(21_000)
      yield* c.orderPlace({
        accountId: ACCOUNT,
        contractId: MNQ,
        type: 2,
        side: 0,
        size: 1,
        customTag: "fid",
        stopLossBracket: { ticks: -20, type: 4 },
        takeProfitBracket: { ticks: 40, type: 1 }
      }, token)
      const orders = userEvents((yield* drain(hub)).messages, U.order).map((e) => e.data)
      const sl = orders.filter((o) => o["customTag"] === "fid-SL")
      const tp = orders.filter((o) => o["customTag"] === "fid-TP")
      assert.isAbove(sl.length, 0)
      assert.isAbove(tp.length, 1, "created suspended, then armed")
      assert.isTrue(sl.every((o) => !("linkedOrderId" in o) && !("trailPrice" in o) && !("trailDistance" in o)))
      assert.isTrue(tp.every((o) => o["linkedOrderId"] === sl[0]!["id"] && "trailPrice" in o && o["trailDistance"] === 10))
      assert.strictEqual(tp.at(-1)!["trailPrice"], tp.at(-1)!["limitPrice"], "once armed: the target")
      // REST shows neither extra on the target; the link is there.
      const rest = (yield* c.orderSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)).orders
      const restTp = rest.find((o) => o.customTag === "fid-TP")!
      assert.deepStrictEqual([restTp.linkedOrderId, restTp.trailPrice, restTp.trailDistance], [sl[0]!["id"], undefined, undefined])
      assert.isUndefined(rest.find((o) => o.customTag === "fid-SL")!.linkedOrderId)
      // OCO still works without the stop leg's link: the stop fills, the target is cancelled.
      yield* pin(20_990)
      const after = (yield* c.orderSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)).orders
      assert.deepStrictEqual(after.filter((o) => o.customTag !== "fid").map((o) => [o.customTag, o.status]), [
        ["fid-SL", 2],
        ["fid-TP", 3]
      ])
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("a closed position's hub event keeps its averagePrice; positions carry contractDisplayName, trades commissions", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const hub = yield* connect("user", token)
      yield* hub.invoke("SubscribePositions", [ACCOUNT])
      yield* hub.invoke("SubscribeTrades", [ACCOUNT])
      yield* pin(21_000)
      yield* market(token, 0, 1)
      yield* market(token, 1, 1)
      const { messages } = yield* drain(hub)
      const positions = userEvents(messages, U.position)
      assert.deepStrictEqual(positions.map((p) => [p.action, p.data["type"], p.data["size"], p.data["averagePrice"]]), [
        [1, 1, 1, 21_000.25],
        [2, 0, 0, 21_000.25]
      ])
      assert.isTrue(positions.every((p) => p.data["contractDisplayName"] === "MNQZ6"))
      const trades = userEvents(messages, U.trade)
      assert.deepStrictEqual(trades.map((t) => t.data["commissions"]), [0, 0])
      // Decoded by the client as a closed position all the same.
      const closed = FastDecode.decodePosition(positions[1]!.data)
      assert.isTrue(Either.isRight(closed) && closed.right.size === 0 && closed.right.contractDisplayName === "MNQZ6")
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("quotes carry symbol and contract on every message; market prints carry contractId", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const hub = yield* connect("market", token)
      yield* hub.invoke("SubscribeContractQuotes", [MNQ])
      yield* hub.invoke("SubscribeContractTrades", [MNQ])
      yield* pin(21_000)
      yield* market(token, 0, 1)
      yield* TestClock.adjust("5 seconds")
      const { messages } = yield* drain(hub)
      const quotes = invocations(messages, M.quote).map((m) => m.arguments[1] as Record<string, unknown>)
      assert.isAbove(quotes.length, 2)
      assert.isTrue(quotes.some((q) => Object.keys(q).length < 10), "deltas among them")
      assert.isTrue(quotes.every((q) => q["symbol"] === "F.US.MNQ" && q["contract"] === MNQ))
      const prints = invocations(messages, M.trade).flatMap((m) => m.arguments[1] as Array<Record<string, unknown>>)
      assert.isAbove(prints.length, 0)
      assert.isTrue(prints.every((p) => p["contractId"] === MNQ && p["symbolId"] === "F.US.MNQ"))
      assert.isTrue(Either.isRight(FastDecode.decodeQuote(quotes[0])), "the client decodes them")
      assert.isTrue(Either.isRight(FastDecode.decodeMarketTrades(prints)))
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("timestamps vary in precision: REST 3-6 digits, bars none, market data milliseconds, user hub 6-7", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 7, 19, 14, 0, 0, 123))
      const c = yield* client
      const token = yield* login()
      const user = yield* connect("user", token)
      const marketHub = yield* connect("market", token)
      yield* user.invoke("SubscribeOrders", [ACCOUNT])
      yield* user.invoke("SubscribeTrades", [ACCOUNT])
      yield* marketHub.invoke("SubscribeContractQuotes", [MNQ])
      yield* marketHub.invoke("SubscribeContractTrades", [MNQ])
      for (let i = 0; i < 12; i++) {
        yield* market(token, (i % 2) as 0 | 1, 1)
        yield* TestClock.adjust("1037 millis")
      }
      const rest = [
        ...(yield* c.orderSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)).orders.flatMap((o) => [
          o.creationTimestamp,
          o.updateTimestamp!
        ]),
        ...(yield* c.tradeSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)).trades.map((t) =>
          t.creationTimestamp
        )
      ]
      const restDigits = new Set(rest.map(fraction))
      assert.isTrue([...restDigits].every((d) => d >= 3 && d <= 6), `REST: ${[...restDigits]}`)
      assert.isAbove(restDigits.size, 1, "REST precision varies")
      const u = (yield* drain(user)).messages
      const hubStamps = [
        ...userEvents(u, U.order).flatMap((e) => [e.data["creationTimestamp"], e.data["updateTimestamp"]]),
        ...userEvents(u, U.trade).map((e) => e.data["creationTimestamp"])
      ].filter((s): s is string => typeof s === "string")
      const hubDigits = new Set(hubStamps.map(fraction))
      assert.sameMembers([...hubDigits], [6, 7], "user hub: 6 or 7 digits")
      const m = (yield* drain(marketHub)).messages
      const marketStamps = [
        ...invocations(m, M.quote).flatMap((q) => {
          const quote = q.arguments[1] as Record<string, unknown>
          return [quote["timestamp"], quote["lastUpdated"]]
        }),
        ...invocations(m, M.trade).flatMap((t) => (t.arguments[1] as Array<Record<string, unknown>>).map((p) => p["timestamp"]))
      ].filter((s): s is string => typeof s === "string")
      assert.isAbove(marketStamps.length, 10)
      assert.deepStrictEqual([...new Set(marketStamps.map(fraction))], [3], "market data: milliseconds")
      // Every precision still names the same millisecond.
      const trade = (yield* c.tradeSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)).trades[0]!
      const hubTrade = userEvents(u, U.trade).find((e) => e.data["id"] === trade.id)!.data
      assert.strictEqual(
        Models.timestampToMillis(trade.creationTimestamp),
        Models.timestampToMillis(hubTrade["creationTimestamp"] as string)
      )
      assert.strictEqual(Models.timestampToMillis(trade.creationTimestamp), Date.UTC(2026, 7, 19, 14, 0, 0, 123))
      const bars = (yield* c.historyRetrieveBars({
        contractId: MNQ,
        live: false,
        startTime: "2026-08-19T13:00:00Z",
        endTime: "2026-08-19T14:00:00Z",
        unit: 2,
        unitNumber: 1,
        limit: 5,
        includePartialBar: false
      }, token)).bars
      assert.isTrue(bars.length > 0 && bars.every((b) => fraction(b.t) === 0), "bars: no fractional digits")
    }).pipe(Effect.scoped, Effect.provide(layer({ rateLimits: { enabled: false } }))))

  it.effect("bars show a pinned price: the minutes after setPrice have the pinned price, the minutes before and after the unpin the path", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const barsUpTo = (endMillis: number) =>
        sim.exchange.bars({
          contractId: MNQ,
          live: false,
          startTime: new Date(0).toISOString(),
          endTime: new Date(endMillis).toISOString(),
          unit: 2,
          unitNumber: 1,
          limit: 100,
          includePartialBar: false
        })
      yield* TestClock.adjust("10 minutes")
      yield* pin(21_000)
      yield* TestClock.adjust("3 minutes")
      yield* sim.exchange.setPrice(MNQ, undefined)
      yield* TestClock.adjust("3 minutes")
      const bars = [...(yield* barsUpTo(16 * 60_000))].reverse()
      assert.strictEqual(bars.length, 16)
      const pinned = bars.slice(10, 13)
      assert.deepStrictEqual(pinned.map((b) => [b.o, b.h, b.l, b.c]), pinned.map(() => [21_000, 21_000, 21_000, 21_000]))
      assert.isFalse(bars.slice(0, 10).every((b) => b.c === 21_000), "the path before the pin")
      assert.isFalse(bars.slice(13).every((b) => b.c === 21_000), "the path after the unpin")
    }).pipe(Effect.provide(layer())))

  it.effect("depth: a first snapshot of ~2,500 entries stamped 0001-01-01, then types 3, 4, 5, 7 and 8", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const hub = yield* connect("market", token)
      yield* hub.invoke("SubscribeContractMarketDepth", [MNQ])
      const [snapshot] = invocations((yield* drain(hub)).messages, M.depth)
      const entries = snapshot!.arguments[1] as Array<Record<string, unknown>>
      assert.isAtLeast(entries.length, 2_500)
      assert.isTrue(entries.every((e) => e["timestamp"] === "0001-01-01T00:00:00+00:00"))
      assert.strictEqual(entries[0]!["type"], 6, "a Reset first")
      const decoded = FastDecode.decodeDepthEntries(entries)
      assert.isTrue(Either.isRight(decoded) && decoded.right.length === entries.length, "the client decodes it")
      // Live updates: the touch (3 BestAsk, 4 BestBid), prints (5 Trade), a widening range (7 Low, 8 High).
      const sim = yield* Simulator.Simulator
      const { high, low } = yield* sim.exchange.quote(MNQ)
      yield* pin(low + 5)
      yield* market(token, 0, 1)
      yield* pin(high + 10)
      yield* pin(low - 10)
      const updates = invocations((yield* drain(hub)).messages, M.depth)
        .flatMap((m) => m.arguments[1] as Array<{ type: number; timestamp: string; price: number }>)
      const types = new Set(updates.map((e) => e.type))
      for (const t of [3, 4, 5, 7, 8]) assert.isTrue(types.has(t), `type ${t} among ${[...types]}`)
      assert.isTrue(updates.every((e) => e.timestamp !== "0001-01-01T00:00:00+00:00"), "updates carry real times")
      assert.deepInclude(updates.filter((e) => e.type === 8).at(-1)!, { price: high + 10.25 }, "the new high: the pinned ask")
      assert.deepInclude(updates.filter((e) => e.type === 7).at(-1)!, { price: low - 10 }, "the new low: the pinned bid")
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("a customTag stays used after its order is rejected: the retry is refused as a duplicate", () =>
    Effect.gen(function*() {
      const c = yield* client
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* pin(21_000)
      const place = { accountId: ACCOUNT, contractId: MNQ, type: 4 as const, side: 0 as const, size: 1, customTag: "once" }
      const wrongSide = yield* Effect.flip(c.orderPlace({ ...place, stopPrice: 20_990 }, token))
      assert.strictEqual(wrongSide._tag === "Rejected" && wrongSide.errorCode, 2, "a buy stop below the market")
      const retry = yield* Effect.flip(c.orderPlace({ ...place, stopPrice: 21_010 }, token))
      assert.isTrue(retry._tag === "Rejected" && retry.errorCode === 2 && /custom tag 'once'/.test(retry.errorMessage ?? ""))
      // Any rejection on one's own account uses the tag up; another account keeps its own tags.
      yield* sim.exchange.updateAccount(ACCOUNT, { canTrade: false })
      const violation = yield* Effect.flip(c.orderPlace({ ...place, type: 2, customTag: "blocked" }, token))
      assert.strictEqual(violation._tag === "Rejected" && violation.errorCode, 4)
      yield* sim.exchange.updateAccount(ACCOUNT, { canTrade: true })
      const again = yield* Effect.flip(c.orderPlace({ ...place, type: 2, customTag: "blocked" }, token))
      assert.strictEqual(again._tag === "Rejected" && again.errorCode, 2)
      const elsewhere = yield* c.orderPlace({ ...place, accountId: 100002, type: 2, customTag: "blocked" }, token)
      assert.isAbove(elsewhere.orderId, 0)
      const unknown = yield* Effect.flip(c.orderPlace({ ...place, accountId: 999, type: 2, customTag: "free" }, token))
      assert.strictEqual(unknown._tag === "Rejected" && unknown.errorCode, 1)
      assert.isAbove((yield* c.orderPlace({ ...place, type: 2, customTag: "free" }, token)).orderId, 0, "an unknown account uses no tag")
    }).pipe(Effect.provide(layer())))
})
