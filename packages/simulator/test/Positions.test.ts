import { assert, describe, it } from "@effect/vitest"
import type { Errors } from "@tradeguard/gateway"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import { Simulator } from "../src/index.js"
import { ACCOUNT, client, ES, layer, login, market, MNQ, pin, snapshot } from "./utils/sim.js"

const rejection = (e: Errors.GatewayError) => (e._tag === "Rejected" ? `${e.errorCode} ${e.errorName}` : e._tag)

describe("positions", () => {
  it.effect("one position per account and contract: netting, average price, flip, PnL and balance", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      yield* market(token, 0, 2)
      yield* pin(21_010)
      yield* market(token, 0, 2)
      let snap = yield* snapshot()
      assert.deepStrictEqual(snap.positions.map((p) => [p.type, p.size, p.averagePrice]), [[1, 4, 21_005.25]])
      yield* pin(21_020)
      yield* market(token, 1, 6)
      snap = yield* snapshot()
      assert.deepStrictEqual(snap.positions.map((p) => [p.type, p.size, p.averagePrice]), [[2, 2, 21_020]], "flipped short")
      const last = snap.trades.slice(-2).map((t) => [t.size, t.profitAndLoss ?? null])
      assert.deepStrictEqual(last, [[4, (21_020 - 21_005.25) * 4 * 2], [2, null]], "closing half-turn, then opening")
      const fees = snap.trades.reduce((n, t) => n + t.fees, 0)
      assert.closeTo(snap.account.balance, 50_000 + 118 - fees, 1e-9)
    }).pipe(Effect.provide(layer())))

  it.effect("partialCloseContract and closeContract; invalid sizes and missing positions have their codes", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const sim = yield* Simulator.Simulator
      yield* pin(21_000)
      yield* market(token, 1, 3)
      const events = yield* sim.exchange.subscribe
      const codes = yield* Effect.all([
        Effect.flip(c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: MNQ, size: 4 }, token)),
        Effect.flip(c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: MNQ, size: 0 }, token)),
        Effect.flip(c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: ES, size: 1 }, token)),
        Effect.flip(c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: "NOPE", size: 1 }, token)),
        Effect.flip(c.positionPartialCloseContract({ accountId: 7, contractId: MNQ, size: 1 }, token)),
        Effect.flip(c.positionCloseContract({ accountId: ACCOUNT, contractId: ES }, token)),
        Effect.flip(c.positionCloseContract({ accountId: ACCOUNT, contractId: "NOPE" }, token)),
        Effect.flip(c.positionCloseContract({ accountId: 7, contractId: MNQ }, token))
      ])
      assert.deepStrictEqual(codes.map(rejection), [
        "5 InvalidCloseSize",
        "5 InvalidCloseSize",
        "2 PositionNotFound",
        "3 ContractNotFound",
        "1 AccountNotFound",
        "2 PositionNotFound",
        "3 ContractNotFound",
        "1 AccountNotFound"
      ])
      assert.strictEqual((yield* Queue.size(events)), 0, "rejections change nothing")
      yield* c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: MNQ, size: 2 }, token)
      assert.deepStrictEqual((yield* snapshot()).positions.map((p) => [p.type, p.size]), [[2, 1]])
      yield* c.positionCloseContract({ accountId: ACCOUNT, contractId: MNQ }, token)
      const got = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
      const closed = got.filter((e) => e._tag === "PositionClosed")
      assert.strictEqual(closed.length, 1)
      assert.deepInclude(closed[0]!._tag === "PositionClosed" ? closed[0]!.position : {}, { type: 0, size: 0 })
      const snap = yield* snapshot()
      assert.deepStrictEqual(snap.positions, [])
      const closes = snap.orders.filter((o) => o.customTag === undefined && o.side === 0)
      assert.deepStrictEqual(closes.map((o) => [o.type, o.size, o.status]), [[2, 2, 2], [2, 1, 2]], "market orders, no tag")
      const again = yield* Effect.flip(c.positionCloseContract({ accountId: ACCOUNT, contractId: MNQ }, token))
      assert.strictEqual(rejection(again), "2 PositionNotFound")
    }).pipe(Effect.scoped, Effect.provide(layer())))
})
