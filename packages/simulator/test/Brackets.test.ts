import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { ACCOUNT, client, layer, login, MNQ, pin, SINCE_EPOCH, snapshot } from "./utils/sim.js"

const entry = (token: Redacted.Redacted<string>, extra: { customTag?: string; limitPrice?: number; type?: 1 | 2 } = {}) =>
  Effect.flatMap(client, (c) =>
    c.orderPlace({
      accountId: ACCOUNT,
      contractId: MNQ,
      type: extra.type ?? 1,
      side: 0,
      size: 2,
      ...(extra.type === 2 ? {} : { limitPrice: extra.limitPrice ?? 20_990 }),
      ...(extra.customTag === undefined ? {} : { customTag: extra.customTag }),
      stopLossBracket: { ticks: -20, type: 4 },
      takeProfitBracket: { ticks: 40, type: 1 }
    }, token))

const openOrders = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(client, (c) => c.orderSearchOpen({ accountId: ACCOUNT }, token))

describe("bracket orders", () => {
  it.effect("the legs exist at once in status 8 with -SL/-TP tags and parentOrderId, hidden from searchOpen", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* entry(token, { customTag: "b1" })
      assert.deepStrictEqual((yield* openOrders(token)).orders.map((o) => o.id), [orderId], "only the entry is listed")
      const { orders } = yield* c.orderSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)
      assert.deepStrictEqual(orders.map((o) => [o.customTag, o.status, o.side, o.size, o.parentOrderId ?? null]), [
        ["b1", 1, 0, 2, null],
        ["b1-SL", 8, 1, 2, orderId],
        ["b1-TP", 8, 1, 2, orderId]
      ])
      const [, sl, tp] = orders
      assert.strictEqual(tp!.linkedOrderId, sl!.id)
      assert.isUndefined(sl!.linkedOrderId, "only the take-profit leg names the other")
      const reused = yield* Effect.flip(
        c.orderPlace({ accountId: ACCOUNT, contractId: MNQ, type: 2, side: 0, size: 1, customTag: "b1-TP" }, token)
      )
      assert.strictEqual(reused._tag === "Rejected" && reused.errorCode, 2, "the legs' tags are taken too")
    }).pipe(Effect.provide(layer())))

  it.effect("when the entry fills the legs work at their tick offsets; one leg filling cancels the other", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* entry(token, { customTag: "b2" })
      yield* pin(20_989.75)
      const open = (yield* openOrders(token)).orders
      assert.deepStrictEqual(open.map((o) => [o.customTag, o.status, o.type, o.stopPrice ?? null, o.limitPrice ?? null]), [
        ["b2-SL", 1, 4, 20_985, null],
        ["b2-TP", 1, 1, null, 21_000]
      ], "stop 20 ticks below, target 40 ticks above the 20990 fill")
      yield* pin(21_000)
      const snap = yield* snapshot()
      const byTag = new Map(snap.orders.map((o) => [o.customTag, o]))
      assert.deepStrictEqual([byTag.get("b2")!.id, byTag.get("b2-TP")!.status, byTag.get("b2-SL")!.status], [orderId, 2, 3])
      assert.deepStrictEqual(snap.openOrders, [])
      assert.deepStrictEqual(snap.positions, [])
      assert.strictEqual(snap.trades.at(-1)!.profitAndLoss, 40)
    }).pipe(Effect.provide(layer())))

  it.effect("the stop leg fills on a drop and cancels the target", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      yield* entry(token, { type: 2, customTag: "b3" })
      const legs = (yield* openOrders(token)).orders
      assert.deepStrictEqual(legs.map((o) => o.customTag), ["b3-SL", "b3-TP"], "a market entry arms them at once")
      yield* pin(20_990)
      const byTag = new Map((yield* snapshot()).orders.map((o) => [o.customTag, o]))
      assert.deepStrictEqual([byTag.get("b3-SL")!.status, byTag.get("b3-TP")!.status], [2, 3])
    }).pipe(Effect.provide(layer())))

  it.effect("cancelling an unfilled entry cancels its legs; closing the position cancels working legs", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* entry(token, { customTag: "b4" })
      yield* c.orderCancel({ accountId: ACCOUNT, orderId }, token)
      const statuses = (yield* snapshot()).orders.map((o) => [o.customTag, o.status])
      assert.deepStrictEqual(statuses, [["b4", 3], ["b4-SL", 3], ["b4-TP", 3]])
      yield* entry(token, { type: 2, customTag: "b5" })
      yield* c.positionCloseContract({ accountId: ACCOUNT, contractId: MNQ }, token)
      assert.deepStrictEqual((yield* openOrders(token)).orders, [])
    }).pipe(Effect.provide(layer())))

  it.effect("a bracket on the wrong side of the fill is rejected", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const e = yield* Effect.flip(c.orderPlace({
        accountId: ACCOUNT,
        contractId: MNQ,
        type: 2,
        side: 1,
        size: 1,
        takeProfitBracket: { ticks: 10, type: 1 }
      }, token))
      assert.strictEqual(e._tag === "Rejected" && e.errorCode, 2, "a short's target is below the fill")
    }).pipe(Effect.provide(layer())))
})
