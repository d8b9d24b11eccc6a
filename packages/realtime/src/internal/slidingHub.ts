/**
 * A bounded, sliding PubSub that counts what it drops: each subscriber holds
 * at most `capacity` events not taken yet; when a publish would exceed that,
 * the oldest ones go (the publisher never waits) and are counted.
 *
 * Effect's `PubSub.sliding` drops silently. Its buffer is shared: its size is
 * the backlog of the slowest subscriber, and a publish of `n` events onto a
 * buffer of `size` slides `size + n - capacity` of the oldest off. That is
 * computed just before the publish and reported to `onDrop` (an event lost by
 * one subscriber or by several counts once). Subscribers are counted here so
 * that a publish nobody listens to drops nothing.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { HubEvent } from "../HubEvent.js"
import type { LifecycleEvent } from "./connectionMachine.js"
import type { HealthCounters } from "./health.js"

/** A sliding PubSub of `capacity` per subscriber with a drop count. */
export interface SlidingHub<A> {
  readonly capacity: number
  /** Subscribes now; the subscription lives as long as the scope. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<A>, never, Scope.Scope>
  /** Everything published from the moment the stream starts. */
  readonly stream: Stream.Stream<A>
  readonly publish: (a: A) => Effect.Effect<void>
  readonly publishAll: (as: ReadonlyArray<A>) => Effect.Effect<void>
}

/** How many of `n` new events a buffer holding `size` of `capacity` drops (none without subscribers). */
export const droppedBy = (subscribers: number, size: number, n: number, capacity: number): number =>
  subscribers === 0 ? 0 : Math.max(0, size + n - capacity)

/** A sliding hub; `onDrop` runs after each publish that dropped events, with how many. */
export const make = <A>(
  capacity: number,
  onDrop: (n: number) => Effect.Effect<void>
): Effect.Effect<SlidingHub<A>> =>
  Effect.map(PubSub.sliding<A>(capacity), (pubsub) => {
    let subscribers = 0
    const subscribe = Effect.tap(
      PubSub.subscribe(pubsub),
      () =>
        Effect.acquireRelease(Effect.sync(() => subscribers++), () =>
          Effect.sync(() => {
            subscribers--
          }))
    )
    /** Counts the drops of a publish of `n`, then publishes. */
    const counted = (n: number, publish: Effect.Effect<boolean>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const size = pubsub.unsafeSize()
        const d = droppedBy(subscribers, size._tag === "Some" ? size.value : 0, n, capacity)
        return d === 0 ? Effect.asVoid(publish) : Effect.zipRight(publish, onDrop(d))
      })
    return {
      capacity,
      subscribe,
      stream: Stream.flatMap(Stream.scoped(subscribe), (q) => Stream.fromQueue(q)),
      publish: (a) => counted(1, PubSub.publish(pubsub, a)),
      publishAll: (as) => counted(as.length, PubSub.publishAll(pubsub, as))
    }
  })

/** Events dropped because a subscriber of `events` or `lifecycle` fell `subscriberBuffer` behind (tags `hub`, `stream`). */
export const droppedEventsTotal = Metric.counter("tradeguard_hub_dropped_events_total", {
  description: "hub events a slow subscriber lost (the oldest, beyond HubConnection's subscriberBuffer)",
  incremental: true
})

/** A connection's `events` and `lifecycle` hubs, their drops counted in `counters` and {@link droppedEventsTotal}. */
export const makeHubStreams = (hub: string, capacity: number, counters: HealthCounters) => {
  const metric = (stream: "events" | "lifecycle") =>
    droppedEventsTotal.pipe(Metric.tagged("hub", hub), Metric.tagged("stream", stream))
  const events = metric("events")
  const lifecycle = metric("lifecycle")
  return Effect.all({
    events: make<HubEvent>(capacity, (n) => {
      counters.droppedEvents += n
      return Metric.incrementBy(events, n)
    }),
    lifecycle: make<LifecycleEvent>(capacity, (n) => {
      counters.droppedLifecycle += n
      return Metric.incrementBy(lifecycle, n)
    })
  })
}
