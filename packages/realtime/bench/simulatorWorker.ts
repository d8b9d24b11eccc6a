/**
 * The benchmark's server side, in a worker thread (its own core): the
 * simulator served on a loopback port (`Server.layerSimulator({ port: 0 })`,
 * no price process of its own: tick interval 1 hour), fed with
 * `exchange.publishAll` (one lock round per batch; the hub peers then send
 * each batch as one WebSocket message per connection).
 *
 * Commands from the main thread:
 * - `{ type: "feed", mode: "max", from, count }`: as fast as the client keeps
 *   up: batches of 1024 while fewer than 32,768 events are in flight (sent
 *   but not yet handled, as the client reports in shared memory);
 * - `{ type: "feed", mode: "paced", from, count, rate }`: `rate` events per
 *   second, on a ~1 ms timer, each batch what is due by then.
 * Every event's send time goes into the shared stamps. Replies `{ type: "fed" }`.
 */
import { Server, Simulator } from "@tradeguard/simulator"
import type { ExchangeEvent } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import { parentPort, workerData } from "node:worker_threads"
import { eventOf, now, SEQ0, type Shared } from "./feed.js"

export type Command =
  | { readonly type: "feed"; readonly mode: "max"; readonly from: number; readonly count: number }
  | { readonly type: "feed"; readonly mode: "paced"; readonly from: number; readonly count: number; readonly rate: number }

export type Reply =
  | { readonly type: "ready"; readonly port: number }
  /** `waits`: how often the window was full (the client was the limit); `publishMillis`: time inside publishAll. */
  | { readonly type: "fed"; readonly millis: number; readonly waits: number; readonly publishMillis: number }

const shared = workerData as Shared
const stamps = new Float64Array(shared.stamps)
const control = new Int32Array(shared.control)
const port = parentPort!

const WINDOW = 32_768
const BATCH = 1024

const yieldMacro = Effect.promise(() => new Promise<void>((r) => setImmediate(r)))
const tick = Effect.promise(() => new Promise<void>((r) => setTimeout(r, 1)))

const program = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const commands = yield* Queue.unbounded<Command>()
  port.on("message", (c: Command) => void Queue.unsafeOffer(commands, c))

  const publish = (from: number, n: number) => {
    const at = now()
    const ts = new Date(at).toISOString().replace(/\.(\d{3})Z$/, ".$10000+00:00")
    const batch: Array<ExchangeEvent.ExchangeEvent> = []
    for (let seq = from; seq < from + n; seq++) {
      stamps[seq - SEQ0] = at
      batch.push(eventOf(seq, ts) as unknown as ExchangeEvent.ExchangeEvent)
    }
    return sim.exchange.publishAll(batch)
  }

  port.postMessage({ type: "ready", port: yield* Server.port } satisfies Reply)
  while (true) {
    const c = yield* Queue.take(commands)
    const start = now()
    const end = c.from + c.count
    let next = c.from
    const base = Atomics.load(control, 0)
    let waits = 0
    let publishMillis = 0
    while (next < end) {
      if (c.mode === "max") {
        const inFlight = next - c.from - (Atomics.load(control, 0) - base)
        if (inFlight >= WINDOW) {
          waits++
          yield* yieldMacro
          continue
        }
        const n = Math.min(BATCH, end - next)
        const t = now()
        yield* publish(next, n)
        publishMillis += now() - t
        next += n
        yield* yieldMacro
      } else {
        const due = Math.min(end, c.from + Math.floor(((now() - start) * c.rate) / 1000))
        if (due > next) {
          yield* publish(next, due - next)
          next = due
        }
        yield* tick
      }
    }
    port.postMessage({ type: "fed", millis: now() - start, waits, publishMillis } satisfies Reply)
  }
})

Effect.runFork(
  program.pipe(
    Effect.provide(Server.layerSimulator({ port: 0, seed: 1, tickInterval: "1 hour" })),
    Effect.catchAllCause((cause) => Effect.sync(() => port.postMessage({ type: "error", cause: String(cause) })))
  )
)
