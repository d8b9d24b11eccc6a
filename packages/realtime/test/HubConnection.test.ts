import { HubEvents } from "@tradeguard/gateway"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { flush, setup, tagsOf } from "./utils/harness.js"

const subs = [["SubscribeAccounts"], ["SubscribeOrders", 465], ["SubscribePositions", 465]] as const
const invoked = (s: { readonly invocations: ReadonlyArray<{ method: string; args: ReadonlyArray<unknown> }> }) =>
  s.invocations.map((i) => [i.method, ...i.args])
const adjust = (ms: number) => TestClock.adjust(ms).pipe(Effect.zipRight(flush))

describe("HubConnection lifecycle", () => {
  it.scoped("connects with a token from TokenManager and reports Connected, then Subscribed", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: subs })
      assert.deepStrictEqual(yield* h.state, { _tag: "Connected", connectionId: 1, subscribed: true, afterReconnect: false })
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle), ["Connected", "Subscribed"])
      assert.strictEqual(h.tokens.calls.get, 1)
      const socket = h.server.sockets[0]
      assert.strictEqual(socket.token, "token-1")
      assert.strictEqual(socket.url, "https://hub.test/hubs/user")
      assert.includeMembers([...socket.targets], Object.values(HubEvents.UserHubEvents))
      assert.deepStrictEqual(invoked(socket), subs.map((s) => [...s]))
    }))

  it.scoped("a dropped connection reconnects at once: Reconnecting, then Reconnected", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.server.sockets[0].drop("connection reset")
      yield* flush
      const events = yield* h.lifecycle
      assert.deepStrictEqual(tagsOf(events), ["Connected", "Subscribed", "Reconnecting", "Reconnected"])
      assert.deepStrictEqual(events[2], { _tag: "Reconnecting", reason: "dropped: connection reset", cause: "closed" })
      assert.deepStrictEqual(events[3], { _tag: "Reconnected", connectionId: 2, attempts: 1 })
      assert.strictEqual(h.server.attempts[1].at, 0)
    }))

  it.scoped("a Close from the server reconnects, with its error as the reason", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.server.sockets[0].serverClose("Server is shutting down")
      yield* flush
      const events = yield* h.lifecycle
      assert.deepStrictEqual(events[2], {
        _tag: "Reconnecting",
        reason: "closed by server: Server is shutting down",
        cause: "closed"
      })
      assert.strictEqual((yield* h.state)._tag, "Connected")
    }))

  it.scoped("lifecycle events come in order over a whole life", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.server.sockets[0].drop()
      yield* adjust(1000)
      yield* h.conn.stop
      yield* flush
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle), [
        "Connected",
        "Subscribed",
        "Reconnecting",
        "Reconnected",
        "Subscribed",
        "Closed"
      ])
    }))

  it.scoped("stop closes the connection for good: no attempt follows", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.conn.stop
      assert.deepStrictEqual(yield* h.state, { _tag: "Closed", reason: "stopped" })
      assert.isTrue(h.server.sockets[0].isClosed())
      yield* adjust(600_000)
      assert.strictEqual(h.server.attempts.length, 1)
    }))

  it.scoped("stop while reconnecting cancels the pending attempt", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      h.server.otherwise = "refuse"
      yield* h.server.sockets[0].drop()
      yield* adjust(1000)
      assert.strictEqual((yield* h.state)._tag, "Reconnecting")
      yield* h.conn.stop
      yield* adjust(600_000)
      assert.strictEqual(h.server.attempts.length, 2)
      assert.strictEqual((yield* h.state)._tag, "Closed")
    }))

  it.scoped("closing the scope closes the socket and does not reconnect (regression: it reconnected on shutdown)", () =>
    Effect.gen(function*() {
      const h = yield* Effect.scoped(setup())
      assert.isTrue(h.server.sockets[0].isClosed())
      yield* adjust(600_000)
      assert.strictEqual(h.server.attempts.length, 1)
      assert.strictEqual(h.server.sockets.length, 1)
    }))

  it.scoped("invoke fails with Closed when there is no live connection", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      assert.strictEqual(yield* h.conn.invoke("Echo", 1), null)
      yield* h.conn.stop
      const e = yield* Effect.flip(h.conn.invoke("Echo", 1))
      assert.strictEqual(e.reason, "Closed")
    }))
})

