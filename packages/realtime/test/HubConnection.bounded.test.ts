import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { Config, HubConnection, HubEvent } from "../src/index.js"
import { makeFakeHub } from "./utils/FakeTransport.js"
import { makeFakeTokens } from "./utils/FakeTokens.js"
import { flush } from "./utils/harness.js"

const C = "CON.F.US.MNQ.U26"

/** A connected hub connection over the fake transport with `subscriberBuffer`. */
const connect = (hub: HubConnection.Hub, subscriberBuffer?: number) =>
  Effect.gen(function*() {
    const server = yield* makeFakeHub
    const tokens = yield* makeFakeTokens
    const conn = yield* HubConnection.make({
      hub,
      url: `https://hub.test/hubs/${hub}`,
      autoStart: false,
      ...(subscriberBuffer === undefined ? {} : { subscriberBuffer })
    }).pipe(Effect.provide(Layer.mergeAll(server.layer, tokens.layer, Config.RealtimeConfig.layer({}))))
    return { server, conn }
  })

const dropped = (hub: string, stream: string) =>
  Effect.map(
    Metric.value(HubConnection.droppedEventsTotal.pipe(Metric.tagged("hub", hub), Metric.tagged("stream", stream))),
    (s) => s.count
  )

describe("HubConnection bounded subscribers", () => {
  it.scoped(
    "a subscriber that never pulls while 1,000,000 events pass holds at most the bound; the drops are counted (regression: unbounded)",
    () =>
      Effect.gen(function*() {
        const { conn } = yield* connect("market")
        const metricBefore = yield* dropped("market", "events")
        let attached = 0
        yield* conn.attach((batch) => {
          attached += batch.length
        })
        const slow = yield* conn.subscribeEvents
        const fast = yield* conn.subscribeEvents
        let taken = 0
        let largest = 0
        const batch = Array.from({ length: 1_000 }, (_, i) => HubEvent.quote(C, { lastPrice: 21_000 + i / 4 }))
        for (let i = 0; i < 1_000; i++) {
          assert.strictEqual(yield* conn.publish(batch), 1_000)
          largest = Math.max(largest, yield* Queue.size(slow))
          taken += Chunk.size(yield* Queue.takeAll(fast))
        }
        const bound = HubConnection.defaultSubscriberBuffer
        assert.strictEqual(bound, 10_000)
        assert.strictEqual(largest, bound, "the slow subscriber's queue never exceeds the bound")
        assert.strictEqual(yield* Queue.size(slow), bound)
        assert.strictEqual(taken, 1_000_000, "a subscriber that keeps up loses nothing")
        assert.strictEqual(attached, 1_000_000, "an attached consumer sees every event")
        const health = yield* conn.health
        assert.strictEqual(health.droppedEvents, 1_000_000 - bound)
        assert.strictEqual(health.droppedLifecycle, 0)
        assert.strictEqual((yield* dropped("market", "events")) - metricBefore, 1_000_000 - bound)
        // The slow subscriber gets the newest events, in order.
        const kept = Chunk.toReadonlyArray(yield* Queue.takeAll(slow))
        assert.deepStrictEqual(kept.slice(-2), batch.slice(-2))
      }),
    { timeout: 60_000 }
  )

  it.scoped("lifecycle subscribers are bounded too: a slow one keeps the newest, the drops are counted", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connect("user", 2)
      const slow = yield* conn.subscribeLifecycle
      const all = yield* conn.subscribeLifecycle
      const seen: Array<HubConnection.LifecycleEvent> = []
      const take = Effect.map(Queue.takeAll(all), (c) => {
        seen.push(...Chunk.toReadonlyArray(c))
      })
      yield* conn.start
      yield* flush
      yield* take
      for (let i = 0; i < 3; i++) {
        yield* server.current()!.drop("reset")
        yield* flush
        yield* take
      }
      assert.strictEqual(seen.length, 8, "Connected, Subscribed, then Reconnecting and Reconnected three times")
      assert.strictEqual(yield* Queue.size(slow), 2)
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Queue.takeAll(slow)), seen.slice(-2))
      const health = yield* conn.health
      assert.strictEqual(health.droppedLifecycle, seen.length - 2)
      assert.strictEqual(health.droppedEvents, 0)
    }))

  it.scoped("events nobody subscribed to are not counted as dropped; a late subscriber starts from now", () =>
    Effect.gen(function*() {
      const { conn } = yield* connect("market", 3)
      const batch = Array.from({ length: 10 }, (_, i) => HubEvent.quote(C, { lastPrice: 21_000 + i }))
      yield* conn.publish(batch)
      assert.strictEqual((yield* conn.health).droppedEvents, 0)
      const q = yield* conn.subscribeEvents
      yield* conn.publish(batch.slice(0, 2))
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Queue.takeAll(q)), batch.slice(0, 2))
      yield* conn.publish(batch)
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Queue.takeAll(q)), batch.slice(-3))
      assert.strictEqual((yield* conn.health).droppedEvents, 7)
    }))

  it.scoped("the events stream delivers what is published once it runs", () =>
    Effect.gen(function*() {
      const { conn } = yield* connect("market", 3)
      const batch = Array.from({ length: 3 }, (_, i) => HubEvent.quote(C, { lastPrice: 21_000 + i }))
      const fiber = yield* Effect.fork(Stream.runCollect(Stream.take(conn.events, 3)))
      yield* flush
      yield* conn.publish(batch)
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(fiber)), batch)
      assert.strictEqual((yield* conn.health).droppedEvents, 0)
    }))
})
