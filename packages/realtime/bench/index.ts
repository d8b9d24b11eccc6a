/**
 * Hub events per second through the REAL `@microsoft/signalr` client over
 * loopback, and the delay from the simulator's send to the state update.
 *
 * - Server: the simulator on 127.0.0.1:<ephemeral> in a worker thread
 *   (`simulatorWorker.ts`), fed through `exchange.publishAll`: the hubs send
 *   each batch as one WebSocket message, as they do for a tick.
 * - Feed (`feed.ts`): 50% GatewayQuote (4 contracts), 25% GatewayUserOrder
 *   (placed, then filled), 12.5% GatewayUserTrade, 12.5% GatewayUserPosition,
 *   account 100001, the wire format of the live hubs.
 * - Clients, one at a time, on the same feed:
 *   1. bare: `@microsoft/signalr` HubConnections (skipNegotiation, WebSockets)
 *      whose `connection.on` callbacks only count: the ceiling;
 *   2. ours: HubConnection (user + market) over SignalRTransport, decoding
 *      every event, into AccountState (`AccountState.layer`), observed through
 *      `AccountState.subscribe` (a fiber that takes each newest snapshot).
 *   3. ours + events: the same with a `Stream.runForEach` on each hub's
 *      `events` (a program that reacts to every event pays this).
 * - Max rate: the worker keeps at most 32,768 events in flight (sent, not yet
 *   handled), 3 rounds of 200,000 after a warm-up; events/s = events / (time
 *   the last was handled - time the first was sent), the median round. A
 *   round in which the feed never waited for the client was limited by the
 *   server side (the simulator's pump, JSON, `ws.send`): said in the table.
 *   Ours starts each round with `AccountState.resetDay` (a round is one
 *   trading day of one very busy account: 25,000 trades, 25,000 orders).
 * - Delay: 5,000 events/s for 5 s; per event, send time (worker) to the
 *   moment it is visible in AccountState (ours) or its callback runs (bare),
 *   on the shared clock `performance.timeOrigin + performance.now()`. The
 *   client thread's GC pauses during that run are recorded, and how many of
 *   the events slower than 3 ms overlapped one.
 *
 * Run: `npx tsc -b packages/realtime && node packages/realtime/dist/bench/index.js`
 * (the package's `bench` script). Options: `--rounds n`, `--events n`, `--warmup n`,
 * `--clients bare,ours,ours+events` (e.g. `--clients ours` under `node --cpu-prof`).
 */
import * as signalR from "@microsoft/signalr"
import { TokenManager } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { PerformanceObserver } from "node:perf_hooks"
import { Worker } from "node:worker_threads"
import { AccountState, Config, HubConnection } from "../src/index.js"
import * as SignalRTransport from "../src/SignalRTransport.js"
import {
  ACCOUNT,
  CONTRACTS,
  hubOf,
  kindOf,
  now,
  ORDER_BASE,
  orderIdOf,
  positionContract,
  quoteContract,
  SEQ0,
  type Shared,
  TRADE_BASE,
  tradeIdOf
} from "./feed.js"
import type { Command, Reply } from "./simulatorWorker.js"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const ROUNDS = arg("rounds", 3)
const clientsArg = process.argv.indexOf("--clients")
/** `--clients bare,ours,ours+events` (default all three): e.g. only ours under `node --cpu-prof`. */
const CLIENTS = new Set(clientsArg > 0 ? process.argv[clientsArg + 1]!.split(",") : ["bare", "ours", "ours+events"])
const EVENTS = arg("events", 200_000)
const WARMUP = arg("warmup", 100_000)
const PACED_RATE = 5_000
const PACED_SECONDS = 5
const PACED = PACED_RATE * PACED_SECONDS
const TOTAL = CLIENTS.size * (WARMUP + ROUNDS * EVENTS + PACED) + 1024

// ---------------------------------------------------------------- the worker

