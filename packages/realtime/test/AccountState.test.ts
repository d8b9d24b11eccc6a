import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { AccountState, type HubConnection, HubEvent } from "../src/index.js"
import * as Data from "../src/internal/accountData.js"
import * as F from "./utils/fixtures.js"
import { flush, setup } from "./utils/harness.js"

const C = "CON.F.US.MNQ.U26"
const applyAll = (events: ReadonlyArray<HubEvent.HubEvent>, from = Data.empty) => Data.applyAll(from, events)
const get = <K, V>(m: HashMap.HashMap<K, V>, k: K) => Option.getOrUndefined(HashMap.get(m, k))

describe("AccountState core", () => {
  it("keeps accounts by id, the latest version", () => {
    const s = applyAll([HubEvent.account(F.account()), HubEvent.account(F.account({ balance: 49_000 }))])
    assert.strictEqual(HashMap.size(s.accounts), 1)
    assert.strictEqual(get(s.accounts, 465)?.balance, 49_000)
  })

  it("working orders stay in the working set; terminal ones leave it for the day's completed orders", () => {
    const s = applyAll([
      HubEvent.order(F.order({ id: 1, status: 6 })),
      HubEvent.order(F.order({ id: 2, status: 1 })),
      HubEvent.order(F.order({ id: 1, status: 2, fillVolume: 1 })),
      HubEvent.order(F.order({ id: 3, status: 3 }))
    ])
    assert.deepStrictEqual([...HashMap.keys(s.orders)], [2])
    assert.sameMembers([...HashMap.keys(s.completedOrders)], [1, 3])
    assert.strictEqual(get(s.completedOrders, 1)?.status, 2)
  })

  it("a terminal status is final: a late non-terminal update of that order is ignored", () => {
    const filled = applyAll([HubEvent.order(F.order({ id: 1, status: 2 }))])
    const late = Data.apply(filled, HubEvent.order(F.order({ id: 1, status: 1 })))
    assert.strictEqual(late, filled)
    assert.isTrue(HashMap.isEmpty(late.orders))
  })

  it("an update older than the one held (updateTimestamp) is ignored", () => {
    const newer = applyAll([HubEvent.order(F.order({ id: 1, size: 2, updateTimestamp: F.ts(F.T0 + 2000) }))])
    const older = Data.apply(newer, HubEvent.order(F.order({ id: 1, size: 1, updateTimestamp: F.ts(F.T0 + 1000) })))
    assert.strictEqual(get(older.orders, 1)?.size, 2)
  })

  it("positions: one per account and contract; type 0 / size 0 removes it", () => {
    const opened = applyAll([HubEvent.position(F.position()), HubEvent.position(F.position({ size: 3 }))])
    assert.strictEqual(HashMap.size(opened.positions), 1)
    assert.strictEqual(get(opened.positions, AccountState.positionKey(465, C))?.size, 3)
    const closed = Data.apply(opened, HubEvent.position(F.position({ type: 0, size: 0 })))
    assert.isTrue(HashMap.isEmpty(closed.positions))
    assert.strictEqual(Data.apply(closed, HubEvent.position(F.position({ type: 0, size: 0 }))), closed)
  })

  it("a trade is applied exactly once per id", () => {
    const s = applyAll([
      HubEvent.trade(F.trade({ id: 1, price: 1 })),
      HubEvent.trade(F.trade({ id: 1, price: 2 }), true),
      HubEvent.trade(F.trade({ id: 2 }))
    ])
    assert.strictEqual(HashMap.size(s.trades), 2)
    assert.strictEqual(get(s.trades, 1)?.price, 1)
    assert.strictEqual(s.version, 2)
  })

  it("quote deltas merge into the latest quote of the contract", () => {
    const s = applyAll([
      HubEvent.quote(C, { symbol: "F.US.MNQ", lastPrice: 1, bestBid: 0.75 }),
      HubEvent.quote(C, { lastPrice: 2 })
    ])
    assert.deepStrictEqual(get(s.quotes, C), { symbol: "F.US.MNQ", lastPrice: 2, bestBid: 0.75 })
  })

  it("is persistent: an older snapshot does not change when events are applied", () => {
    const before = applyAll([HubEvent.order(F.order({ id: 1 }))])
    const after = Data.apply(before, HubEvent.order(F.order({ id: 2 })))
    assert.strictEqual(HashMap.size(before.orders), 1)
    assert.strictEqual(HashMap.size(after.orders), 2)
    assert.strictEqual(Data.apply(after, HubEvent.logout()), after)
  })

  it("tradesView: each account's trades oldest first (then by id), one array while they do not change, kept right as trades come", () => {
    const at = (id: number, minute: number, accountId = 465) => HubEvent.trade(F.trade({ id, accountId, creationTimestamp: F.ts(F.T0 + minute * 60_000) }))
    const ids = (s: Data.AccountData, accountId = 465) => AccountState.tradesView(s, accountId).map((t) => t.id)
    const first = applyAll([at(3, 2), at(1, 0), at(9, 5, 466)])
    assert.deepStrictEqual(ids(first), [1, 3])
    // nothing about the account's trades changed: the same array
    const quoted = Data.apply(first, HubEvent.order(F.order({ id: 1 })))
    assert.strictEqual(AccountState.tradesView(quoted, 465), AccountState.tradesView(first, 465))
    // a trade of another account: this account's array stays, the other's changes
    const other = Data.apply(quoted, at(10, 6, 466))
    assert.strictEqual(AccountState.tradesView(other, 465), AccountState.tradesView(first, 465))
    assert.deepStrictEqual(ids(other, 466), [9, 10])
    // late and same-time trades go in their place (derived from the index before, which is left as it was)
    const late = applyAll([at(2, 1), at(5, 2), at(4, 2), at(6, 9)], other)
    assert.deepStrictEqual(ids(late), [1, 2, 3, 4, 5, 6])
    assert.deepStrictEqual(ids(other), [1, 3])
    // a trade held already changes nothing
    assert.strictEqual(AccountState.tradesView(Data.apply(late, at(2, 1)), 465), AccountState.tradesView(late, 465))
    // a new day keeps the trades from its start on, in order; an account without trades has an empty view
    const day = Data.startDay(late, F.T0 + 2 * 60_000)
    assert.deepStrictEqual(ids(day), [3, 4, 5, 6])
    assert.deepStrictEqual(ids(Data.resetDay(late)), [])
    assert.deepStrictEqual(ids(day, 999), [])
    // tradesOf is a copy
    const copy = AccountState.tradesOf(day, 465)
    assert.notStrictEqual(copy, AccountState.tradesView(day, 465))
    assert.deepStrictEqual(copy.map((t) => t.id), [3, 4, 5, 6])
  })

  it("resetDay drops today's trades and ended orders, and keeps the rest", () => {
    const s = Data.resetDay(applyAll([
      HubEvent.trade(F.trade({ id: 1 })),
      HubEvent.order(F.order({ id: 1, status: 2 })),
      HubEvent.order(F.order({ id: 2 })),
      HubEvent.position(F.position())
    ]))
    assert.isTrue(HashMap.isEmpty(s.trades) && HashMap.isEmpty(s.completedOrders))
    assert.strictEqual(HashMap.size(s.orders) + HashMap.size(s.positions), 2)
  })
})

