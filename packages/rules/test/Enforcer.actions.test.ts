import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { TestStack } from "@tradeguard/testing"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Audit from "../src/Audit.js"
import * as Enforcer from "../src/Enforcer.js"
import * as Locks from "../src/Locks.js"
import * as Verdict from "../src/Verdict.js"
import { ACCOUNT, bidOf, calls, flatAtSimulator, layer, marketBuy, MES, MNQ, placeDirectly, sim, truth, watch } from "./utils/enforcement.js"

const request = (actions: ReadonlyArray<Verdict.Action>, rule: Enforcer.Request["rule"] = "maxContracts"): Enforcer.Request => ({
  accountId: ACCOUNT,
  rule,
  reason: "test",
  figures: {},
  actions
})

const enforced = (r: Enforcer.Request, duration: Duration.DurationInput = "10 seconds") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork((yield* Enforcer.Enforcer).enforce(r))
    yield* TestStack.advance(duration, "100 millis")
    return yield* Fiber.join(fiber)
  })

const limit = (side: number, limitPrice: number, contractId = MNQ) =>
  placeDirectly({ contractId, type: Enums.OrderType.Limit, side, size: 1, limitPrice })

const statusOf = (id: number) => Effect.map(truth(), (t) => t.orders.find((o) => o.id === id)!.status)
const sizeOf = (contractId: string) => Effect.map(truth(), (t) => t.positions.find((p) => p.contractId === contractId)?.size ?? 0)