const shared: Shared = { stamps: new SharedArrayBuffer(8 * TOTAL), control: new SharedArrayBuffer(16) }
const stamps = new Float64Array(shared.stamps)
const control = new Int32Array(shared.control)
const worker = new Worker(new URL("./simulatorWorker.js", import.meta.url), { workerData: shared })
const replies: Array<(r: Reply) => void> = []
worker.on("message", (r: Reply | { type: "error"; cause: string }) => {
  if (r.type === "error") throw new Error(`simulator worker: ${r.cause}`)
  replies.shift()?.(r)
})
const reply = () => new Promise<Reply>((resolve) => replies.push(resolve))
const send = (c: Command) => {
  const r = reply()
  worker.postMessage(c)
  return r
}

let nextSeq = SEQ0
const allocate = (n: number) => {
  const from = nextSeq
  nextSeq += n
  return from
}

// ---------------------------------------------------------------- clients

interface Round {
  readonly from: number
  readonly count: number
  readonly latency: boolean
  /** Handled so far in this round. */
  handled: number
  /** Per event handled (latency rounds): the delay, and its send time (same index). */
  readonly delays: Array<number>
  readonly sent: Array<number>
  /** The client's handled count when the round started. */
  base: number
  lastAt: number
  done: () => void
}

interface Client {
  readonly name: string
  /** Handled events since the client started (flow control). */
  readonly total: () => number
  round: Round | undefined
  readonly close: () => Promise<void>
}

const newRound = (from: number, count: number, latency: boolean): [Round, Promise<void>] => {
  let done!: () => void
  const finished = new Promise<void>((r) => (done = r))
  return [{ from, count, latency, handled: 0, delays: [], sent: [], base: 0, lastAt: 0, done }, finished]
}

/** The bare library: two HubConnections whose callbacks count (and, when asked, read the seq for the delay). */
const bareClient = async (baseUrl: string, token: string): Promise<Client> => {
  let total = 0
  const connections: Array<signalR.HubConnection> = []
  const client: Client = {
    name: "bare @microsoft/signalr (callbacks count)",
    total: () => total,
    round: undefined,
    close: async () => {
      for (const c of connections) await c.stop()
    }
  }
  const handle = (seq: () => number) => {
    total++
    Atomics.store(control, 0, total)
    const r = client.round
    if (r === undefined) return
    r.handled++
    if (r.latency) {
      const sent = stamps[seq() - SEQ0]!
      r.sent.push(sent)
      r.delays.push(now() - sent)
    }
    if (r.handled === r.count) {
      r.lastAt = now()
      r.done()
    }
  }
  const connect = async (hub: string) => {
    const c = new signalR.HubConnectionBuilder()
      .withUrl(`${baseUrl}/hubs/${hub}`, {
        skipNegotiation: true,
        transport: signalR.HttpTransportType.WebSockets,
        accessTokenFactory: () => token
      })
      .configureLogging(signalR.LogLevel.None)
      .build()
    await c.start()
    connections.push(c)
    return c
  }
  type Data = { readonly data: { readonly id: number; readonly status?: number } }
  const user = await connect("user")
  user.on("GatewayUserOrder", (e: Data) => handle(() => e.data.id - ORDER_BASE + (e.data.status === 2 ? 6 : 0)))
  user.on("GatewayUserTrade", (e: Data) => handle(() => e.data.id - TRADE_BASE))
  user.on("GatewayUserPosition", (e: Data) => handle(() => e.data.id))
  for (const m of ["SubscribeOrders", "SubscribeTrades", "SubscribePositions"]) await user.invoke(m, ACCOUNT)
  const market = await connect("market")
  market.on("GatewayQuote", (_contractId: string, q: { readonly volume: number }) => handle(() => q.volume))
  for (const c of CONTRACTS) await market.invoke("SubscribeContractQuotes", c)
  await new Promise((r) => setTimeout(r, 200)) // the quote snapshots of the subscriptions
  total = 0
  return client
}

