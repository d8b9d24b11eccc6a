/**
 * The exchange side (`market.ts`) in a worker thread: the simulator's
 * server, the pump and the arrival stamps run on their own event loop, so
 * the client's loop carries only the client (as the gateway is not in the
 * daemon's process). Operations go over the worker's port; the stamps are
 * taken on the shared monotonic clock (`clock.ts`), so they compare with the
 * client's directly. Needs the compiled bench (`dist/bench/worker.js`).
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Worker } from "node:worker_threads"
import type { Market, MarketOptions } from "./market.js"

/** An operation of the main thread. */
export type Op =
  | { readonly op: "move"; readonly index: number; readonly ticks: number }
  | { readonly op: "holds" | "buy"; readonly accountId: number; readonly contractId: string }
  | { readonly op: "openPositions" | "published" | "stop" }

/** An operation and its id (the reply carries it). */
export type Request = Op & { readonly id: number }

/** The worker's first message. */
export interface Ready {
  readonly _tag: "Ready"
  readonly baseUrl: string
  readonly entries: Market["entries"]
  readonly normal: Market["normal"]
}

/** The answer to a request. */
export interface Reply {
  readonly _tag: "Reply"
  readonly id: number
  readonly value: unknown
}

type Message = Ready | Reply | { readonly _tag: "Arrival"; readonly at: number }

/** Starts the worker for as long as the scope lives (stopped and joined at the end). */
export const inWorker = (o: MarketOptions): Effect.Effect<Market, never, Scope.Scope> =>
  Effect.gen(function*() {
    const ready = yield* Deferred.make<Ready>()
    const pending = new Map<number, Deferred.Deferred<unknown>>()
    const arrivals: Array<number> = []
    let next = 0
    const worker = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: o })
        w.on("message", (m: Message) => {
          if (m._tag === "Arrival") arrivals.push(m.at)
          else if (m._tag === "Ready") Deferred.unsafeDone(ready, Effect.succeed(m))
          else {
            const d = pending.get(m.id)
            pending.delete(m.id)
            if (d !== undefined) Deferred.unsafeDone(d, Effect.succeed(m.value))
          }
        })
        w.on("error", (e) => Deferred.unsafeDone(ready, Effect.die(e)))
        return w
      }),
      (w) =>
        Effect.promise(() => {
          const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()))
          w.postMessage({ id: -1, op: "stop" } satisfies Request)
          return exited
        })
    )
    const call = <A>(r: Op): Effect.Effect<A> =>
      Effect.flatMap(Deferred.make<unknown>(), (d) => {
        const id = next++
        pending.set(id, d)
        worker.postMessage({ ...r, id })
        return Deferred.await(d) as Effect.Effect<A>
      })
    const { baseUrl, entries, normal } = yield* Deferred.await(ready)
    return {
      baseUrl,
      entries,
      normal,
      move: (index, ticks) => call<number>({ op: "move", index, ticks }),
      holds: (accountId, contractId) => call<boolean>({ op: "holds", accountId, contractId }),
      buy: (accountId, contractId) => Effect.asVoid(call({ op: "buy", accountId, contractId })),
      openPositions: call<number>({ op: "openPositions" }),
      published: call({ op: "published" }),
      arrivals
    } satisfies Market
  })