describe("HubConnection backoff", () => {
  it.scoped("reconnect delays are exactly 0, 2, 10, 30, 60 s, then 60 s", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      h.server.otherwise = "refuse"
      yield* h.server.sockets[0].drop()
      yield* flush
      yield* adjust(230_000)
      assert.deepStrictEqual(h.server.attempts.slice(1).map((a) => a.at), [0, 2000, 12000, 42000, 102000, 162000, 222000])
      const s = yield* h.state
      assert.isTrue(s._tag === "Reconnecting" && s.failures === 7 && s.attempt === 8)
    }))

  it.scoped("no delay is longer than maxDelayMs", () =>
    Effect.gen(function*() {
      const h = yield* setup({ config: { signalr: { reconnection: { delays: [0, 5000, 100000], maxDelayMs: 20000 } } } })
      h.server.otherwise = "refuse"
      yield* h.server.sockets[0].drop()
      yield* adjust(70_000)
      assert.deepStrictEqual(h.server.attempts.slice(1).map((a) => a.at), [0, 5000, 25000, 45000, 65000])
    }))

  it.scoped("after 10 failures in a row it escalates: fresh login, unhealthy, and keeps trying every 60 s", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      h.server.otherwise = "refuse"
      yield* h.server.sockets[0].drop()
      yield* adjust(401_000)
      assert.strictEqual(h.server.attempts.length - 1, 9)
      assert.strictEqual((yield* h.conn.health).escalations, 0)
      yield* adjust(1000) // the 10th failure, at 402 s
      const health = yield* h.conn.health
      assert.strictEqual(health.escalations, 1)
      assert.isTrue(health.escalated)
      assert.isFalse(health.healthy)
      yield* adjust(60_000) // the 11th attempt logs in afresh
      assert.strictEqual(h.tokens.calls.forceLogin, 1)
      assert.strictEqual(h.server.attempts[11].token, "token-2")
      yield* adjust(120_000)
      assert.deepStrictEqual(h.server.attempts.slice(10).map((a) => a.at), [402_000, 462_000, 522_000, 582_000])
      assert.strictEqual(h.tokens.calls.forceLogin, 1)
      h.server.otherwise = "accept"
      yield* adjust(60_000)
      const after = yield* h.conn.health
      assert.isTrue(after.healthy)
      assert.isFalse(after.escalated)
      assert.strictEqual(after.reconnects, 1)
    }))

  it.scoped("the first connect retries with the same backoff and never gives up", () =>
    Effect.gen(function*() {
      const h = yield* setup({ before: (server) => server.script.push("refuse", "refuse", "refuse") })
      const s = yield* h.state
      assert.isTrue(s._tag === "Connecting" && s.failures === 1 && s.lastError !== undefined)
      yield* adjust(42_000)
      assert.deepStrictEqual(h.server.attempts.map((a) => a.at), [0, 2000, 12000, 42000])
      assert.deepStrictEqual(tagsOf(yield* h.lifecycle), ["Connected", "Subscribed"])
    }))

  it.scoped("a connect that hangs fails after connectTimeout and the next attempt follows the backoff", () =>
    Effect.gen(function*() {
      const h = yield* setup({ before: (server) => server.script.push("hang") })
      yield* adjust(30_000)
      assert.strictEqual((yield* h.state)._tag, "Connecting")
      assert.include((yield* h.conn.health).lastError ?? "", "Timeout")
      yield* adjust(2000)
      assert.deepStrictEqual(h.server.attempts.map((a) => a.at), [0, 32_000])
      assert.strictEqual((yield* h.state)._tag, "Connected")
    }))
})

describe("HubConnection tokens", () => {
  it.scoped("asks for a token on every connect; a rotated token is used by the next reconnect, without a drop", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.tokens.rotate("token-rotated")
      yield* adjust(1000)
      assert.strictEqual(h.server.attempts.length, 1)
      assert.strictEqual((yield* h.conn.health).tokenChanges, 1)
      yield* h.server.sockets[0].drop()
      yield* flush
      assert.strictEqual(h.tokens.calls.get, 2)
      assert.strictEqual(h.server.sockets[1].token, "token-rotated")
    }))

  it.scoped("a 401 at connect invalidates the token, so the next attempt gets a fresh one", () =>
    Effect.gen(function*() {
      const h = yield* setup({ before: (server) => server.script.push("unauthorized") })
      assert.deepStrictEqual(h.tokens.calls.invalidate, ["token-1"])
      yield* adjust(2000)
      assert.strictEqual((yield* h.state)._tag, "Connected")
    }))

  it.scoped("a failed token fetch is a failed attempt, retried with backoff", () =>
    Effect.gen(function*() {
      const h = yield* setup({ before: (_, tokens) => (tokens.failing = true) })
      assert.strictEqual(h.server.attempts.length, 0)
      assert.include((yield* h.conn.health).lastError ?? "", "login refused")
      h.tokens.failing = false
      yield* adjust(2000)
      assert.strictEqual((yield* h.state)._tag, "Connected")
    }))

  it.scoped("GatewayLogout: publishes Logout, drops the token and reconnects at once with a new one", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.server.sockets[0].emit("GatewayLogout", "logged in elsewhere")
      yield* flush
      assert.deepStrictEqual(tagsOf(yield* h.events), ["Logout"])
      assert.deepStrictEqual(h.tokens.calls.invalidate, ["token-1"])
      assert.strictEqual(h.tokens.calls.forceLogin, 0)
      assert.deepStrictEqual(h.server.attempts.map((a) => [a.token, a.at]), [["token-1", 0], ["token-2", 0]])
      assert.strictEqual(h.server.sockets[1].token, "token-2")
      assert.strictEqual((yield* h.conn.health).tokenRefusals, 1)
      assert.isTrue(h.server.sockets[0].isClosed())
      const reconnecting = (yield* h.lifecycle).find((e) => e._tag === "Reconnecting")
      assert.deepStrictEqual(reconnecting, { _tag: "Reconnecting", reason: "GatewayLogout", cause: "logout" })
      assert.strictEqual((yield* h.conn.health).logouts, 1)
    }))

  it.scoped("a Close refusing the token (Unauthorized): the first reconnect already carries a fresh token", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.server.sockets[0].serverClose("Unauthorized: the access token has expired.")
      yield* flush
      assert.deepStrictEqual(h.tokens.calls.invalidate, ["token-1"])
      assert.deepStrictEqual(h.server.attempts.map((a) => [a.token, a.accepted]), [["token-1", true], ["token-2", true]])
      assert.strictEqual((yield* h.state)._tag, "Connected")
      assert.strictEqual((yield* h.conn.health).failedAttempts, 0)
    }))

  it.scoped("a Close for another reason reconnects with the same token", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.server.sockets[0].serverClose("Server is shutting down")
      yield* flush
      assert.deepStrictEqual(h.tokens.calls.invalidate, [])
      assert.strictEqual(h.server.sockets[1].token, "token-1")
      assert.strictEqual((yield* h.conn.health).tokenRefusals, 0)
    }))
})