/** Is event `seq` visible in the snapshot? */
const visible = (s: AccountState.Snapshot, seq: number): boolean => {
  switch (kindOf(seq)) {
    case "quote": {
      const q = HashMap.get(s.quotes, quoteContract(seq))
      return q._tag === "Some" && (q.value.volume ?? 0) >= seq
    }
    case "orderPlaced":
      return HashMap.has(s.orders, orderIdOf(seq)) || HashMap.has(s.completedOrders, orderIdOf(seq))
    case "orderFilled":
      return HashMap.has(s.completedOrders, orderIdOf(seq))
    case "trade":
      return HashMap.has(s.trades, tradeIdOf(seq))
    case "position": {
      const p = HashMap.get(s.positions, AccountState.positionKey(ACCOUNT, positionContract(seq)))
      return p._tag === "Some" && p.value.id >= seq
    }
  }
}

/** Ours: HubConnection (user + market) over SignalRTransport into AccountState, observed through `subscribe`. */
/** `withSubscribers`: also a Stream consumer of each hub's `events` (what a program reacting to every event adds). */
const ourClient = async (baseUrl: string, token: string, withSubscribers: boolean) => {
  const layer = AccountState.layer.pipe(
    Layer.provideMerge(Layer.merge(HubConnection.layerUser, HubConnection.layerMarket)),
    Layer.provide(Layer.mergeAll(SignalRTransport.layer({ logLevel: "none" }), TokenManager.layerStatic(token))),
    Layer.provideMerge(Logger.minimumLogLevel(LogLevel.Warning)),
    Layer.provideMerge(Config.RealtimeConfig.layer({
      signalr: { hubs: { userHubUrl: `${baseUrl}/hubs/user`, marketHubUrl: `${baseUrl}/hubs/market` } },
      stateReconciliation: { enabled: false }
    }))
  )
  const runtime = ManagedRuntime.make(layer)
  const client: Client = {
    name: "HubConnection + AccountState (decode + state)",
    total: () => 0,
    round: undefined,
    close: () => runtime.dispose()
  }
  let total = 0
  let version0 = 0
  /** Per hub: the next seq of the round not yet seen in the state. */
  const next = { user: 0, market: 0 }
  const advance = (hub: "user" | "market", s: AccountState.Snapshot, r: Round, at: number) => {
    const end = r.from + r.count
    while (next[hub] < end) {
      const seq = next[hub]
      if (hubOf(seq) !== hub) {
        next[hub]++
        continue
      }
      if (!visible(s, seq)) return
      const sent = stamps[seq - SEQ0]!
      r.sent.push(sent)
      r.delays.push(at - sent)
      r.handled++
      next[hub]++
    }
  }
  const onSnapshot = (s: AccountState.Snapshot) => {
    const at = now()
    total = s.version - version0
    Atomics.store(control, 0, total)
    const r = client.round
    if (r === undefined) return
    if (r.latency) {
      advance("user", s, r, at)
      advance("market", s, r, at)
    } else {
      r.handled = total - r.base
    }
    if (r.handled >= r.count && r.lastAt === 0) {
      r.lastAt = at
      r.done()
    }
  }
  await runtime.runPromise(Effect.gen(function*() {
    const user = yield* HubConnection.UserHub
    const market = yield* HubConnection.MarketHub
    const state = yield* AccountState.AccountState
    for (const m of ["SubscribeOrders", "SubscribeTrades", "SubscribePositions"]) yield* Effect.orDie(user.subscribe(m, ACCOUNT))
    for (const c of CONTRACTS) yield* Effect.orDie(market.subscribe("SubscribeContractQuotes", c))
    yield* HubConnection.awaitSubscribed(user)
    yield* HubConnection.awaitSubscribed(market)
    yield* Effect.sleep("200 millis") // the quote snapshots of the subscriptions
    version0 = (yield* state.get).version
    if (withSubscribers) {
      for (const hub of [user, market]) yield* Effect.forkDaemon(Stream.runForEach(hub.events, () => Effect.void))
    }
    const changes = yield* Effect.provideService(state.subscribe, Scope.Scope, yield* Scope.make())
    yield* Effect.forkDaemon(Effect.gen(function*() {
      while (true) onSnapshot(yield* changes.take)
    }))
  }))
  const health = () =>
    runtime.runPromise(Effect.gen(function*() {
      return { user: yield* (yield* HubConnection.UserHub).health, market: yield* (yield* HubConnection.MarketHub).health }
    }))
  return {
    client: Object.assign(client, { total: () => total }),
    /** A new trading day: today's trades and ended orders are dropped (as at a day boundary). */
    resetDay: () => runtime.runPromise(Effect.flatMap(AccountState.AccountState, (s) => s.resetDay)),
    startRound: (r: Round) => {
      next.user = r.from
      next.market = r.from
      r.base = total
      client.round = r
    },
    health
  }
}

