/**
 * The hubs in-process under TestClock: subscriptions and wrapped events with
 * null fields left out, other users' accounts refused, method errors,
 * subscriptions that vanish with their connection, pings every 15 s, token
 * expiry and logout closing connections, and the market hub's snapshots.
 */
import { assert, describe, it } from "@effect/vitest"
import { HubEvents } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Simulator } from "../src/index.js"
import { connect, drain, hasNoNulls, invocations, userEvents } from "./utils/hub.js"
import { ACCOUNT, client, layer, login, market, MNQ, pin } from "./utils/sim.js"

const U = HubEvents.UserHubEvents
const M = HubEvents.MarketHubEvents
const other = { userName: "other", apiKey: "other-key", accounts: [{ name: "OTHER-1" }] }
const OTHER_ACCOUNT = 100003

describe("user hub", () => {
  it.effect("subscribed events arrive wrapped as {action, data}, null fields left out", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const hub = yield* connect("user", token)
      for (const m of ["SubscribeAccounts", "SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) {
        assert.strictEqual(yield* hub.invoke(m, m === "SubscribeAccounts" ? [] : [ACCOUNT]), null)
      }
      yield* pin(21_000)
      yield* market(token, 0, 1)
      yield* market(token, 1, 1)
      const { messages } = yield* drain(hub)
      const orders = userEvents(messages, U.order)
      assert.deepStrictEqual(orders.map((o) => [o.action, o.data.status]), [[1, 6], [1, 2], [1, 6], [1, 2]])
      assert.isFalse("limitPrice" in orders[0]!.data, "absent optionals are left out, not null")
      assert.isFalse("customTag" in orders[0]!.data)
      assert.deepStrictEqual(
        userEvents(messages, U.position).map((p) => [p.action, p.data.type, p.data.size]),
        [[1, 1, 1], [2, 0, 0]],
        "a closed position is action 2, type 0, size 0"
      )
      const trades = userEvents(messages, U.trade)
      assert.deepStrictEqual(trades.map((t) => t.action), [0, 0], "trades carry action 0")
      assert.isFalse("profitAndLoss" in trades[0]!.data, "an opening fill has no profitAndLoss")
      assert.strictEqual(typeof trades[1]!.data.profitAndLoss, "number")
      assert.deepStrictEqual(userEvents(messages, U.account).map((a) => a.action), [1, 1], "balance moved twice")
      assert.isTrue(invocations(messages).every((m) => hasNoNulls(m.arguments)))
      // Unsubscribing stops the events of that kind only.
      yield* hub.invoke("UnsubscribeOrders", [ACCOUNT])
      yield* market(token, 0, 1)
      const after = (yield* drain(hub)).messages
      assert.strictEqual(userEvents(after, U.order).length, 0)
      assert.strictEqual(userEvents(after, U.trade).length, 1)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("another user's account is refused; unknown methods and bad arguments fail like ASP.NET", () =>
    Effect.gen(function*() {
      const hub = yield* connect("user")
      const refused = yield* Effect.flip(hub.invoke("SubscribeOrders", [OTHER_ACCOUNT]))
      assert.strictEqual(refused.reason, "Forbidden")
      assert.match(refused.wire, /^An unexpected error occurred invoking 'SubscribeOrders' on the server\. HubException:/)
      assert.strictEqual((yield* Effect.flip(hub.invoke("SubscribeTrades", [999_999]))).reason, "Forbidden")
      const unknown = yield* Effect.flip(hub.invoke("SubscribeEverything", []))
      assert.strictEqual(unknown.wire, "Failed to invoke 'SubscribeEverything' due to an error on the server. HubException: Method does not exist.")
      assert.strictEqual((yield* Effect.flip(hub.invoke("SubscribeOrders", ["100001"]))).reason, "BadArguments")
      assert.strictEqual((yield* Effect.flip(hub.invoke("SubscribeOrders", []))).reason, "BadArguments")
      assert.strictEqual(yield* hub.invoke("subscribeorders", [ACCOUNT]), null, "method names are case-insensitive")
      // The other user's events never reach demo, even with SubscribeAccounts.
      yield* hub.invoke("SubscribeAccounts", [])
      const sim = yield* Simulator.Simulator
      yield* sim.exchange.updateAccount(OTHER_ACCOUNT, { balance: 1 })
      yield* sim.exchange.updateAccount(ACCOUNT, { balance: 2 })
      const accounts = userEvents((yield* drain(hub)).messages, U.account)
      assert.deepStrictEqual(accounts.map((a) => a.data.id), [ACCOUNT])
    }).pipe(Effect.scoped, Effect.provide(layer({ users: [other] }))))

  it.effect("subscriptions belong to a connection and vanish with it", () =>
    Effect.gen(function*() {
      const token = yield* login()
      yield* pin(21_000)
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const hub = yield* connect("user", token)
        yield* hub.invoke("SubscribeOrders", [ACCOUNT])
        return hub
      }))
      assert.deepStrictEqual(yield* first.closed, { _tag: "ClientClosed" })
      const second = yield* connect("user", token)
      const sim = yield* Simulator.Simulator
      assert.deepStrictEqual((yield* sim.hubs.connections).map((c) => c.subscriptions.orders), [[]])
      yield* market(token, 0, 1)
      assert.strictEqual(invocations((yield* drain(second)).messages).length, 0, "not subscribed on this connection")
      const old = yield* drain(first)
      assert.isTrue(old.done)
      assert.strictEqual(old.messages.length, 0)
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("pings every 15 s on an idle connection", () =>
    Effect.gen(function*() {
      const hub = yield* connect("market")
      yield* TestClock.adjust("14 seconds")
      assert.strictEqual((yield* drain(hub)).messages.length, 0)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual((yield* drain(hub)).messages, [{ type: 6 }])
      yield* TestClock.adjust("45 seconds")
      assert.deepStrictEqual((yield* drain(hub)).messages, [{ type: 6 }, { type: 6 }, { type: 6 }])
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("a connection whose token expires is closed with an error", () =>
    Effect.gen(function*() {
      const hub = yield* connect("user")
      yield* TestClock.adjust("59 minutes")
      assert.isFalse((yield* drain(hub)).done)
      yield* TestClock.adjust("1 minute")
      const { done, messages } = yield* drain(hub)
      assert.isTrue(done)
      assert.deepStrictEqual(messages.at(-1), { type: 7, error: "Unauthorized: the access token has expired." })
      assert.strictEqual((yield* hub.closed)._tag, "ServerClosed")
      const refused = yield* Effect.flip(connect("user", Redacted.make("nonsense")))
      assert.strictEqual(refused._tag, "Unauthenticated")
    }).pipe(Effect.scoped, Effect.provide(layer({ tokenLifetime: "1 hour", wakeInterval: "10 minutes" }))))

  it.effect("expireTokens closes at once; with closeOnTokenExpiry: false the connection stays", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const token = yield* login()
      const kept = yield* connect("market", token)
      yield* sim.setFaults({ hub: { closeOnTokenExpiry: false } })
      yield* sim.auth.expireTokens("demo")
      assert.isFalse((yield* drain(kept)).done, "kept open")
      const e = yield* Effect.flip(connect("user", token))
      assert.strictEqual(e._tag, "Unauthenticated", "but a new connection needs a valid token")
      yield* sim.setFaults({})
      yield* TestClock.adjust("1 millis")
      assert.isTrue((yield* drain(kept)).done, "closed once the plan closes expired connections")
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("a logout elsewhere sends GatewayLogout then Close; the market hub just closes", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const user = yield* connect("user", token)
      const marketHub = yield* connect("market", token)
      const c = yield* client
      yield* c.authLogout({}, token)
      const u = yield* drain(user)
      assert.isTrue(u.done)
      assert.deepStrictEqual(u.messages.map((m) => m.type), [1, 7])
      assert.deepStrictEqual(invocations(u.messages, U.logout)[0]!.arguments, ["logout"])
      const m = yield* drain(marketHub)
      assert.deepStrictEqual(m.messages.map((x) => x.type), [7])
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("with onMessages the messages are handed over as sent, the Close last; `messages` only ends", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const sim = yield* Simulator.Simulator
      const pushed: Array<Array<number>> = []
      const hub = yield* sim.hubs.connect("user", Redacted.value(token), {
        onMessages: (messages) => void pushed.push(messages.map((m) => m.type))
      })
      assert.strictEqual(yield* hub.invoke("SubscribeAccounts", []), null)
      yield* sim.exchange.updateAccount(ACCOUNT, { balance: 1 })
      yield* TestClock.adjust("15 seconds")
      const c = yield* client
      yield* c.authLogout({}, token)
      const left = yield* drain(hub)
      assert.deepStrictEqual(left, { messages: [], done: true }, "nothing went through `messages`; it ended")
      assert.deepStrictEqual(pushed.flat(), [1, 6, 1, 7], "the account event, a ping, GatewayLogout, then Close")
      assert.deepStrictEqual(pushed.at(-1), [7], "the Close on its own, last")
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("a newer login (singleSessionPerUser) logs the older session's connections out", () =>
    Effect.gen(function*() {
      const user = yield* connect("user")
      yield* login()
      const { done, messages } = yield* drain(user)
      assert.isTrue(done)
      assert.deepStrictEqual(invocations(messages, U.logout)[0]!.arguments, ["replaced"])
      assert.strictEqual((yield* user.closed)._tag, "ServerClosed")
    }).pipe(Effect.scoped, Effect.provide(layer({ singleSessionPerUser: true }))))
})

describe("market hub", () => {
  it.effect("a quote subscriber gets the full quote, then deltas; trades and depth as arrays", () =>
    Effect.gen(function*() {
      const token = yield* login()
      const hub = yield* connect("market", token)
      yield* hub.invoke("SubscribeContractQuotes", [MNQ])
      yield* hub.invoke("SubscribeContractTrades", [MNQ])
      yield* hub.invoke("SubscribeContractMarketDepth", [MNQ])
      const first = (yield* drain(hub)).messages
      const [quote] = invocations(first, M.quote)
      assert.strictEqual(quote!.arguments[0], MNQ)
      assert.hasAllKeys(quote!.arguments[1], [
        "symbol", "contract", "symbolName", "lastPrice", "bestBid", "bestAsk", "change", "changePercent",
        "open", "high", "low", "volume", "lastUpdated", "timestamp"
      ])
      const [depth] = invocations(first, M.depth)
      assert.strictEqual((depth!.arguments[1] as Array<{ type: number }>)[0]!.type, 6, "the book starts with a Reset")
      yield* pin(21_000)
      yield* market(token, 0, 3)
      const later = (yield* drain(hub)).messages
      const delta = invocations(later, M.quote).at(-1)!.arguments[1] as Record<string, unknown>
      assert.isBelow(Object.keys(delta).length, 13, "a delta carries only what changed")
      const prints = invocations(later, M.trade).at(-1)!.arguments
      assert.strictEqual(prints[0], MNQ)
      assert.isTrue(Array.isArray(prints[1]) && (prints[1] as Array<unknown>).length > 0)
      assert.isAtLeast(invocations(later, M.depth).length, 1)
      assert.strictEqual((yield* Effect.flip(hub.invoke("SubscribeContractQuotes", ["CON.F.US.XXX.Z26"]))).reason, "NotFound")
      assert.strictEqual((yield* Effect.flip(hub.invoke("SubscribeOrders", [ACCOUNT]))).reason, "UnknownMethod")
    }).pipe(Effect.scoped, Effect.provide(layer())))

  it.effect("the market ticks while a hub connection is open", () =>
    Effect.gen(function*() {
      const hub = yield* connect("market")
      yield* hub.invoke("SubscribeContractQuotes", [MNQ])
      yield* drain(hub)
      yield* TestClock.adjust("10 seconds")
      assert.isAtLeast(invocations((yield* drain(hub)).messages, M.quote).length, 1)
    }).pipe(Effect.scoped, Effect.provide(layer())))
})
