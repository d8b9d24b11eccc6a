import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { flush, setup, tagsOf } from "./utils/harness.js"

const subs = [["SubscribeAccounts"], ["SubscribeOrders", 465], ["SubscribePositions", 465]] as const
const invoked = (s: { readonly invocations: ReadonlyArray<{ method: string; args: ReadonlyArray<unknown> }> }) =>
  s.invocations.map((i) => [i.method, ...i.args])
const adjust = (ms: number) => TestClock.adjust(ms).pipe(Effect.zipRight(flush))

describe("HubConnection health", () => {
  it.scoped("no message from the server for 120 s: stale, the connection is replaced", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* adjust(119_999)
      assert.strictEqual(h.server.sockets.length, 1)
      assert.isTrue((yield* h.conn.health).healthy)
      yield* adjust(1)
      assert.isTrue(h.server.sockets[0].isClosed())
      assert.strictEqual(h.server.sockets[1].openedAt, 120_000)
      const reconnecting = (yield* h.lifecycle).find((e) => e._tag === "Reconnecting")
      assert.deepStrictEqual(reconnecting?._tag === "Reconnecting" && reconnecting.cause, "stale")
      assert.strictEqual((yield* h.conn.health).staleDetections, 1)
    }))

  it.scoped("any server message (a ping too) restarts the stale timer", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* adjust(100_000)
      yield* h.server.sockets[0].activity
      yield* adjust(119_999)
      assert.strictEqual(h.server.sockets.length, 1)
      assert.strictEqual((yield* h.conn.health).lastMessageAgeMs, 119_999)
      yield* adjust(1)
      assert.strictEqual(h.server.sockets.length, 2)
      assert.strictEqual(h.server.sockets[1].openedAt, 220_000)
    }))

  it.scoped("pings the server every 30 s", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* adjust(95_000)
      assert.deepStrictEqual(h.server.sockets[0].pings, [30_000, 60_000, 90_000])
    }))

  it.scoped("a ping that cannot go out within pingTimeout replaces the connection", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      h.server.pingHangs = true
      yield* adjust(34_999)
      assert.strictEqual(h.server.sockets.length, 1)
      yield* adjust(1)
      assert.strictEqual(h.server.sockets[1].openedAt, 35_000)
      const health = yield* h.conn.health
      assert.strictEqual(health.pingFailures, 1)
      assert.strictEqual(health.reconnects, 1)
    }))

  it.scoped("reports the last-message age and the connect and reconnect counts", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* adjust(10_000)
      let health = yield* h.conn.health
      assert.strictEqual(health.lastMessageAgeMs, 10_000)
      assert.strictEqual(health.connectedSince, 0)
      assert.strictEqual(health.state, "Connected")
      h.server.script.push("refuse")
      yield* h.server.sockets[0].drop()
      yield* adjust(2000)
      health = yield* h.conn.health
      assert.strictEqual(health.connects, 2)
      assert.strictEqual(health.reconnects, 1)
      assert.strictEqual(health.attempts, 3)
      assert.strictEqual(health.failedAttempts, 1)
      assert.strictEqual(health.consecutiveFailures, 0)
      assert.strictEqual(health.lastMessageAgeMs, 0)
    }))
})

