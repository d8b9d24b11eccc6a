/**
 * A process that places ONE intent, for the SIGKILL recovery tests (run compiled:
 * `node packages/orders/dist/test/harness/submit.js --url <simulator> --db <file> --key <key>`).
 *
 * It builds the real stack on the simulator at `--url` (Stack: NodeHttpClient + SignalR), the store on the
 * database FILE `--db`, and the OrderManager; runs start-up recovery; submits a market buy of one MNQ with
 * idempotency key `--key`; waits until it is settled; exits 0. Each step is one JSON line on stdout:
 * `{"recovered": RecoveryReport}`, `{"outcome": Outcome}`, `{"settled": RecordedOutcome}`.
 *
 * `--hold-request`: the HTTP client never sends Order/place (it waits forever before the request leaves the
 * process), so a kill lands after the write-ahead and before the simulator saw anything.
 * `--limit <price>`: a limit buy at that price instead of the market buy.
 * `--follow`: recover, submit nothing, print `{"ready": true}` once the user hub's subscriptions are made, then
 * every OrderEvent as `{"event": OrderEvent}` until killed.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { Enums } from "@tradeguard/gateway"
import { HubConnection } from "@tradeguard/realtime"
import { Stack, StackConfig } from "@tradeguard/runtime"
import { Database, OrderIntents, StoreConfig } from "@tradeguard/store"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as OrderConfig from "../../src/OrderConfig.js"
import * as OrderManager from "../../src/OrderManager.js"

/** The simulator's demo account and the contract the harness buys. */
export const ACCOUNT = 100001
export const MNQ = "CON.F.US.MNQ.Z26"

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? undefined : process.argv[i + 1]
}

const required = (name: string): string => {
  const value = arg(name)
  if (value === undefined) throw new Error(`--${name} is required`)
  return value
}

const print = (line: Record<string, unknown>) => Effect.sync(() => process.stdout.write(`${JSON.stringify(line)}\n`))

/** Never lets Order/place leave the process. */
const holdOrderPlace = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (client) =>
    HttpClient.mapRequestEffect(client, (request) =>
      request.url.toLowerCase().endsWith("/api/order/place") ? Effect.never : Effect.succeed(request)))
)

const main = Effect.gen(function*() {
  const key = required("key")
  const url = required("url")
  const db = required("db")
  const config = yield* StackConfig.decode({
    api: { baseUrl: url },
    logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
  })
  const transports = process.argv.includes("--hold-request")
    ? holdOrderPlace.pipe(Layer.provideMerge(Stack.transportsLayer(config)))
    : Stack.transportsLayer(config)
  const deps = Layer.mergeAll(
    OrderConfig.layer({}),
    OrderIntents.layer.pipe(Layer.provideMerge(Database.layer(StoreConfig.make({ path: db })))),
    Stack.layerWithoutTransports(config).pipe(
      Layer.provide(transports),
      Layer.provide(Stack.credentials({ userName: "demo", apiKey: "demo-api-key" }))
    )
  )
  const limit = arg("limit")
  yield* Effect.gen(function*() {
    const orders = yield* OrderManager.make
    const events = yield* orders.subscribe
    yield* print({ recovered: yield* orders.recover })
    if (process.argv.includes("--follow")) {
      yield* HubConnection.awaitSubscribed(yield* HubConnection.UserHub)
      yield* print({ ready: true })
      return yield* Effect.forever(Effect.flatMap(Queue.take(events), (event) => print({ event })))
    }
    const request = limit === undefined
      ? { accountId: ACCOUNT, contractId: MNQ, type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size: 1 }
      : { accountId: ACCOUNT, contractId: MNQ, type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: Number(limit) }
    yield* print({ outcome: yield* orders.submit({ key, request }) })
    yield* print({ settled: yield* orders.settled(key) })
  }).pipe(Effect.scoped, Effect.provide(deps))
})

Effect.runPromiseExit(main).then((exit) => {
  if (exit._tag === "Failure") process.stderr.write(`harness failed: ${Cause.pretty(exit.cause)}\n`)
  process.exit(exit._tag === "Success" ? 0 : 1)
})
