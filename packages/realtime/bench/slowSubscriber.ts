/**
 * What a subscriber of `HubConnection.events` that never pulls costs, before
 * and after the bound (in-process, no sockets): 1,000,000 quote events in
 * batches of 1,000, published the way the hub reader does (`publishAll`).
 *
 * - heap: `heapUsed` growth after a forced GC, with the events still held by
 *   the never-pulling subscriber: an unbounded PubSub (the old hub) against
 *   the bounded sliding hub (`subscriberBuffer` 10,000, the default);
 * - cost: ns per event for a publish plus a subscriber that keeps up
 *   (`takeAll` after each batch), with and without a never-pulling one, for
 *   both: the price of counting the drops.
 *
 * Run: `npx tsc -b packages/realtime && node --expose-gc packages/realtime/dist/bench/slowSubscriber.js`
 * (part of the package's `bench` script).
 */
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { HubEvent } from "../src/index.js"
import * as SlidingHub from "../src/internal/slidingHub.js"

const EVENTS = 1_000_000
const BATCH = 1_000
const BUFFER = 10_000
const batch = Array.from({ length: BATCH }, (_, i) => HubEvent.quote("CON.F.US.MNQ.U26", { lastPrice: 21_000 + i / 4 }))

interface Target {
  readonly subscribe: Effect.Effect<Queue.Dequeue<HubEvent.HubEvent>, never, Scope.Scope>
  readonly publishAll: (as: ReadonlyArray<HubEvent.HubEvent>) => Effect.Effect<unknown>
}
const unbounded: Effect.Effect<Target> = Effect.map(PubSub.unbounded<HubEvent.HubEvent>(), (p) => ({
  subscribe: PubSub.subscribe(p),
  publishAll: (as) => PubSub.publishAll(p, as)
}))
const bounded: Effect.Effect<Target> = SlidingHub.make<HubEvent.HubEvent>(BUFFER, () => Effect.void)

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const heapMb = () => {
  gc()
  return process.memoryUsage().heapUsed / 1e6
}

/** Heap growth (MB) while a never-pulling subscriber holds what passed, and its queue size. */
const heap = (make: Effect.Effect<Target>) =>
  Effect.scoped(Effect.gen(function*() {
    const t = yield* make
    const slow = yield* t.subscribe
    const before = heapMb()
    for (let i = 0; i < EVENTS / BATCH; i++) yield* t.publishAll(batch.map((e) => ({ ...e })))
    const after = heapMb()
    return { mb: after - before, held: yield* Queue.size(slow) }
  }))

/** ns per event: publish + a subscriber that keeps up (+ one that never pulls). */
const cost = (make: Effect.Effect<Target>, withSlow: boolean) =>
  Effect.scoped(Effect.gen(function*() {
    const t = yield* make
    const fast = yield* t.subscribe
    if (withSlow) yield* t.subscribe
    const start = performance.now()
    for (let i = 0; i < EVENTS / BATCH; i++) {
      yield* t.publishAll(batch)
      yield* Queue.takeAll(fast)
    }
    return ((performance.now() - start) * 1e6) / EVENTS
  }))

const best = (runs: ReadonlyArray<number>) => Math.min(...runs)

const main = Effect.gen(function*() {
  if ((globalThis as { gc?: unknown }).gc === undefined) console.log("(run with --expose-gc for exact heap figures)")
  const rows: Array<string> = []
  for (const [name, make] of [["unbounded PubSub (before)", unbounded], [`sliding hub, ${BUFFER.toLocaleString("en-US")} per subscriber (now)`, bounded]] as const) {
    const h = yield* heap(make)
    const keepUp: Array<number> = []
    const withSlow: Array<number> = []
    for (let r = 0; r < 5; r++) {
      keepUp.push(yield* cost(make, false))
      withSlow.push(yield* cost(make, true))
    }
    rows.push(
      `| ${name} | ${h.held.toLocaleString("en-US")} | ${h.mb.toFixed(1)} | ${best(keepUp).toFixed(1)} | ${best(withSlow).toFixed(1)} |`
    )
  }
  console.log("")
  console.log(`slow subscriber: ${EVENTS.toLocaleString("en-US")} events in batches of ${BATCH}, node ${process.version}`)
  console.log("| hub | held by a never-pulling subscriber | heap growth MB | ns/event, one subscriber keeping up | ns/event, + one never pulling |")
  console.log("|---|---:|---:|---:|---:|")
  for (const r of rows) console.log(r)
})

Effect.runPromise(main).catch((e) => {
  console.error(e)
  process.exit(1)
})