// ---------------------------------------------------------------- runs

interface GcStats {
  readonly pauses: number
  readonly totalMillis: number
  readonly maxMillis: number
  /** Events slower than 3 ms, and how many of them overlapped a GC pause of this thread. */
  readonly slow: number
  readonly slowDuringGc: number
}

interface Result {
  readonly rates: Array<number>
  /** Rounds in which the feed never had to wait for the client: the server side was the limit. */
  readonly serverBoundRounds: number
  readonly delays: Array<number>
  readonly gc: GcStats
}

const maxRound = async (client: Client, count: number, start: (r: Round) => void) => {
  const from = allocate(count)
  const [round, finished] = newRound(from, count, false)
  start(round)
  const fed = await send({ type: "feed", mode: "max", from, count })
  await finished
  client.round = undefined
  return {
    rate: count / ((round.lastAt - stamps[from - SEQ0]!) / 1000),
    serverBound: fed.type === "fed" && fed.waits === 0
  }
}

/** The paced round, with this thread's GC pauses recorded (PerformanceObserver "gc"). */
const pacedRound = async (client: Client, start: (r: Round) => void) => {
  const pauses: Array<readonly [number, number]> = []
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push([performance.timeOrigin + e.startTime, e.duration])
  })
  observer.observe({ entryTypes: ["gc"] })
  const from = allocate(PACED)
  const [round, finished] = newRound(from, PACED, true)
  start(round)
  await send({ type: "feed", mode: "paced", from, count: PACED, rate: PACED_RATE })
  await finished
  client.round = undefined
  observer.disconnect()
  let slow = 0
  let slowDuringGc = 0
  for (let i = 0; i < round.delays.length; i++) {
    const [sent, delay] = [round.sent[i]!, round.delays[i]!]
    if (delay < 3) continue
    slow++
    if (pauses.some(([t, d]) => t + d >= sent && t <= sent + delay)) slowDuringGc++
  }
  const gc: GcStats = {
    pauses: pauses.length,
    totalMillis: pauses.reduce((a, [, d]) => a + d, 0),
    maxMillis: Math.max(0, ...pauses.map(([, d]) => d)),
    slow,
    slowDuringGc
  }
  return { delays: round.delays, gc }
}

/** Warm-up, max-rate rounds, the paced round; `newDay` runs before each (AccountState keeps one day). */
const measure = async (
  client: Client,
  start: (r: Round) => void,
  newDay: () => Promise<void> = async () => {}
): Promise<Result> => {
  await maxRound(client, WARMUP, start)
  const rates: Array<number> = []
  let serverBoundRounds = 0
  for (let i = 0; i < ROUNDS; i++) {
    await newDay()
    const r = await maxRound(client, EVENTS, start)
    rates.push(r.rate)
    if (r.serverBound) serverBoundRounds++
  }
  await newDay()
  const { delays, gc } = await pacedRound(client, start)
  return { rates, serverBoundRounds, delays, gc }
}

const median = (xs: ReadonlyArray<number>) => xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })

