/**
 * The worker thread of `remote.ts`: runs the exchange side (`market.ts`:
 * simulator, positions, pump, arrival stamps) and serves its operations to
 * the main thread over the worker's port; each arrival is posted as it
 * happens.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Runtime from "effect/Runtime"
import { parentPort, workerData } from "node:worker_threads"
import { local, type MarketOptions } from "./market.js"
import type { Reply, Request, Ready } from "./remote.js"

const port = parentPort!

const serve = Effect.gen(function*() {
  const market = yield* local(workerData as MarketOptions)
  const runtime = yield* Effect.runtime<never>()
  const run = Runtime.runPromise(runtime)
  let posted = 0
  const postArrivals = () => {
    for (; posted < market.arrivals.length; posted++) port.postMessage({ _tag: "Arrival", at: market.arrivals[posted]! })
  }
  // the arrivals are stamped by the server's channel, then posted at once (off the clock)
  yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sync(postArrivals), Effect.sleep("1 millis"))))
  const handle = (r: Request): Effect.Effect<unknown> => {
    switch (r.op) {
      case "move":
        return market.move(r.index, r.ticks)
      case "holds":
        return market.holds(r.accountId, r.contractId)
      case "buy":
        return market.buy(r.accountId, r.contractId)
      case "openPositions":
        return market.openPositions
      case "published":
        return market.published
      case "stop":
        return Effect.void
    }
  }
  let stopped: () => void = () => {}
  const done = new Promise<void>((resolve) => (stopped = resolve))
  port.on("message", (r: Request) => {
    void run(handle(r)).then((value) => {
      port.postMessage({ _tag: "Reply", id: r.id, value } satisfies Reply)
      if (r.op === "stop") stopped()
    })
  })
  port.postMessage({ _tag: "Ready", baseUrl: market.baseUrl, entries: market.entries, normal: market.normal } satisfies Ready)
  yield* Effect.promise(() => done)
})

Effect.runPromise(serve.pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))).then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
