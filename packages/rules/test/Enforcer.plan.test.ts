import { assert, describe, it } from "@effect/vitest"
import { Enums, Models } from "@tradeguard/gateway"
import * as Plan from "../src/internal/enforcement/plan.js"
import * as Verdict from "../src/Verdict.js"

const MNQ = "CON.F.US.MNQ.Z26"
const MES = "CON.F.US.MES.Z26"

const position = (contractId: string, size: number, type: Enums.PositionType = Enums.PositionType.Long) =>
  new Models.Position({ id: size, accountId: 1, contractId, creationTimestamp: "2026-12-02T14:00:00Z", type, size, averagePrice: 100 })

const order = (
  id: number,
  contractId: string,
  side: Enums.OrderSide,
  status: Enums.OrderStatus = Enums.OrderStatus.Open,
  extra: Partial<Models.Order> = {}
) =>
  new Models.Order({
    id,
    accountId: 1,
    contractId,
    creationTimestamp: "2026-12-02T14:00:00Z",
    status,
    type: Enums.OrderType.Limit,
    side,
    size: 1,
    limitPrice: 100,
    fillVolume: 0,
    ...extra
  })

const ids = (orders: ReadonlyArray<Models.Order>) => orders.map((o) => o.id)

describe("Enforcer plan (pure)", () => {
  it("needs merge: flatten, the smallest reduction of a contract, closes, cancel entries (all wins over a list)", () => {
    const needs = Plan.needsOf([
      Verdict.reduce(MNQ, 3),
      Verdict.reduce(MNQ, 2),
      Verdict.closePosition(MES),
      Verdict.cancelEntries([MNQ]),
      Verdict.cancelEntries([MES])
    ])
    assert.deepStrictEqual([needs.flatten, [...needs.close], [...needs.reduce], [...(needs.cancelEntries as Set<string>)]], [
      false,
      [MES],
      [[MNQ, 2]],
      [MNQ, MES]
    ])
    assert.strictEqual(Plan.needsOf([Verdict.cancelEntries(), Verdict.cancelEntries([MNQ])]).cancelEntries, "all")
    assert.strictEqual(Plan.needsOf([Verdict.cancelEntries([MNQ]), Verdict.cancelEntries()]).cancelEntries, "all")
    assert.isTrue(Plan.needsOf([Verdict.flatten()]).flatten)
  })

  it("flatten: every working order is cancelled except one already PendingCancellation (waited for); every position closed", () => {
    const picture = Plan.normalize({
      positions: [position(MNQ, 2), position(MES, 0)],
      orders: [
        order(1, MNQ, 0),
        order(2, MNQ, 1, Enums.OrderStatus.Suspended),
        order(3, MNQ, 1, Enums.OrderStatus.PendingCancellation),
        order(4, MNQ, 1, Enums.OrderStatus.Filled)
      ]
    })
    const needs = Plan.needsOf([Verdict.flatten()])
    const plan = Plan.planOf(needs, picture, "x:")
    assert.deepStrictEqual([ids(plan.cancels), plan.closes, plan.reductions], [[1, 2], [MNQ], []])
    assert.deepStrictEqual(Plan.remainingOf(needs, picture, "x:"), [
      "order 1 on CON.F.US.MNQ.Z26 (status 1)",
      "order 2 on CON.F.US.MNQ.Z26 (status 8)",
      "order 3 on CON.F.US.MNQ.Z26 (status 7)",
      "position CON.F.US.MNQ.Z26 of 2"
    ])
    assert.isFalse(Plan.isEmpty(plan))
    assert.isTrue(Plan.isEmpty(Plan.planOf(needs, { positions: [], orders: [order(3, MNQ, 1, Enums.OrderStatus.PendingCancellation)] }, "x:")))
  })

  it("reduce a short: the sells that would add are cancelled, the excess less our working reduction is what is left to cut", () => {
    const short = position(MNQ, 5, Enums.PositionType.Short)
    const needs = Plan.needsOf([Verdict.reduce(MNQ, 2)])
    const addsToShort = order(1, MNQ, Enums.OrderSide.Ask)
    const buyBack = order(2, MNQ, Enums.OrderSide.Bid)
    const ours = order(3, MNQ, Enums.OrderSide.Bid, Enums.OrderStatus.Open, { size: 2, fillVolume: 1, customTag: "x:r1:1.1" })
    const plan = Plan.planOf(needs, { positions: [short], orders: [addsToShort, buyBack, ours] }, "x:")
    assert.deepStrictEqual([ids(plan.cancels), plan.closes, plan.reductions], [[1], [], [{ contractId: MNQ, size: 2 }]])
    assert.deepStrictEqual(Plan.remainingOf(needs, { positions: [position(MNQ, 3, Enums.PositionType.Short)], orders: [] }, "x:"), [
      "position CON.F.US.MNQ.Z26 of 3 > 2"
    ])
    // no position: nothing to reduce; within the limit: done
    assert.deepStrictEqual(Plan.planOf(needs, { positions: [], orders: [] }, "x:").reductions, [])
    assert.deepStrictEqual(Plan.remainingOf(needs, { positions: [position(MNQ, 2, Enums.PositionType.Short)], orders: [] }, "x:"), [])
    // a flatten or a close of the same contract supersedes the reduction
    assert.deepStrictEqual(Plan.planOf(Plan.needsOf([Verdict.reduce(MNQ, 2), Verdict.flatten()]), { positions: [short], orders: [] }, "x:").reductions, [])
    assert.deepStrictEqual(
      Plan.planOf(Plan.needsOf([Verdict.reduce(MNQ, 2), Verdict.closePosition(MNQ)]), { positions: [short], orders: [] }, "x:").closes,
      [MNQ]
    )
  })

  it("union: by contract and by order id, the first picture wins", () => {
    const u = Plan.union(
      { positions: [position(MNQ, 1)], orders: [order(1, MNQ, 0)] },
      { positions: [position(MNQ, 9), position(MES, 1)], orders: [order(1, MNQ, 1), order(2, MES, 0)] }
    )
    assert.deepStrictEqual(u.positions.map((p) => [p.contractId, p.size]), [[MNQ, 1], [MES, 1]])
    assert.deepStrictEqual(u.orders.map((o) => [o.id, o.side]), [[1, 0], [2, 0]])
  })

  it("reduction keys fit a customTag's alphabet and length, stable per contract and step", () => {
    const key = Plan.reductionKey("100001-mhq2v9xk-0a1b2c3d", "CON.F.US.MNQ.Z26", 12)
    assert.match(key, /^[A-Za-z0-9_:-]{1,56}$/)
    assert.strictEqual(key, Plan.reductionKey("100001-mhq2v9xk-0a1b2c3d", "CON.F.US.MNQ.Z26", 12))
    assert.notStrictEqual(key, Plan.reductionKey("100001-mhq2v9xk-0a1b2c3d", "CON.F.US.MES.Z26", 12))
  })
})