describe("Enforcer reduce, close, cancel entries", () => {
  it.effect("reduce to a limit: the buy that would add cancelled, ONE tagged market sell of the excess, size verified; the resting sell kept", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(5)
      const bid = yield* bidOf()
      const adds = yield* limit(Enums.OrderSide.Bid, bid - 20)
      const protects = yield* limit(Enums.OrderSide.Ask, bid + 50)
      yield* TestStack.advance("1 second", "100 millis")
      const outcome = yield* enforced(request([Verdict.reduce(MNQ, 2)]))
      assert.strictEqual(outcome._tag, "Done")
      assert.strictEqual(yield* sizeOf(MNQ), 2)
      assert.strictEqual(yield* statusOf(adds), Enums.OrderStatus.Cancelled)
      assert.strictEqual(yield* statusOf(protects), Enums.OrderStatus.Open)
      const reductions = (yield* truth()).orders.filter((o) => (o.customTag ?? "").startsWith(`${outcome.id}:`))
      assert.deepStrictEqual(reductions.map((o) => [o.type, o.side, o.size, o.status]), [
        [Enums.OrderType.Market, Enums.OrderSide.Ask, 3, Enums.OrderStatus.Filled]
      ])
      const sent = (yield* calls).map((c) => c.endpoint)
      assert.notInclude(sent, "positionPartialCloseContract")
      assert.notInclude(sent, "positionCloseContract")
      const place = (yield* calls).find((c) => c.endpoint === "orderPlace" && String(c.request.customTag).startsWith(outcome.id))!
      assert.deepStrictEqual(place.options, { priority: "enforcement" })
      // no lock for a reduction
      assert.isUndefined(yield* (yield* Locks.Locks).active(ACCOUNT))
    }).pipe(Effect.provide(layer())))

  it.effect("close one position: every order on that contract cancelled first, the position closed; the other contract untouched", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(2, MNQ)
      yield* marketBuy(1, MES)
      const bid = yield* bidOf()
      const stop = yield* placeDirectly({ type: Enums.OrderType.Stop, side: Enums.OrderSide.Ask, size: 2, stopPrice: bid - 40 })
      const mesBuy = yield* limit(Enums.OrderSide.Bid, (yield* bidOf(MES)) - 20, MES)
      yield* TestStack.advance("1 second", "100 millis")
      const outcome = yield* enforced(request([Verdict.closePosition(MNQ)], "positionMaxLoss"))
      assert.strictEqual(outcome._tag, "Done")
      assert.strictEqual(yield* sizeOf(MNQ), 0)
      assert.strictEqual(yield* sizeOf(MES), 1)
      assert.strictEqual(yield* statusOf(stop), Enums.OrderStatus.Cancelled)
      assert.strictEqual(yield* statusOf(mesBuy), Enums.OrderStatus.Open)
      const sent = (yield* calls).map((c) => c.endpoint)
      assert.isBelow(sent.indexOf("orderCancel"), sent.indexOf("positionCloseContract"))
    }).pipe(Effect.provide(layer())))

  it.effect("cancel entries: the orders that would open or add are cancelled, the one that reduces and the position stay", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(1, MNQ)
      const bid = yield* bidOf()
      const adds = yield* limit(Enums.OrderSide.Bid, bid - 20)
      const reduces = yield* limit(Enums.OrderSide.Ask, bid + 50)
      const opens = yield* limit(Enums.OrderSide.Bid, (yield* bidOf(MES)) - 20, MES)
      yield* TestStack.advance("1 second", "100 millis")
      const outcome = yield* enforced(request([Verdict.cancelEntries()], "tradingHours"))
      assert.strictEqual(outcome._tag, "Done")
      assert.deepStrictEqual(
        [yield* statusOf(adds), yield* statusOf(reduces), yield* statusOf(opens)],
        [Enums.OrderStatus.Cancelled, Enums.OrderStatus.Open, Enums.OrderStatus.Cancelled]
      )
      assert.strictEqual(yield* sizeOf(MNQ), 1)
    }).pipe(Effect.provide(layer())))

  it.effect("cancel entries on given contracts only", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      const mnq = yield* limit(Enums.OrderSide.Bid, (yield* bidOf()) - 20)
      const mes = yield* limit(Enums.OrderSide.Bid, (yield* bidOf(MES)) - 20, MES)
      yield* TestStack.advance("1 second", "100 millis")
      yield* enforced(request([Verdict.cancelEntries([MES])], "newsBlackout"))
      assert.deepStrictEqual([yield* statusOf(mnq), yield* statusOf(mes)], [Enums.OrderStatus.Open, Enums.OrderStatus.Cancelled])
    }).pipe(Effect.provide(layer())))

  it.effect("during a 429 burst the enforcement's reads go at enforcement priority and it still ends flat", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      yield* marketBuy(2)
      yield* limit(Enums.OrderSide.Bid, (yield* bidOf()) - 20)
      yield* TestStack.advance("1 second", "100 millis")
      yield* (yield* sim).setFaults({ rateLimitBursts: { probability: 1, durationMillis: 2_000, retryAfterSeconds: 1, count: 1 } })
      const outcome = yield* enforced(request([Verdict.flatten()], "dailyLossLimit"), "20 seconds")
      assert.strictEqual(outcome._tag, "Done")
      assert.isTrue(yield* flatAtSimulator())
      const reads = (yield* calls).filter((c) => c.options !== undefined && (c.endpoint === "positionSearchOpen" || c.endpoint === "orderSearch"))
      assert.isAbove(reads.filter((c) => c.endpoint === "positionSearchOpen").length, 1)
      assert.isAbove(reads.filter((c) => c.endpoint === "orderSearch").length, 1)
      assert.isTrue(reads.every((c) => c.options?.priority === "enforcement"))
      // a Flatten without a lock sets none
      assert.isUndefined(yield* (yield* Locks.Locks).active(ACCOUNT))
    }).pipe(Effect.provide(layer())))

  it.effect("an account that is already within the limit: Done at once, nothing sent, one Verified record", () =>
    Effect.gen(function*() {
      yield* watch(ACCOUNT)
      const outcome = yield* enforced(request([Verdict.flatten()], "lock"), "3 seconds")
      assert.strictEqual(outcome._tag, "Done")
      const sent = (yield* calls).filter((c) => ["orderCancel", "positionCloseContract", "orderPlace"].includes(c.endpoint))
      assert.deepStrictEqual(sent, [])
      const kinds = (yield* (yield* Audit.Audit).list({ accountId: ACCOUNT })).map((r) => r.kind)
      assert.deepStrictEqual(kinds, ["Decision", "Verified"])
    }).pipe(Effect.provide(layer())))
})
