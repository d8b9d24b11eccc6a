import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Scope from "effect/Scope"
import { HubEvent } from "../src/index.js"
import * as F from "./utils/fixtures.js"
import { flush, setup, tagsOf } from "./utils/harness.js"

const C = "CON.F.US.MNQ.U26"

describe("HubConnection events", () => {
  it.scoped("decodes user events, wrapped as {action, data} and bare, as live events", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const s = h.server.sockets[0]
      yield* s.emit("GatewayUserOrder", { action: 1, data: F.wire(F.order({ id: 3408995735 })) })
      yield* s.emit("GatewayUserAccount", F.wire(F.account()))
      yield* s.emit("GatewayUserPosition", { action: 2, data: F.wire(F.position({ type: 0, size: 0 })) })
      yield* s.emit("GatewayUserTrade", { action: 0, data: F.wire(F.trade({ id: 9, commissions: 0.5 })) })
      yield* flush
      const events = yield* h.events
      assert.deepStrictEqual(tagsOf(events), ["Order", "Account", "Position", "Trade"])
      assert.isTrue(events.every((e) => !e.reconciled))
      const [order, account, position, trade] = events as [HubEvent.Order, HubEvent.Account, HubEvent.Position, HubEvent.Trade]
      assert.strictEqual(order.order.id, 3408995735)
      assert.strictEqual(order.action, 1)
      assert.strictEqual(account.action, undefined)
      assert.strictEqual(account.account.balance, 50_000)
      assert.strictEqual(position.position.size, 0)
      assert.strictEqual(position.action, 2)
      assert.strictEqual(trade.trade.commissions, 0.5)
      assert.strictEqual((yield* h.conn.health).eventsReceived, 4)
    }))

  it.scoped("decodes market events: quote deltas, trade and depth arrays", () =>
    Effect.gen(function*() {
      const h = yield* setup({ hub: "market" })
      const s = h.server.sockets[0]
      assert.includeMembers([...s.targets], ["GatewayQuote", "GatewayTrade", "GatewayDepth"])
      yield* s.emit("GatewayQuote", C, { lastPrice: 21_500.25, bestBid: 21_500 })
      yield* s.emit("GatewayTrade", C, [{ price: 21_500.25, timestamp: F.ts(F.T0), type: 0, volume: 2 }])
      yield* s.emit("GatewayDepth", C, [{ timestamp: F.ts(F.T0), type: 6, price: 0, volume: 0, currentVolume: 0 }])
      yield* flush
      const events = yield* h.events
      assert.deepStrictEqual(events[0], HubEvent.quote(C, { lastPrice: 21_500.25, bestBid: 21_500 }))
      assert.strictEqual((events[1] as HubEvent.MarketTrades).trades[0].volume, 2)
      assert.strictEqual((events[2] as HubEvent.Depth).entries[0].type, 6)
    }))

  it.scoped("an undecodable payload is logged and counted, never fatal", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const s = h.server.sockets[0]
      yield* s.emit("GatewayUserOrder", { action: 1, data: { id: "not a number" } })
      yield* s.emit("GatewayQuote", 42, {})
      yield* s.emit("GatewayUserOrder")
      yield* s.emit("GatewayUserOrder", F.wire(F.order({ id: 1 })))
      yield* flush
      assert.deepStrictEqual(tagsOf(yield* h.events), ["Order"])
      const health = yield* h.conn.health
      assert.strictEqual(health.decodeFailures, 2)
      assert.strictEqual(health.unknownTargets, 1) // GatewayQuote is not a user hub method
      assert.isTrue(health.healthy)
      assert.strictEqual(h.server.sockets.length, 1)
    }))

  it.scoped("a trade id is delivered once, whether it comes live twice or is published after", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const s = h.server.sockets[0]
      yield* s.emit("GatewayUserTrade", F.wire(F.trade({ id: 5 })))
      yield* s.emit("GatewayUserTrade", F.wire(F.trade({ id: 5 })))
      yield* flush
      assert.strictEqual(yield* h.conn.publish([HubEvent.trade(F.trade({ id: 5 }), true)]), 0)
      assert.strictEqual(yield* h.conn.publish([HubEvent.trade(F.trade({ id: 6 }), true)]), 1)
      yield* s.emit("GatewayUserTrade", F.wire(F.trade({ id: 6 })))
      yield* flush
      const events = yield* h.events
      assert.deepStrictEqual(events.map((e) => e._tag === "Trade" && [e.trade.id, e.reconciled]), [[5, false], [6, true]])
      assert.strictEqual((yield* h.conn.health).duplicateTrades, 3)
    }))

  it.scoped("events queued in the socket when it drops are still delivered", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const s = h.server.sockets[0]
      yield* s.emit("GatewayUserOrder", F.wire(F.order({ id: 1 })))
      yield* s.emit("GatewayUserOrder", F.wire(F.order({ id: 2 })))
      yield* s.drop()
      yield* flush
      assert.deepStrictEqual(tagsOf(yield* h.events), ["Order", "Order"])
      assert.strictEqual(h.server.sockets.length, 2)
    }))

  it.scoped("attach: a consumer sees every batch (live and published) before subscribers, until its scope closes", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      const s = h.server.sockets[0]
      const consumed: Array<number> = []
      const consumer = (events: ReadonlyArray<HubEvent.HubEvent>) => {
        for (const e of events) if (e._tag === "Order") consumed.push(e.order.id)
      }
      const scope = yield* Scope.make()
      yield* h.conn.attach(consumer).pipe(Scope.extend(scope))
      yield* s.emit("GatewayUserOrder", F.wire(F.order({ id: 1 })))
      yield* flush
      yield* h.conn.publish([HubEvent.order(F.order({ id: 2 }), true)])
      assert.deepStrictEqual(consumed, [1, 2])
      yield* Scope.close(scope, Exit.void)
      yield* s.emit("GatewayUserOrder", F.wire(F.order({ id: 3 })))
      yield* flush
      assert.deepStrictEqual(consumed, [1, 2])
      assert.deepStrictEqual(tagsOf(yield* h.events), ["Order", "Order", "Order"])
    }))

  it.scoped("attach: a consumer that throws is counted and logged; the others and the subscribers still get the batch", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const h = yield* setup().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
        logs.push(String(message))
      }))))
      const s = h.server.sockets[0]
      const seen: Array<number> = []
      yield* h.conn.attach(() => {
        throw new Error("boom")
      })
      yield* h.conn.attach((events) => seen.push(events.length))
      yield* s.emit("GatewayUserOrder", F.wire(F.order({ id: 1 })))
      yield* flush
      assert.isTrue(logs.some((l) => l.includes("an attached event consumer failed")), logs.join("\n"))
      assert.deepStrictEqual(seen, [1])
      assert.strictEqual((yield* h.conn.health).consumerFailures, 1)
      assert.strictEqual((yield* h.events).length, 1)
      assert.strictEqual((yield* h.conn.health).state, "Connected")
    }))

  it.scoped("a reader that dies on a bug replaces the connection instead of going deaf", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      // A payload whose inspection throws: the decoder does not expect that, the reader dies.
      const poison = new Proxy({}, {
        has: () => {
          throw new Error("poisoned payload")
        }
      })
      yield* h.server.sockets[0].emit("GatewayUserOrder", poison)
      yield* flush
      yield* flush
      assert.strictEqual(h.server.sockets.length, 2)
      assert.includeMembers(tagsOf(yield* h.lifecycle), ["Reconnecting", "Reconnected"])
      yield* h.server.sockets[1].emit("GatewayUserOrder", F.wire(F.order({ id: 2 })))
      yield* flush
      assert.deepStrictEqual((yield* h.events).map((e) => e._tag === "Order" && e.order.id), [2])
    }))
})
