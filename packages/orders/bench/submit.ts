/**
 * What the write-ahead costs a submission: the time from the call to the
 * `Order/place` request ARRIVING at the simulator, over loopback (the
 * simulator's real HTTP server on 127.0.0.1, the stack's real Node HTTP
 * client and SignalR user hub), for:
 *
 * - (a) the bare client: `ResilientGateway.orderPlace` with a customTag (the baseline);
 * - (b) `OrderManager.submit` with a FILE store (`Database.layer`, WAL, `synchronous: normal`, temp dir);
 * - (c) the same with `synchronous: full`;
 * - (d) `OrderManager.submit` with an in-memory store (`Database.layerMemory`).
 *
 * The arrival is stamped on the server side by Node's `http.server.request.start`
 * diagnostics channel (published when the server has parsed the request's
 * headers, before the simulator's handler runs), so the simulator needs no hook.
 * Two more figures: call → the client's HTTP stack creating the request
 * (undici's `undici:request:create` channel: the time spent on our side,
 * write-ahead included) and call → answer (the round trip).
 *
 * Every mode has its own simulator user, account and client stack (its own login
 * and user hub, subscribed to its account as in the daemon), so a manager only
 * sees its own orders. The modes run in the same process, in alternating blocks
 * (`--block`, default 50) whose order rotates each round, so machine noise hits
 * all of them alike; `--warmup` submissions per mode (default 100) are run the
 * same way first and not counted. After each submission the bench pauses `--gap`
 * ms (default 10, off the clock) so the previous order's tail (its hub events,
 * the manager's fill tracking) is not charged to the next call; `--gap 0` runs
 * them back to back. Orders fill at once and leave every account flat after each
 * group of four: market buy, market sell, marketable limit buy (8 ticks through
 * the ask), marketable limit sell; a limit left working is cancelled between
 * blocks (off the clock). The simulator's rate limits are off, the client's
 * general window is raised out of the way.
 *
 * Run: `npx tsc -b packages/orders && node packages/orders/dist/bench/submit.js [--n 2000] [--block 50] [--warmup 100] [--gap 10]`
 * (the package's `bench` script).
 */
import { Enums } from "@tradeguard/gateway"
import { HubConnection } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { Stack } from "@tradeguard/runtime"
import { Server, Simulator } from "@tradeguard/simulator"
import { Database, OrderIntents, StoreConfig } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as diagnostics from "node:diagnostics_channel"
import type { IncomingMessage } from "node:http"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import * as OrderConfig from "../src/OrderConfig.js"
import * as OrderManager from "../src/OrderManager.js"

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const n = Number(arg("n") ?? 2000)
const block = Number(arg("block") ?? 50)
const warmup = Number(arg("warmup") ?? 100)
const gap = Number(arg("gap") ?? 10)

const MNQ = "CON.F.US.MNQ.Z26"
const TICK = 0.25

// ------------------------------------------------------------------ stamps

const isPlace = (url: string | undefined) => (url ?? "").split("?")[0]!.toLowerCase() === "/api/order/place"

/** When each `Order/place` request reached the simulator's server (performance.now()). */
const arrivals: Array<number> = []
diagnostics.subscribe("http.server.request.start", (message) => {
  if (isPlace((message as { readonly request: IncomingMessage }).request.url)) arrivals.push(performance.now())
})

/** When the client's HTTP stack (undici) created each `Order/place` request: everything before is ours. */
const created: Array<number> = []
diagnostics.subscribe("undici:request:create", (message) => {
  if (isPlace((message as { readonly request?: { readonly path?: string } }).request?.path)) created.push(performance.now())
})

// ------------------------------------------------------------------ the modes

interface Mode {
  readonly id: "a" | "b" | "c" | "d"
  readonly label: string
  /** The store of the manager; none for the bare client. */
  readonly store?: "normal" | "full" | "memory"
}

const modes: ReadonlyArray<Mode> = [
  { id: "a", label: "(a) bare ResilientGateway.orderPlace" },
  { id: "b", label: "(b) submit, file store, sync normal", store: "normal" },
  { id: "c", label: "(c) submit, file store, sync full", store: "full" },
  { id: "d", label: "(d) submit, in-memory store", store: "memory" }
]

const accountOf = (m: Mode) => 200001 + modes.indexOf(m)
const credentialsOf = (m: Mode) => ({ userName: `bench-${m.id}`, apiKey: `bench-key-${m.id}` })

const users = modes.map((m) => ({ ...credentialsOf(m), accounts: [{ id: accountOf(m), name: `BENCH-${m.id.toUpperCase()}` }] }))

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-submit-bench-"))

