import { assert, describe, it } from "@effect/vitest"
import * as M from "../src/internal/connectionMachine.js"

const config: M.MachineConfig = {
  delays: [0, 2000, 10000, 30000, 60000],
  maxDelayMs: 60000,
  maxAttempts: 10,
  autoResubscribe: true,
  resubscribeDelay: 1000
}

/** Runs events from `from`, returning the final machine and every command in order. */
const run = (events: ReadonlyArray<M.Event>, from: M.Machine = M.initial, cfg = config) => {
  let m = from
  const commands: Array<M.Command> = []
  for (const e of events) {
    const [next, cs] = M.transition(cfg, m, e)
    m = next
    commands.push(...cs)
  }
  return { m, commands }
}
const tags = (cs: ReadonlyArray<M.Command>) => cs.map((c) => (c._tag === "Emit" ? `Emit:${c.event._tag}` : c._tag))
const connected = run([{ _tag: "Start" }, { _tag: "ConnectSucceeded", id: 1 }]).m

describe("connection state machine", () => {
  it("Disconnected --Start--> Connecting, connecting at once", () => {
    const [m, cs] = M.transition(config, M.initial, { _tag: "Start" })
    assert.strictEqual(m.state._tag, "Connecting")
    assert.deepStrictEqual(cs, [{ _tag: "Connect", id: 1, delayMs: 0, forceLogin: false }])
  })

  it("Connecting --ok--> Connected: activate, emit Connected, replay subscriptions at once", () => {
    const { commands, m } = run([{ _tag: "Start" }, { _tag: "ConnectSucceeded", id: 1 }])
    assert.deepStrictEqual(m.state, { _tag: "Connected", connectionId: 1, subscribed: false, afterReconnect: false })
    assert.deepStrictEqual(tags(commands), ["Connect", "Activate", "Emit:Connected", "Replay"])
    assert.deepStrictEqual(commands[3], { _tag: "Replay", connectionId: 1, delayMs: 0 })
  })

  it("Connected --Subscribed--> subscribed, emitting Subscribed once", () => {
    const { commands, m } = run([{ _tag: "Subscribed", connectionId: 1 }, { _tag: "Subscribed", connectionId: 1 }], connected)
    assert.isTrue(m.state._tag === "Connected" && m.state.subscribed)
    assert.deepStrictEqual(tags(commands), ["Emit:Subscribed"])
  })

  it("SubscriptionActive is emitted on the live connection only", () => {
    const subscription = { method: "SubscribeOrders", args: [465] }
    const { commands, m } = run([
      { _tag: "SubscriptionActive", connectionId: 1, subscription },
      { _tag: "SubscriptionActive", connectionId: 7, subscription }
    ], connected)
    assert.strictEqual(m, connected)
    assert.deepStrictEqual(commands, [{ _tag: "Emit", event: { _tag: "SubscriptionActive", connectionId: 1, subscription } }])
    assert.deepStrictEqual(run([{ _tag: "SubscriptionActive", connectionId: 1, subscription }]).commands, [])
  })

  it("Connected --lost--> Reconnecting: close the socket, emit Reconnecting, connect at once", () => {
    const { commands, m } = run([{ _tag: "Lost", connectionId: 1, cause: "closed", reason: "dropped" }], connected)
    assert.strictEqual(m.state._tag, "Reconnecting")
    assert.deepStrictEqual(tags(commands), ["CloseSocket", "Emit:Reconnecting", "Connect"])
    assert.deepStrictEqual(commands[2], { _tag: "Connect", id: 2, delayMs: 0, forceLogin: false })
  })

  it("Reconnecting --ok--> Connected: emit Reconnected, replay after resubscribeDelay", () => {
    const { commands, m } = run([
      { _tag: "Lost", connectionId: 1, cause: "stale", reason: "stale" },
      { _tag: "ConnectFailed", id: 2, error: "refused" },
      { _tag: "ConnectSucceeded", id: 3 }
    ], connected)
    assert.deepStrictEqual(m.state, { _tag: "Connected", connectionId: 3, subscribed: false, afterReconnect: true })
    const emitted = commands.filter((c) => c._tag === "Emit").map((c) => (c as { event: M.LifecycleEvent }).event)
    assert.deepStrictEqual(emitted[1], { _tag: "Reconnected", connectionId: 3, attempts: 2 })
    assert.deepStrictEqual(commands[commands.length - 1], { _tag: "Replay", connectionId: 3, delayMs: 1000 })
  })

  it("without autoResubscribe a reconnect is subscribed at once, with nothing replayed", () => {
    const cfg = { ...config, autoResubscribe: false }
    const { commands, m } = run([
      { _tag: "Lost", connectionId: 1, cause: "closed", reason: "x" },
      { _tag: "ConnectSucceeded", id: 2 }
    ], connected, cfg)
    assert.isTrue(m.state._tag === "Connected" && m.state.subscribed)
    assert.notInclude(tags(commands), "Replay")
    assert.include(tags(commands), "Emit:Subscribed")
  })

  it("failures back off 0, 2, 10, 30, 60 s, then 60 s", () => {
    const events: Array<M.Event> = [{ _tag: "Lost", connectionId: 1, cause: "closed", reason: "x" }]
    for (let id = 2; id < 10; id++) events.push({ _tag: "ConnectFailed", id, error: "refused" })
    const delays = run(events, connected).commands.flatMap((c) => (c._tag === "Connect" ? [c.delayMs] : []))
    assert.deepStrictEqual(delays, [0, 2000, 10000, 30000, 60000, 60000, 60000, 60000, 60000])
  })

  it("escalates exactly once at maxAttempts failures, with a fresh login, then keeps going every maxDelayMs", () => {
    const events: Array<M.Event> = [{ _tag: "Lost", connectionId: 1, cause: "closed", reason: "x" }]
    for (let id = 2; id < 15; id++) events.push({ _tag: "ConnectFailed", id, error: "refused" })
    const { commands, m } = run(events, connected)
    assert.strictEqual(commands.filter((c) => c._tag === "Escalate").length, 1)
    const connects = commands.filter((c): c is Extract<M.Command, { _tag: "Connect" }> => c._tag === "Connect")
    assert.deepStrictEqual(connects.map((c) => c.forceLogin).indexOf(true), 10)
    assert.strictEqual(connects.filter((c) => c.forceLogin).length, 1)
    assert.isTrue(connects.slice(10).every((c) => c.delayMs === 60000))
    assert.isTrue(m.state._tag === "Reconnecting" && m.state.escalated && m.state.failures === 13)
  })

  it("a logout invalidates the connection's token before closing it, and reconnects at once with a fresh one", () => {
    const { commands } = run([{ _tag: "Lost", connectionId: 1, cause: "logout", reason: "GatewayLogout" }], connected)
    assert.deepStrictEqual(commands[0], { _tag: "InvalidateToken", connectionId: 1, scope: "session" })
    assert.deepStrictEqual(commands[1], { _tag: "CloseSocket", connectionId: 1 })
    assert.deepStrictEqual(commands[3], { _tag: "Connect", id: 2, delayMs: 0, forceLogin: false })
  })

  it("a close refusing the token invalidates it too; any other close keeps it", () => {
    const refused = run(
      [{ _tag: "Lost", connectionId: 1, cause: "closed", reason: "closed by server: Unauthorized", refused: "token" }],
      connected
    )
    assert.deepStrictEqual(refused.commands.map((c) => c._tag), ["InvalidateToken", "CloseSocket", "Emit", "Connect"])
    assert.deepStrictEqual(refused.commands[0], { _tag: "InvalidateToken", connectionId: 1, scope: "token" })
    const dropped = run([{ _tag: "Lost", connectionId: 1, cause: "closed", reason: "dropped" }], connected)
    assert.deepStrictEqual(dropped.commands.map((c) => c._tag), ["CloseSocket", "Emit", "Connect"])
  })

  it("ignores results of attempts it no longer waits for, and losses of old connections", () => {
    const lost = run([{ _tag: "Lost", connectionId: 7, cause: "closed", reason: "old" }], connected)
    assert.strictEqual(lost.m, connected)
    const late = run([{ _tag: "ConnectSucceeded", id: 1 }], connected)
    assert.deepStrictEqual(late.commands, [{ _tag: "Discard", id: 1 }])
    const failed = run([{ _tag: "ConnectFailed", id: 1, error: "x" }], connected)
    assert.deepStrictEqual(failed.commands, [])
  })

  it("Stop closes from every state, cancelling a pending attempt, and Closed is terminal", () => {
    const fromConnected = run([{ _tag: "Stop", reason: "bye" }], connected)
    assert.deepStrictEqual(tags(fromConnected.commands), ["CloseSocket", "Emit:Closed"])
    const fromConnecting = run([{ _tag: "Start" }, { _tag: "Stop", reason: "bye" }])
    assert.deepStrictEqual(tags(fromConnecting.commands), ["Connect", "CancelConnect", "Emit:Closed"])
    const fromIdle = run([{ _tag: "Stop", reason: "bye" }])
    assert.deepStrictEqual(fromIdle.m.state, { _tag: "Closed", reason: "bye" })
    const after = run([{ _tag: "Start" }, { _tag: "ConnectSucceeded", id: 1 }, { _tag: "Stop", reason: "x" }], fromIdle.m)
    assert.deepStrictEqual(after.commands, [{ _tag: "Discard", id: 1 }])
    assert.strictEqual(after.m.state._tag, "Closed")
  })

  it("delayFor caps every delay at maxDelayMs and repeats the last one", () => {
    const cfg = { ...config, delays: [0, 5000, 100000], maxDelayMs: 20000, maxAttempts: 100 }
    assert.deepStrictEqual([0, 1, 2, 3, 50].map((f) => M.delayFor(cfg, f)), [0, 5000, 20000, 20000, 20000])
  })
})
