import { assert, describe, it } from "@effect/vitest"
import { type Errors, Models } from "@tradeguard/gateway"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as TestClock from "effect/TestClock"
import { Simulator } from "../src/index.js"
import { ACCOUNT, client, EXPIRED_MNQ, layer, login, market, MNQ, pin, SINCE_EPOCH, snapshot } from "./utils/sim.js"

const rejection = (e: Errors.GatewayError) => (e._tag === "Rejected" ? `${e.errorCode} ${e.errorName}` : e._tag)

describe("orders", () => {
  it.effect("a reused customTag is rejected with errorCode 2 (OrderRejected) and nothing is placed", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      yield* market(token, 0, 1, { customTag: "intent-42" })
      const again = yield* Effect.flip(market(token, 0, 1, { customTag: "intent-42" }))
      assert.strictEqual(rejection(again), "2 OrderRejected")
      assert.include(again._tag === "Rejected" ? again.errorMessage : "", "intent-42")
      const snap = yield* snapshot()
      assert.strictEqual(snap.orders.length, 1)
      assert.strictEqual(snap.positions[0]!.size, 1, "the rejected order did not trade")
      const c = yield* client
      yield* c.orderPlace({ accountId: 100002, contractId: MNQ, type: 2, side: 0, size: 1, customTag: "intent-42" }, token)
    }).pipe(Effect.provide(layer())))

  it.effect("a market order sweeps the book level by level: one trade per price, average filledPrice", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* market(token, 0, 5)
      const snap = yield* snapshot()
      const order = snap.orders.find((o) => o.id === orderId)!
      assert.deepStrictEqual([order.status, order.fillVolume, order.filledPrice], [2, 5, 21_000.45])
      assert.deepStrictEqual(snap.trades.map((t) => [t.price, t.size, t.orderId, t.profitAndLoss, t.fees]), [
        [21_000.25, 2, orderId, undefined, 0.74],
        [21_000.5, 2, orderId, undefined, 0.74],
        [21_000.75, 1, orderId, undefined, 0.37]
      ])
      assert.deepStrictEqual(snap.positions.map((p) => [p.type, p.size, p.averagePrice]), [[1, 5, 21_000.45]])
      assert.strictEqual(snap.account.balance, 50_000 - 1.85, "fees are charged on every fill")
    }).pipe(Effect.provide(layer({ liquidity: { perLevel: 2 } }))))

  it.effect("partial fills: a resting limit fills perTick per tick, fillVolume grows, a trade per execution", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* c.orderPlace(
        { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 0, size: 5, limitPrice: 21_000.25 },
        token
      )
      const fillVolume = Effect.map(snapshot(), (s) => s.orders.find((o) => o.id === orderId)!)
      const first = yield* fillVolume
      assert.deepStrictEqual([first.status, first.fillVolume], [1, 2], "marketable at once: takes the 2 at the ask")
      assert.deepStrictEqual(
        (yield* c.orderSearchOpen({ accountId: ACCOUNT }, token)).orders.map((o) => [o.id, o.fillVolume]),
        [[orderId, 2]],
        "a partly filled order is still open"
      )
      const seen: Array<number> = []
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust("1 second")
        seen.push((yield* fillVolume).fillVolume)
      }
      assert.deepStrictEqual(seen, [3, 4, 5])
      const done = yield* fillVolume
      assert.deepStrictEqual([done.status, done.filledPrice], [2, 21_000.25])
      const { trades } = yield* c.tradeSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)
      assert.deepStrictEqual(trades.map((t) => [t.size, t.orderId, Models.timestampToMillis(t.creationTimestamp)]), [
        [2, orderId, 0],
        [1, orderId, 1_000],
        [1, orderId, 2_000],
        [1, orderId, 3_000]
      ])
    }).pipe(Effect.provide(layer({ liquidity: { perLevel: 2, perTick: 1 } }))))

  it.effect("a resting limit fills when the market comes to it; a stop triggers and fills at market", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      yield* pin(21_000)
      const limit = yield* c.orderPlace(
        { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 0, size: 1, limitPrice: 20_990 },
        token
      )
      const stop = yield* c.orderPlace(
        { accountId: ACCOUNT, contractId: MNQ, type: 4, side: 1, size: 1, stopPrice: 20_980 },
        token
      )
      yield* pin(20_995)
      assert.strictEqual((yield* snapshot()).positions.length, 0, "not there yet")
      yield* pin(20_989.75)
      const filled = (yield* snapshot()).orders.find((o) => o.id === limit.orderId)!
      assert.deepStrictEqual([filled.status, filled.filledPrice], [2, 20_990])
      yield* pin(20_979.5)
      const snap = yield* snapshot()
      const stopped = snap.orders.find((o) => o.id === stop.orderId)!
      assert.deepStrictEqual([stopped.status, stopped.filledPrice], [2, 20_979.5], "fills at the bid once reached")
      assert.deepStrictEqual(snap.positions, [])
      assert.strictEqual(snap.trades[1]!.profitAndLoss, (20_979.5 - 20_990) * 2)
    }).pipe(Effect.provide(layer())))

  it.effect("bad input gets the PlaceOrder codes", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const base = { accountId: ACCOUNT, contractId: MNQ, type: 2 as const, side: 0 as const, size: 1 }
      const sim = yield* Simulator.Simulator
      yield* sim.exchange.updateAccount(100002, { canTrade: false })
      const codes = yield* Effect.all([
        { ...base, accountId: 999 },
        { ...base, contractId: "CON.F.US.XX.Z26" },
        { ...base, contractId: EXPIRED_MNQ },
        { ...base, accountId: 100002 },
        { ...base, size: 0 },
        { ...base, type: 1 as const },
        { ...base, type: 1 as const, limitPrice: 21_000.1 },
        { ...base, type: 4 as const, stopPrice: 1 },
        { ...base, type: 0 as const },
        { ...base, stopLossBracket: { ticks: 10, type: 4 as const } }
      ].map((r) => Effect.flip(c.orderPlace(r, token))))
      assert.deepStrictEqual(codes.map(rejection), [
        "1 AccountNotFound",
        "8 ContractNotFound",
        "9 ContractNotActive",
        "4 AccountViolation",
        "2 OrderRejected",
        "2 OrderRejected",
        "2 OrderRejected",
        "2 OrderRejected",
        "2 OrderRejected",
        "2 OrderRejected"
      ])
      assert.strictEqual((yield* snapshot()).orders.length, 0)
    }).pipe(Effect.provide(layer())))

  it.effect("another user's account is not found; cancel and modify have their codes", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const alice = yield* login("alice", "alice-key")
      yield* pin(21_000)
      const { orderId } = yield* c.orderPlace(
        { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 0, size: 1, limitPrice: 20_000 },
        token
      )
      const filled = (yield* market(token, 0, 1)).orderId
      const codes = yield* Effect.all([
        Effect.flip(c.orderSearchOpen({ accountId: ACCOUNT }, alice)),
        Effect.flip(c.orderCancel({ accountId: ACCOUNT, orderId }, alice)),
        Effect.flip(c.orderCancel({ accountId: ACCOUNT, orderId: 1 }, token)),
        Effect.flip(c.orderCancel({ accountId: ACCOUNT, orderId: filled }, token)),
        Effect.flip(c.orderModify({ accountId: ACCOUNT, orderId: 1, size: 2 }, token)),
        Effect.flip(c.orderModify({ accountId: ACCOUNT, orderId, size: 0 }, token)),
        Effect.flip(c.orderModify({ accountId: ACCOUNT, orderId, stopPrice: 20_000 }, token)),
        Effect.flip(c.positionSearchOpen({ accountId: 999 }, token)),
        Effect.flip(c.tradeSearch({ accountId: 999, startTimestamp: SINCE_EPOCH }, token))
      ])
      assert.deepStrictEqual(codes.map(rejection), [
        "1 AccountNotFound",
        "1 AccountNotFound",
        "2 OrderNotFound",
        "3 Rejected",
        "2 OrderNotFound",
        "3 Rejected",
        "3 Rejected",
        "1 AccountNotFound",
        "1 AccountNotFound"
      ])
    }).pipe(Effect.provide(layer({ users: [{ userName: "alice", apiKey: "alice-key" }] }))))

  it.effect("events of a market order, in order: Pending, trade, position, account, Filled, print, quote", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      yield* pin(21_000)
      const events = yield* sim.exchange.subscribe
      const { orderId } = yield* market(token, 0, 1)
      const got = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
      assert.deepStrictEqual(got.map((e) => e._tag), [
        "OrderUpserted",
        "TradeExecuted",
        "PositionUpserted",
        "AccountUpdated",
        "OrderUpserted",
        "MarketTrades",
        "QuoteUpdated",
        "DepthUpdated"
      ])
      const [pending, trade, , account, filled, , quote, depth] = got
      assert.deepInclude(pending!._tag === "OrderUpserted" ? pending.order : {}, { id: orderId, status: 6 })
      assert.deepInclude(filled!._tag === "OrderUpserted" ? filled.order : {}, { id: orderId, status: 2 })
      assert.isTrue(trade!._tag === "TradeExecuted" && trade.trade.profitAndLoss === undefined)
      assert.isTrue(account!._tag === "AccountUpdated" && account.account.balance === 50_000 - 0.37)
      assert.deepStrictEqual(
        quote!._tag === "QuoteUpdated" ? Object.keys(quote.quote).sort() : [],
        ["change", "changePercent", "contract", "lastPrice", "symbol", "volume"],
        "a delta carries only the changed fields, and symbol and contract"
      )
      assert.deepStrictEqual(
        depth!._tag === "DepthUpdated" ? depth.entries.map((e) => [e.type, e.price, e.volume]) : [],
        [[5, 21_000.25, 1]],
        "the fill is a Trade entry in depth"
      )
    }).pipe(Effect.scoped, Effect.provide(layer())))
})