describe("HubConnection subscriptions", () => {
  it.scoped("replays the same subscriptions, in order, 1 s after a reconnect", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: subs })
      yield* adjust(5000)
      yield* h.server.sockets[0].drop()
      yield* adjust(999)
      assert.deepStrictEqual(invoked(h.server.sockets[1]), [])
      assert.isFalse((yield* h.state)._tag === "Connected" && (yield* h.state)._tag === "Connected" &&
        ((yield* h.state) as { subscribed: boolean }).subscribed)
      yield* adjust(1)
      assert.deepStrictEqual(invoked(h.server.sockets[1]), subs.map((s) => [...s]))
      assert.isTrue(h.server.sockets[1].invocations.every((i) => i.at === 6000))
      const last = (yield* h.lifecycle).at(-1)
      assert.deepStrictEqual(last, { _tag: "Subscribed", connectionId: 2, afterReconnect: true })
    }))

  it.scoped("subscribe while connected invokes at once; declaring it twice invokes it once", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.conn.subscribe("SubscribeTrades", 465)
      yield* h.conn.subscribe("SubscribeTrades", 465)
      assert.deepStrictEqual(invoked(h.server.sockets[0]), [["SubscribeTrades", 465]])
      assert.deepStrictEqual(yield* h.conn.subscriptions, [{ method: "SubscribeTrades", args: [465] }])
    }))

  it.scoped("a subscription declared while disconnected goes out with the replay", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      h.server.otherwise = "refuse"
      yield* h.server.sockets[0].drop()
      yield* h.conn.subscribe("SubscribeAccounts")
      h.server.otherwise = "accept"
      yield* adjust(3000)
      assert.deepStrictEqual(invoked(h.server.sockets[1]), [["SubscribeAccounts"]])
    }))

  it.scoped("unsubscribe invokes the Unsubscribe twin, and the subscription is not replayed", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: subs })
      yield* h.conn.unsubscribe("SubscribeOrders", 465)
      assert.deepStrictEqual(invoked(h.server.sockets[0]).at(-1), ["UnsubscribeOrders", 465])
      yield* h.server.sockets[0].drop()
      yield* adjust(1000)
      assert.deepStrictEqual(invoked(h.server.sockets[1]), [["SubscribeAccounts"], ["SubscribePositions", 465]])
    }))

  it.scoped("with autoResubscribe off nothing is replayed after a reconnect", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: subs, config: { signalr: { subscriptions: { autoResubscribe: false } } } })
      assert.strictEqual(h.server.sockets[0].invocations.length, 3)
      yield* h.server.sockets[0].drop()
      yield* adjust(5000)
      assert.deepStrictEqual(invoked(h.server.sockets[1]), [])
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle).slice(2), ["Reconnecting", "Reconnected", "Subscribed"])
    }))

  it.scoped("a subscription refused during replay is retried with backoff and the hub reports degraded until it succeeds", () =>
    Effect.gen(function*() {
      // Broke: the refusal was counted and logged, Subscribed went out, the subscription was never
      // invoked again while the connection lived and health stayed healthy: no order events, silently.
      const h = yield* setup({ subscriptions: subs, before: (server) => server.failingMethods.add("SubscribeOrders") })
      const orders = { method: "SubscribeOrders", args: [465] }
      let health = yield* h.conn.health
      assert.isFalse(health.healthy)
      assert.deepStrictEqual(health.failingSubscriptions, [orders])
      assert.strictEqual(health.subscriptionFailures, 1)
      assert.include(health.lastError, "SubscribeOrders(465)")
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle), ["Connected", "Subscribed"])
      const ordersAt = () => h.server.sockets[0].invocations.filter((i) => i.method === "SubscribeOrders").map((i) => i.at)
      // the reconnection delays: 2 s after the first refusal, 10 s after the second
      yield* adjust(2000)
      assert.deepStrictEqual(ordersAt(), [0, 2000])
      assert.strictEqual((yield* h.conn.health).subscriptionFailures, 2)
      h.server.failingMethods.delete("SubscribeOrders")
      yield* adjust(9999)
      assert.deepStrictEqual(ordersAt(), [0, 2000])
      assert.isFalse((yield* h.conn.health).healthy)
      yield* adjust(1)
      assert.deepStrictEqual(ordersAt(), [0, 2000, 12_000])
      health = yield* h.conn.health
      assert.isTrue(health.healthy)
      assert.deepStrictEqual(health.failingSubscriptions, [])
      assert.strictEqual(health.subscriptionFailures, 2, "a cumulative count")
      assert.deepStrictEqual((yield* h.lifecycle).at(-1), { _tag: "SubscriptionActive", connectionId: 1, subscription: orders })
      yield* adjust(100_000)
      assert.deepStrictEqual(ordersAt(), [0, 2000, 12_000])
      assert.strictEqual(h.server.sockets.length, 1, "the connection went on")
    }))

  it.scoped("a subscribe refused on the live connection fails, and is retried until it is active", () =>
    Effect.gen(function*() {
      const h = yield* setup({ before: (server) => server.failingMethods.add("SubscribeTrades") })
      const error = yield* Effect.flip(h.conn.subscribe("SubscribeTrades", 465))
      assert.strictEqual(error.reason, "Failed")
      assert.deepStrictEqual((yield* h.conn.health).failingSubscriptions, [{ method: "SubscribeTrades", args: [465] }])
      h.server.failingMethods.clear()
      yield* adjust(2000)
      assert.isTrue((yield* h.conn.health).healthy)
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle), ["Connected", "Subscribed", "SubscriptionActive"])
    }))

  it.scoped("a failing subscription that is unsubscribed is not retried; a reconnect starts afresh", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: subs, before: (server) => server.failingMethods.add("SubscribeOrders") })
      yield* h.conn.unsubscribe("SubscribeOrders", 465)
      assert.isTrue((yield* h.conn.health).healthy)
      yield* adjust(60_000)
      assert.deepStrictEqual(invoked(h.server.sockets[0]).filter(([m]) => m === "SubscribeOrders" || m === "UnsubscribeOrders"), [
        ["SubscribeOrders", 465]
      ])
      yield* Effect.flip(h.conn.subscribe("SubscribeOrders", 465))
      assert.isFalse((yield* h.conn.health).healthy)
      h.server.failingMethods.clear()
      yield* h.server.sockets[0].drop()
      yield* flush
      assert.deepStrictEqual((yield* h.conn.health).failingSubscriptions, [])
      yield* adjust(1000)
      assert.includeDeepMembers(invoked(h.server.sockets[1]), [["SubscribeOrders", 465]])
      assert.isTrue((yield* h.conn.health).healthy)
      yield* adjust(60_000)
      assert.strictEqual(invoked(h.server.sockets[1]).length, 3, "the old connection's retry died with it")
    }))

  it.scoped("a subscription declared while subscribed reports SubscriptionActive; one replayed does not", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: [["SubscribeAccounts"]] })
      yield* h.conn.subscribe("SubscribeOrders", 465)
      yield* flush
      assert.deepStrictEqual((yield* h.lifecycle).slice(1), [
        { _tag: "Subscribed", connectionId: 1, afterReconnect: false },
        { _tag: "SubscriptionActive", connectionId: 1, subscription: { method: "SubscribeOrders", args: [465] } }
      ])
      yield* h.server.sockets[0].drop()
      yield* adjust(1000)
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle).slice(3), ["Reconnecting", "Reconnected", "Subscribed"])
    }))
})