/** A client stack for `m` on the loopback simulator at `port`, and its manager for the store modes. */
const clientLayer = (m: Mode, port: number) => {
  const stack = Stack.layer({
    api: { baseUrl: `http://127.0.0.1:${port}` },
    errorHandling: { rateLimit: { general: { requests: 1_000_000, windowSeconds: 60 } } },
    logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
  }).pipe(Layer.provide(Stack.credentials(credentialsOf(m))))
  if (m.store === undefined) return stack
  const database = m.store === "memory"
    ? Database.layerMemory()
    : Database.layer(StoreConfig.make({ path: path.join(tempDir, `${m.id}.db`), synchronous: m.store }))
  return OrderManager.layer.pipe(
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(OrderIntents.layer.pipe(Layer.provide(database))),
    Layer.provideMerge(stack)
  )
}

// ------------------------------------------------------------------ samples

interface Samples {
  /** Call → the HTTP client creates the request (the write-ahead and the client's own work), ms. */
  readonly created: Array<number>
  /** Call → the request's arrival at the simulator, ms. */
  readonly arrival: Array<number>
  /** Call → the answer (Placed / the reply), ms. */
  readonly roundTrip: Array<number>
  failures: number
}

const quantile = (samples: ReadonlyArray<number>, q: number) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** The i-th order of a mode: market buy, market sell, marketable limit buy, marketable limit sell. */
const requestOf = (accountId: number, i: number, quote: { readonly bestBid: number; readonly bestAsk: number }) => {
  const side = i % 2 === 0 ? Enums.OrderSide.Bid : Enums.OrderSide.Ask
  if (i % 4 < 2) return { accountId, contractId: MNQ, type: Enums.OrderType.Market, side, size: 1 }
  const limitPrice = side === Enums.OrderSide.Bid ? quote.bestAsk + 8 * TICK : quote.bestBid - 8 * TICK
  return { accountId, contractId: MNQ, type: Enums.OrderType.Limit, side, size: 1, limitPrice }
}

const program = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const port = yield* Server.port
  const clients = new Map<Mode["id"], Context.Context<never>>()
  for (const m of modes) {
    const context = yield* Layer.build(clientLayer(m, port))
    // every mode's user hub carries its account's events, as in the daemon (AccountState is fed from them)
    yield* TestStack.subscribeAccount(accountOf(m)).pipe(Effect.provide(context))
    yield* Effect.provide(Effect.flatMap(HubConnection.UserHub, HubConnection.awaitSubscribed), context)
    clients.set(m.id, context as Context.Context<never>)
  }
  const gatewayOf = (m: Mode) => Context.get(clients.get(m.id)! as Context.Context<ResilientGateway.ResilientGateway>, ResilientGateway.ResilientGateway)
  const managerOf = (m: Mode) => Context.get(clients.get(m.id)! as Context.Context<OrderManager.OrderManager>, OrderManager.OrderManager)

  const samples = new Map<Mode["id"], Samples>(modes.map((m) => [m.id, { created: [], arrival: [], roundTrip: [], failures: 0 }]))
  const counters = new Map<Mode["id"], number>(modes.map((m) => [m.id, 0]))
  let unmatched = 0

  /** One submission of `m`, timed; counted unless warming up. */
  const one = (m: Mode, count: boolean) =>
    Effect.gen(function*() {
      const i = counters.get(m.id)!
      counters.set(m.id, i + 1)
      const quote = yield* Effect.orDie(sim.exchange.quote(MNQ))
      const request = requestOf(accountOf(m), i, quote)
      const key = `bench-${m.id}-${i}`
      const call: Effect.Effect<boolean, unknown> = m.store === undefined
        ? Effect.map(gatewayOf(m).orderPlace({ ...request, customTag: `${key}.1` }), () => true)
        : Effect.map(managerOf(m).submit({ key, request }), (o) => o._tag === "Placed")
      const [before, beforeCreated] = [arrivals.length, created.length]
      const t0 = performance.now()
      const placed = yield* Effect.orElseSucceed(call, () => false)
      const t1 = performance.now()
      const s = samples.get(m.id)!
      if (arrivals.length !== before + 1 || created.length !== beforeCreated + 1) {
        unmatched++
        return
      }
      if (!placed) s.failures++
      if (!count) return
      s.created.push(created[beforeCreated]! - t0)
      s.arrival.push(arrivals[before]! - t0)
      s.roundTrip.push(t1 - t0)
    }).pipe(Effect.zipLeft(gap > 0 ? Effect.sleep(gap) : Effect.yieldNow()))

  /** Cancels whatever a marketable limit left working on `m`'s account (off the clock). */
  const tidy = (m: Mode) =>
    Effect.gen(function*() {
      const snapshot = yield* Effect.orDie(sim.exchange.peek(accountOf(m)))
      for (const o of snapshot.openOrders) {
        yield* Effect.ignore(gatewayOf(m).orderCancel({ accountId: o.accountId, orderId: o.id }))
      }
      return snapshot.openOrders.length
    })

  let leftWorking = 0
  const run = (perMode: number, count: boolean) =>
    Effect.gen(function*() {
      const rounds = Math.ceil(perMode / block)
      for (let r = 0; r < rounds; r++) {
        const size = Math.min(block, perMode - r * block)
        for (let k = 0; k < modes.length; k++) {
          const m = modes[(r + k) % modes.length]!
          for (let j = 0; j < size; j++) yield* one(m, count)
          leftWorking += yield* tidy(m)
        }
      }
    })

  const started = performance.now()
  yield* run(warmup, false)
  yield* run(n, true)
  const seconds = (performance.now() - started) / 1000

  const snapshots = yield* Effect.forEach(modes, (m) => Effect.orDie(sim.exchange.peek(accountOf(m))))
  const totalOrders = snapshots.reduce((t, s) => t + s.orders.length, 0)
  const open = snapshots.reduce((t, s) => t + s.positions.filter((p) => p.size !== 0).length, 0)
  return { samples, unmatched, leftWorking, seconds, totalOrders, open }
})