const main = async () => {
  const ready = await reply()
  if (ready.type !== "ready") throw new Error("the simulator worker did not start")
  const baseUrl = `http://127.0.0.1:${ready.port}`
  const login = await fetch(`${baseUrl}/api/Auth/loginKey`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userName: "demo", apiKey: "demo-api-key" })
  })
  const { token } = (await login.json()) as { token: string }

  const rows: Array<readonly [string, Result]> = []
  let decodeFailures = 0
  let decoded = 0
  if (CLIENTS.has("bare")) {
    const bare = await bareClient(baseUrl, token)
    const bareResult = await measure(bare, (r) => {
      bare.round = r
    })
    await bare.close()
    rows.push(["bare @microsoft/signalr: connection.on callbacks count (ceiling)", bareResult])
  }
  for (const [key, withSubscribers, name] of [
    ["ours", false, "ours: HubConnection + decode + AccountState (SignalRTransport)"],
    ["ours+events", true, "ours + a Stream subscriber of each hub's events"]
  ] as const) {
    if (!CLIENTS.has(key)) continue
    const ours = await ourClient(baseUrl, token, withSubscribers)
    const oursResult = await measure(ours.client, ours.startRound, ours.resetDay)
    const health = await ours.health()
    if (!withSubscribers) {
      decodeFailures = health.user.decodeFailures + health.market.decodeFailures
      decoded = health.user.eventsReceived + health.market.eventsReceived
    }
    await ours.client.close()
    rows.push([name, oursResult])
  }
  await worker.terminate()

  console.log("")
  console.log("realtime bench: hub events through the real @microsoft/signalr client over loopback")
  console.log(`  server: simulator in a worker thread on ${baseUrl}, fed by exchange.publishAll; node ${process.version}`)
  console.log("  mix: 50% GatewayQuote (4 contracts), 25% GatewayUserOrder, 12.5% GatewayUserTrade, 12.5% GatewayUserPosition")
  console.log(`  max rate: ${ROUNDS} rounds of ${fmt(EVENTS)} events after a ${fmt(WARMUP)} warm-up (≤ 32,768 in flight), median round;`)
  console.log("    ours: AccountState.resetDay before each round (a round is a trading day of one very busy account)")
  console.log(`  delay: ${fmt(PACED_RATE)} events/s for ${PACED_SECONDS} s (${fmt(PACED)} events), send -> callback (bare) / send -> visible in AccountState (ours)`)
  console.log("")
  console.log("| client | events/s (median) | rounds | max-rate limit | p50 ms | p99 ms | max ms | GC in paced run: pauses / total / max ms | events > 3 ms during a GC pause |")
  console.log("|---|---:|---|---|---:|---:|---:|---|---|")
  for (const [name, r] of rows) {
    const limit = r.serverBoundRounds === r.rates.length
      ? "server side (feed never waited)"
      : r.serverBoundRounds === 0
      ? "client"
      : `client (${r.rates.length - r.serverBoundRounds}/${r.rates.length} rounds)`
    console.log(
      `| ${name} | ${fmt(median(r.rates))} | ${r.rates.map((x) => fmt(x)).join(" / ")} | ${limit} | ` +
        `${fmt(percentile(r.delays, 50), 3)} | ${fmt(percentile(r.delays, 99), 3)} | ${fmt(Math.max(...r.delays), 3)} | ` +
        `${r.gc.pauses} / ${fmt(r.gc.totalMillis, 1)} / ${fmt(r.gc.maxMillis, 2)} | ${r.gc.slowDuringGc} of ${r.gc.slow} |`
    )
  }
  console.log("")
  const [bare, ours] = [rows.find(([n]) => n.startsWith("bare"))?.[1], rows.find(([n]) => n.startsWith("ours:"))?.[1]]
  if (ours !== undefined) {
    const rate = median(ours.rates)
    const p99 = percentile(ours.delays, 99)
    if (bare !== undefined) console.log(`ours / bare: ${fmt((100 * rate) / median(bare.rates), 1)}%`)
    console.log(`ours: events decoded ${fmt(decoded)}, decode failures ${decodeFailures}`)
    console.log(`target >= 100,000 events/s with decode and state: ${rate >= 100_000 ? "MET" : "NOT MET"} (${fmt(rate)})`)
    console.log(`target p99 < 5 ms at 5,000 events/s: ${p99 < 5 ? "MET" : "NOT MET"} (${fmt(p99, 3)} ms)`)
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