describe("AccountState service", () => {
  it.effect("apply updates the snapshot, and changes emits each new one", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      yield* state.apply(HubEvent.order(F.order({ id: 1 })))
      yield* state.applyAll([HubEvent.trade(F.trade({ id: 1 })), HubEvent.trade(F.trade({ id: 2 }))])
      const s = yield* state.get
      assert.strictEqual(s.version, 3)
      assert.deepStrictEqual(AccountState.workingOrders(s, 465).map((o) => o.id), [1])
      assert.deepStrictEqual(AccountState.tradesOf(s, 465).map((t) => t.id), [1, 2])
      const latest = yield* state.snapshot.changes.pipe(Stream.take(1), Stream.runHead)
      assert.strictEqual(Option.getOrThrow(latest), s)
    }))

  it.scoped("follows a hub: live events are applied, reconciled ones are left to the reconciler", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const state = yield* AccountState.make
      yield* state.follow(h.conn)
      yield* h.server.sockets[0].emit("GatewayUserOrder", F.wire(F.order({ id: 1 })))
      yield* h.conn.publish([HubEvent.order(F.order({ id: 2 }), true)])
      yield* flush
      yield* state.settle
      assert.deepStrictEqual([...HashMap.keys((yield* state.get).orders)], [1])
    }))

  it.scoped("a subscriber of the hub's events finds each event already applied to the state", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const state = yield* AccountState.make
      yield* state.follow(h.conn)
      const sub = yield* h.conn.subscribeEvents
      const seen: Array<boolean> = []
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(sub), (e) =>
        Effect.map(state.get, (s) => {
          if (e._tag === "Order") seen.push(HashMap.has(s.orders, e.order.id))
          if (e._tag === "Trade") seen.push(HashMap.has(s.trades, e.trade.id))
        }))))
      for (let i = 1; i <= 20; i++) {
        yield* h.server.sockets[0].emit("GatewayUserOrder", F.wire(F.order({ id: i })))
        yield* h.server.sockets[0].emit("GatewayUserTrade", F.wire(F.trade({ id: i, orderId: i })))
        if (i % 5 === 0) yield* flush
      }
      yield* flush
      assert.strictEqual(seen.length, 40)
      assert.isTrue(seen.every((applied) => applied))
    }))

  it.scoped("an event whose application throws is skipped alone, logged and counted; the hub goes on", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const state = yield* AccountState.make
      yield* state.follow(h.conn)
      const poisoned = { _tag: "Order", order: null, reconciled: false } as unknown as HubEvent.HubEvent
      yield* h.conn.publish([HubEvent.order(F.order({ id: 1 })), poisoned, HubEvent.order(F.order({ id: 2 }))])
      yield* h.server.sockets[0].emit("GatewayUserOrder", F.wire(F.order({ id: 3 })))
      yield* flush
      assert.deepStrictEqual([...HashMap.keys((yield* state.get).orders)].sort(), [1, 2, 3])
      assert.strictEqual((yield* h.conn.health).consumerFailures, 1)
      assert.strictEqual((yield* h.events).length, 4)
    }))

  it.scoped("subscribe: the current snapshot first, then the newest one (conflated), until the scope closes", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      yield* state.apply(HubEvent.order(F.order({ id: 1 })))
      const changes = yield* state.subscribe
      assert.strictEqual((yield* changes.take).version, 1)
      yield* state.apply(HubEvent.order(F.order({ id: 2 })))
      yield* state.apply(HubEvent.order(F.order({ id: 3 })))
      assert.strictEqual((yield* changes.take).version, 3)
      const waiting = yield* Effect.fork(changes.take)
      yield* Effect.yieldNow()
      yield* state.apply(HubEvent.trade(F.trade({ id: 1 })))
      assert.strictEqual((yield* Fiber.join(waiting)).version, 4)
      const stream = yield* Effect.fork(state.snapshot.changes.pipe(Stream.take(2), Stream.runCollect))
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      yield* state.apply(HubEvent.trade(F.trade({ id: 2 })))
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(stream)).map((s) => s.version), [4, 5])
    }))

  it.scoped("settle gives up with a warning when a hub's backlog never drains (its reader is gone)", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      const stuck = { attach: () => Effect.void, backlog: Effect.succeed(3) } as unknown as HubConnection.Service
      yield* state.follow(stuck)
      const logs: Array<string> = []
      yield* state.settle.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
        logs.push(String(message))
      }))))
      assert.isTrue(logs.some((l) => l.includes("3 hub message(s) still unhandled")), logs.join("\n"))
    }))

  it.scoped("watch records the entities live events touched while it is open", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const state = yield* AccountState.make
      yield* state.follow(h.conn)
      const touched = yield* Effect.scoped(Effect.gen(function*() {
        const watch = yield* state.watch
        yield* h.server.sockets[0].emit("GatewayUserOrder", F.wire(F.order({ id: 7 })))
        yield* h.server.sockets[0].emit("GatewayUserPosition", F.wire(F.position()))
        yield* h.server.sockets[0].emit("GatewayUserTrade", F.wire(F.trade({ id: 1 })))
        yield* flush
        yield* state.settle
        return [...watch.touched()]
      }))
      assert.sameMembers(touched, ["o:7", `p:465:${C}`])
    }))

  it.effect("modify applies the returned events atomically with the read", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      yield* state.apply(HubEvent.order(F.order({ id: 1 })))
      const seen = yield* state.modify((s) =>
        [HashMap.size(s.orders), [HubEvent.order(F.order({ id: 1, status: 3 }), true)]] as const
      )
      assert.strictEqual(seen, 1)
      assert.isTrue(HashMap.isEmpty((yield* state.get).orders))
    }))
})