const fmt = (ms: number) => `${ms.toFixed(3)} ms`
const ratio = (x: number, base: number) => `×${(x / base).toFixed(2)}`

const report = (result: Effect.Effect.Success<typeof program>) => {
  const { samples } = result
  console.log(
    `OrderManager.submit vs the bare client, ${n} submissions per mode (+${warmup} warm-up), loopback 127.0.0.1, ` +
      `blocks of ${block} rotating, ${gap} ms pause after each, node ${process.version}, ${os.cpus().length} cpus, store in ${tempDir}`
  )
  for (const [what, pick] of [
    ["call → request arrives at the simulator", (s: Samples) => s.arrival],
    ["call → the HTTP client creates the request (our side only)", (s: Samples) => s.created],
    ["call → answer (round trip)", (s: Samples) => s.roundTrip]
  ] as const) {
    console.log(`\n${what}`)
    console.log(`  ${"mode".padEnd(38)} ${"p50".padStart(10)} ${"p99".padStart(10)} ${"max".padStart(10)}   vs (a): p50    p99    max`)
    const base = pick(samples.get("a")!)
    const [b50, b99, bmax] = [quantile(base, 0.5), quantile(base, 0.99), Math.max(...base)]
    for (const m of modes) {
      const xs = pick(samples.get(m.id)!)
      const [p50, p99, max] = [quantile(xs, 0.5), quantile(xs, 0.99), Math.max(...xs)]
      const vs = m.id === "a" ? "" : `  ${ratio(p50, b50).padStart(6)} ${ratio(p99, b99).padStart(6)} ${ratio(max, bmax).padStart(6)}`
      console.log(`  ${m.label.padEnd(38)} ${fmt(p50).padStart(10)} ${fmt(p99).padStart(10)} ${fmt(max).padStart(10)} ${vs}`)
    }
  }
  const base99 = quantile(samples.get("a")!.arrival, 0.99)
  console.log("\nwrite-ahead added p99 (call → arrival, minus the bare client's), target < 1 ms:")
  for (const m of modes.filter((x) => x.store !== undefined)) {
    const added = quantile(samples.get(m.id)!.arrival, 0.99) - base99
    console.log(`  ${m.label.padEnd(38)} ${(added >= 0 ? "+" : "") + fmt(added)}  ${added < 1 ? "met" : "MISSED"}`)
  }
  const failures = modes.map((m) => `${m.id} ${samples.get(m.id)!.failures}`).join(", ")
  console.log(
    `\n${result.totalOrders} orders in ${result.seconds.toFixed(1)} s; not placed: ${failures}; ` +
      `submissions without exactly one arrival: ${result.unmatched}; limits cancelled between blocks: ${result.leftWorking}; ` +
      `accounts not flat: ${result.open}`
  )
  if (modes.some((m) => samples.get(m.id)!.failures > 0) || result.unmatched > 0) process.exitCode = 1
}

Effect.runPromise(
  program.pipe(
    Effect.provide(Server.layerSimulator({ port: 0, seed: 7, users, rateLimits: { enabled: false } })),
    Effect.scoped,
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )
).then(report, (e) => {
  console.error(e)
  process.exitCode = 1
}).finally(() => fs.rmSync(tempDir, { recursive: true, force: true }))
