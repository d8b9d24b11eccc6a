import { Enums, type Models } from "@tradeguard/gateway"
import { assert, describe, it } from "@effect/vitest"
import * as HashMap from "effect/HashMap"
import fc from "fast-check"
import { HubEvent } from "../src/index.js"
import * as Data from "../src/internal/accountData.js"
import * as R from "../src/internal/reconcile.js"
import * as F from "./utils/fixtures.js"

const contracts = ["CON.F.US.MNQ.U26", "CON.F.US.EP.U26", "CON.F.US.ENQ.U26"]
const terminal = [2, 3, 4, 5] as const
const working = [1, 6, 7] as const

/** A world: the truth, and a cache that is an older, partial view of it (terminal statuses are final). */
const world = fc.record({
  orders: fc.array(
    fc.record({
      truth: fc.constantFrom<Enums.OrderStatus>(...working, ...terminal),
      cached: fc.option(fc.constantFrom<Enums.OrderStatus>(...working, ...terminal), { nil: undefined }),
      fill: fc.nat(3)
    }),
    { maxLength: 8 }
  ),
  positions: fc.array(
    fc.record({
      truth: fc.option(fc.record({ type: fc.constantFrom(1, 2), size: fc.integer({ min: 1, max: 5 }) }), { nil: undefined }),
      cached: fc.option(fc.record({ type: fc.constantFrom(1, 2), size: fc.integer({ min: 1, max: 5 }) }), { nil: undefined })
    }),
    { minLength: 3, maxLength: 3 }
  ),
  trades: fc.array(fc.boolean(), { maxLength: 10 }),
  balances: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }))
})

const build = (w: typeof world extends fc.Arbitrary<infer A> ? A : never) => {
  const truthOrders: Array<Models.Order> = []
  const cache: Array<HubEvent.HubEvent> = []
  w.orders.forEach((o, i) => {
    const id = 1000 + i
    // A terminal status in the cache is final: the truth must agree.
    const truthStatus = o.cached !== undefined && Enums.isTerminalStatus(o.cached) ? o.cached : o.truth
    truthOrders.push(F.order({ id, status: truthStatus, fillVolume: o.fill }))
    if (o.cached !== undefined) cache.push(HubEvent.order(F.order({ id, status: o.cached })))
  })
  const truthPositions: Array<Models.Position> = []
  w.positions.forEach((p, i) => {
    if (p.truth) truthPositions.push(F.position({ id: i, contractId: contracts[i], ...p.truth }))
    if (p.cached) cache.push(HubEvent.position(F.position({ id: i, contractId: contracts[i], ...p.cached })))
  })
  const truthTrades = w.trades.map((_, i) => F.trade({ id: i + 1, creationTimestamp: F.ts(F.T0 + i) }))
  w.trades.forEach((cached, i) => cached && cache.push(HubEvent.trade(truthTrades[i])))
  if (w.balances[1] !== undefined) cache.push(HubEvent.account(F.account({ balance: w.balances[1] })))
  const truth: R.Truth = {
    accountIds: [465],
    accounts: [F.account({ balance: w.balances[0] })],
    openOrders: truthOrders.filter((o) => Enums.isWorkingStatus(o.status)),
    positions: truthPositions,
    trades: truthTrades,
    finalOrders: new Map(truthOrders.map((o) => [o.id, o]))
  }
  return { truth, cache: Data.applyAll(Data.empty, cache) }
}

describe("reconcile core", () => {
  it("after the missed events are applied the cache equals the truth, and a second pass finds nothing", () => {
    fc.assert(fc.property(world, (w) => {
      const { cache, truth } = build(w)
      const d = R.diff(cache, truth, new Set())
      assert.isTrue(d.events.every((e) => e.reconciled))
      const after = Data.applyAll(cache, d.events)
      const workingIds = truth.openOrders!.map((o) => o.id).sort()
      assert.deepStrictEqual([...HashMap.keys(after.orders)].sort(), workingIds)
      for (const o of truth.openOrders!) assert.isTrue(R.sameOrder(HashMap.unsafeGet(after.orders, o.id), o))
      const positions = [...HashMap.values(after.positions)].map((p) => `${p.contractId}:${p.type}:${p.size}`).sort()
      assert.deepStrictEqual(positions, truth.positions!.map((p) => `${p.contractId}:${p.type}:${p.size}`).sort())
      assert.deepStrictEqual([...HashMap.keys(after.trades)].sort(), truth.trades.map((t) => t.id).sort())
      assert.strictEqual(HashMap.unsafeGet(after.accounts, 465).balance, truth.accounts![0].balance)
      assert.strictEqual(R.diff(after, truth, new Set()).events.length, 0)
      assert.strictEqual(R.total(d.counts), d.events.length)
    }))
  })

  it("never re-delivers a trade the cache holds", () => {
    fc.assert(fc.property(world, (w) => {
      const { cache, truth } = build(w)
      for (const e of R.diff(cache, truth, new Set()).events) {
        if (e._tag === "Trade") assert.isFalse(HashMap.has(cache.trades, e.trade.id))
      }
    }))
  })

  it("leaves entities touched by live events alone and reports them as conflicts", () => {
    const cache = Data.applyAll(Data.empty, [HubEvent.position(F.position({ size: 3 })), HubEvent.order(F.order({ id: 1 }))])
    const truth: R.Truth = {
      accountIds: [465],
      accounts: undefined,
      openOrders: [],
      positions: [F.position({ size: 2 })],
      trades: [],
      finalOrders: new Map([[1, F.order({ id: 1, status: 2 })]])
    }
    const d = R.diff(cache, truth, new Set(["o:1", `p:465:${contracts[0]}`]))
    assert.deepStrictEqual(d.events, [])
    assert.sameMembers([...d.conflicts], ["o:1", `p:465:${contracts[0]}`])
  })

  it("does not resurrect an order that ended after the snapshot was taken", () => {
    const cache = Data.applyAll(Data.empty, [HubEvent.order(F.order({ id: 1, status: 2 }))])
    const truth: R.Truth = {
      accountIds: [465],
      accounts: undefined,
      openOrders: [F.order({ id: 1, status: 1 })],
      positions: undefined,
      trades: [],
      finalOrders: new Map()
    }
    assert.deepStrictEqual(R.diff(cache, truth, new Set()).events, [])
  })

  it("ignores accounts outside its scope", () => {
    const truth: R.Truth = {
      accountIds: [465],
      accounts: [F.account({ id: 999 })],
      openOrders: [F.order({ id: 5, accountId: 999 })],
      positions: [F.position({ accountId: 999 })],
      trades: [F.trade({ id: 1, accountId: 999 })],
      finalOrders: new Map()
    }
    assert.deepStrictEqual(R.diff(Data.empty, truth, new Set()).events, [])
  })

  it("a take-profit leg cached from the hub (trailPrice set) equals its REST row (none): no false change after a reconnect", () => {
    const rest = F.order({ id: 7, status: 1, type: 1, limitPrice: 21_010 })
    const hub = { ...rest, trailPrice: 21_010 }
    assert.isTrue(R.sameOrder(hub, rest))
    assert.isTrue(R.sameOrder(rest, hub))
    assert.isFalse(R.sameOrder({ ...rest, trailPrice: 5 }, { ...rest, trailPrice: 6 })) // a trailing stop that moved
    assert.isFalse(R.sameOrder(hub, { ...rest, limitPrice: 21_020 }))
  })
})
