/**
 * `tradeguard demo`: the daemon's runtime against the embedded simulator on
 * loopback (real HTTP and real SignalR WebSockets, no account, no internet),
 * with faults injected on purpose, narrated step by step:
 *
 * 1. log in (token encrypted on disk), list accounts and contracts;
 * 2. connect both hubs, subscribe, initial reconciliation;
 * 3. trade: live order, position and trade events into AccountState;
 * 4. the user hub drops and reconnects are refused while an order is placed
 *    through another channel: backoff, reconnect, resubscribe, reconciliation
 *    finds what was missed;
 * 5. a cascade of 500s: the circuit opens, reads fall back to the cached state,
 *    the circuit half-opens and closes when the server is back;
 * 6. a reply lost after the order was applied: OutcomeUnknown, the order is
 *    found by its customTag, nothing is sent twice;
 * 7. a burst of history requests over the limit: queued, zero 429;
 * 8. the cached picture is compared with the simulator's ground truth.
 *
 * Demo timings are shortened (breaker timeout, history window) so it runs in
 * under a minute; they are config values, printed as they are used.
 *
 * {@link run} is the real thing (loopback sockets, real time);
 * {@link runInProcess} runs the same steps against the in-process simulator on
 * the caller's Clock, so a test drives the whole narrative with TestClock.
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Enums, GatewayClient, Models } from "@tradeguard/gateway"
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  AccountState,
  HubConnection,
  HubEvent,
  type HubTransport,
  InProcessTransport,
  SignalRTransport,
  StateReconciler
} from "@tradeguard/realtime"
import { CircuitBreaker, RateLimiter, ResilientGateway, TokenManager } from "@tradeguard/resilience"
import { Server, Simulator } from "@tradeguard/simulator"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as AppConfig from "./AppConfig.js"
import * as Runtime from "./Runtime.js"
import { compareWithTruth, describeEvent } from "./internal/demoReport.js"

/** What the demo is run with. */
export interface DemoOptions {
  /** The simulator's seed (prices, fills, fault draws). */
  readonly seed: number
}

const say = (line: string) => Console.log(line)
const step = (n: number, title: string) => Console.log(`\n== ${n}. ${title}`)

/**
 * The demo's config: the seed's values, but pointed at the simulator and with
 * short waits. `allowInsecure` for the in-process simulator's plaintext
 * non-loopback URL (nothing leaves the process there).
 */
export const demoConfig = (baseUrl: string, dir: string, allowInsecure = false) =>
  AppConfig.decode("demo", {
    api: { baseUrl, timeout: 5000, allowInsecure },
    authentication: { storage: { type: "encrypted", path: path.join(dir, "token.enc") } },
    errorHandling: {
      retries: { maxAttempts: 3, backoffBase: 200, maxBackoffMs: 1000 },
      rateLimit: { history: { requests: 20, windowSeconds: 5 } },
      circuitBreaker: { failureThreshold: 5, timeout: 3000, halfOpenRequests: 3 }
    },
    signalr: {
      reconnection: { delays: [0, 500, 1000, 2000] },
      hubs: { userHubUrl: `${baseUrl}/hubs/user`, marketHubUrl: `${baseUrl}/hubs/market` }
    },
    stateReconciliation: { minInterval: 1000 },
    logging: { level: "WARNING" }
  })

/** Warnings and errors as one compact line each, between the narrative lines. */
const compactLogger = Logger.make(({ annotations, logLevel, message }) => {
  const module = HashMap.get(annotations, "module")
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  globalThis.console.log(`  (${logLevel.label.toLowerCase()}${module._tag === "Some" ? ` ${String(module.value)}` : ""}) ${text}`)
})

/** The simulator the demo talks to: a quick price tick and the demo's history limit (20 per 5 s). */
const simulatorOptions = (seed: number) => ({
  seed,
  tickInterval: 250,
  rateLimits: { history: { limit: 20, window: "5 seconds" as const } }
})

/** The eight steps (see the module doc), against the Simulator and the Runtime in context. */
export const program = (tokenFile: string) => Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const tokens = yield* TokenManager.TokenManager
  const gw = yield* ResilientGateway.ResilientGateway
  const breaker = yield* CircuitBreaker.CircuitBreaker
  const limiter = yield* RateLimiter.RateLimiter
  const userHub = yield* HubConnection.UserHub
  const marketHub = yield* HubConnection.MarketHub
  const state = yield* AccountState.AccountState
  const reconciler = yield* StateReconciler.StateReconciler

  yield* Effect.forkScoped(reconciler.reports.pipe(
    Stream.runForEach((r) => say(`  [reconciler] ${StateReconciler.describe(r)}`))
  ))

  // 1
  yield* step(1, "log in, accounts, contracts")
  const info = yield* tokens.info
  if (info !== undefined) {
    const mode = (fs.statSync(tokenFile).mode & 0o777).toString(8)
    const onDisk = fs.readFileSync(tokenFile, "utf8")
    yield* say(`logged in as demo; token expires ${new Date(info.expiresAt).toISOString()} (proactive refresh 2 h before)`)
    yield* say(`token stored encrypted (AES-256-GCM) in ${tokenFile}, mode ${mode}, ` +
      `${onDisk.includes(Redacted.value(info.token)) ? "PLAINTEXT FOUND" : "no plaintext token in the file"}`)
  }
  const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
  for (const a of accounts) yield* say(`account ${a.id} ${a.name}: balance ${a.balance.toFixed(2)}, canTrade ${a.canTrade}`)
  const { contracts } = yield* gw.contractAvailable({ live: false })
  yield* say(`contracts: ${contracts.map((c) => `${c.name} (tick ${c.tickSize} = $${c.tickValue})`).join(", ")}`)
  const account = accounts[0]!
  const mnq = contracts.find((c) => c.symbolId === "F.US.MNQ") ?? contracts[0]!

  // 2
  yield* step(2, "connect both hubs, subscribe, reconcile")
  const lifecycle = yield* userHub.subscribeLifecycle
  yield* Effect.forkScoped(Stream.fromQueue(lifecycle).pipe(
    Stream.runForEach((e) => say(`  [user hub] ${e._tag}${"reason" in e && e.reason ? `: ${e.reason}` : ""}`))
  ))
  const events = yield* userHub.subscribeEvents
  yield* Effect.forkScoped(Stream.fromQueue(events).pipe(
    Stream.filter(HubEvent.isUserEvent),
    Stream.runForEach((e) => say(`  [event] ${describeEvent(e)}`))
  ))
  yield* userHub.subscribe("SubscribeAccounts")
  for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) yield* userHub.subscribe(m, account.id)
  yield* marketHub.subscribe("SubscribeContractQuotes", mnq.id)
  yield* HubConnection.awaitSubscribed(userHub)
  yield* HubConnection.awaitSubscribed(marketHub)
  yield* Effect.sleep("1 second")
  const quote = Option.getOrUndefined(HashMap.get((yield* state.get).quotes, mnq.id))
  yield* say(`market hub: ${mnq.name} last ${quote?.lastPrice ?? "?"} bid ${quote?.bestBid ?? "?"} ask ${quote?.bestAsk ?? "?"}`)

  // 3
  yield* step(3, `buy 2 ${mnq.name} at market`)
  const { orderId } = yield* gw.orderPlace({
    accountId: account.id,
    contractId: mnq.id,
    type: Enums.OrderType.Market,
    side: Enums.OrderSide.Bid,
    size: 2,
    customTag: "demo-entry-1"
  })
  yield* say(`placed order ${orderId} (customTag demo-entry-1)`)
  yield* Effect.sleep("1 second")

  // 4
  yield* step(4, "the user hub drops; reconnects are refused for 2 s; meanwhile an order is placed elsewhere")
  yield* sim.hubs.refuse("2 seconds", { hub: "user" })
  const dropped = yield* sim.hubs.drop({ hub: "user" })
  yield* say(`simulator dropped ${dropped} user-hub connection(s)`)
  yield* Effect.sleep("300 millis")
  const other = yield* GatewayClient.GatewayClient
  const login = yield* other.authLoginKey({ userName: "demo", apiKey: "demo-api-key" })
  const { orderId: missedId } = yield* other.orderPlace(
    { accountId: account.id, contractId: mnq.id, type: Enums.OrderType.Market, side: Enums.OrderSide.Ask, size: 1, customTag: "phone-app-1" },
    login.token
  )
  yield* say(`another channel (a phone app) sold 1 ${mnq.name}: order ${missedId}; our hub is down and does not see it`)
  yield* HubConnection.awaitSubscribed(userHub)
  yield* reconciler.reconcile("manual").pipe(Effect.ignore)
  const afterReconnect = yield* state.get
  const seen = Option.orElse(HashMap.get(afterReconnect.orders, missedId), () => HashMap.get(afterReconnect.completedOrders, missedId))
  yield* say(`order ${missedId} in the cached state after reconciliation: ${Option.match(seen, {
    onNone: () => "MISSING",
    onSome: (o) => `yes, ${Enums.nameOf(Enums.OrderStatus, o.status)}`
  })}`)

  // 5
  yield* step(5, "the server fails every positions read with HTTP 500 (each read is tried up to 3 times; 5 failures in a row open the circuit)")
  yield* sim.setFaults({ serverErrors: { probability: 1, status: 500, endpoints: ["positionSearchOpen"] } })
  for (let i = 1; i <= 7; i++) {
    const r = yield* CircuitBreaker.withFallback(
      gw.positionSearchOpen({ accountId: account.id }),
      () => Effect.map(state.get, (s) => ({ positions: AccountState.openPositions(s, account.id) }))
    ).pipe(Effect.either)
    const circuit = (yield* breaker.state("reads"))._tag
    yield* say(`  read ${i}: ${r._tag === "Left" ? `failed (${r.left._tag})` : r.right.stale ? `served from cache (stale): ${r.right.value.positions.length} position(s)` : "fresh"}; circuit reads ${circuit}`)
  }
  yield* sim.setFaults({})
  yield* say("server healthy again; waiting for the circuit to half-open (demo timeout 3 s)")
  yield* Effect.sleep("3100 millis")
  for (let i = 1; i <= 3; i++) {
    const r = yield* gw.positionSearchOpen({ accountId: account.id }).pipe(Effect.either)
    yield* say(`  probe ${i}: ${r._tag === "Right" ? "ok" : r.left._tag}; circuit reads ${(yield* breaker.state("reads"))._tag}`)
  }

  // 6
  yield* step(6, "the reply to an order is lost after the gateway applied it")
  yield* sim.setFaults({ dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
  const tag = "demo-exit-1"
  const placed = yield* gw.orderPlace({
    accountId: account.id,
    contractId: mnq.id,
    type: Enums.OrderType.Market,
    side: Enums.OrderSide.Ask,
    size: 1,
    customTag: tag
  }).pipe(Effect.either)
  if (placed._tag === "Left" && placed.left._tag === "OutcomeUnknown") {
    yield* say(`place failed ambiguously: ${placed.left.message}; not re-sending, looking first`)
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    const { orders } = yield* gw.orderSearch({ accountId: account.id, startTimestamp: Models.timestampFromMillis(now - 60_000) })
    const found = orders.filter((o) => o.customTag === tag)
    yield* say(`found ${found.length} order(s) with customTag ${tag}: ${found.map((o) => `${o.id} ${Enums.nameOf(Enums.OrderStatus, o.status)}`).join(", ")} -> verified, no duplicate`)
  } else {
    yield* say(`unexpected: ${placed._tag}`)
  }

  // 7
  yield* step(7, "45 history requests at once (demo limit 20 per 5 s)")
  yield* sim.setFaults({})
  const end = Models.timestampFromMillis(yield* Effect.clockWith((c) => c.currentTimeMillis))
  const start = Models.timestampFromMillis((yield* Effect.clockWith((c) => c.currentTimeMillis)) - 3_600_000)
  const results = yield* Effect.forEach(
    Array.from({ length: 45 }, (_, i) => i),
    () =>
      gw.historyRetrieveBars({
        contractId: mnq.id, live: false, startTime: start, endTime: end, unit: Enums.AggregateBarUnit.Minute,
        unitNumber: 1, limit: 10, includePartialBar: false
      }).pipe(Effect.either),
    { concurrency: "unbounded" }
  )
  const stats = yield* limiter.stats
  const rejected = results.filter((r) => r._tag === "Left").length
  yield* say(`${results.length - rejected} of ${results.length} completed, ${rejected} failed, 429s seen: ${results.filter((r) => r._tag === "Left" && r.left._tag === "RateLimited").length}; ` +
    `longest wait in the limiter queue ${Duration.format(Duration.millis(Math.round(stats.maxWaitMillis)))}`)

  // 8
  yield* step(8, "compare the cached picture with the simulator's ground truth")
  yield* Effect.sleep("1 second")
  yield* reconciler.reconcile("manual").pipe(Effect.ignore)
  const truth = yield* sim.exchange.peek(account.id) // as of the last wake: the read itself fills nothing
  const mine = yield* state.get
  const diff = compareWithTruth(mine, truth, account.id)
  yield* say(diff.length === 0
    ? `state matches the ground truth: ${truth.openOrders.length} working order(s), ${truth.positions.length} position(s), ${truth.trades.length} trade(s)`
    : `MISMATCH:\n  ${diff.join("\n  ")}`)
  const health = yield* userHub.health
  yield* say(`user hub: ${health.reconnects} reconnect(s), ${health.decodeFailures} undecodable payload(s)`)
  if (diff.length > 0) return yield* Effect.fail(new Error("state mismatch"))
})

/** A fresh directory for the token file; the token-file key from the environment, or a random one. */
const prepare = Effect.sync(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-demo-"))
  process.env["TRADEGUARD_TOKEN_KEY"] ??= crypto.randomBytes(32).toString("hex")
  return dir
})

/** The program over the Runtime for `config`, the given transport and HttpClient, the demo user. */
const runWith = (
  config: AppConfig.AppConfig,
  dir: string,
  transport: Layer.Layer<HubTransport.HubTransport, never, Simulator.Simulator>,
  http: Layer.Layer<HttpClient.HttpClient>
) =>
  program(path.join(dir, "token.enc")).pipe(
    Effect.provide(Runtime.layer(config).pipe(
      Layer.provide(transport),
      Layer.provide(TokenManager.Credentials.layer("demo", "demo-api-key")),
      Layer.provide(http)
    ))
  )

/** Warnings and errors of the runtime as compact lines between the narrative. */
const narrated = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, compactLogger)),
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )

/** Runs the demo; exits non-zero if the final picture does not match the simulator. */
export const run = (options: DemoOptions) =>
  Effect.gen(function*() {
    const dir = yield* prepare
    yield* say(`tradeguard demo: simulator seed ${options.seed}, token file ${path.join(dir, "token.enc")}`)
    yield* Effect.gen(function*() {
      const port = yield* Server.port
      const baseUrl = `http://127.0.0.1:${port}`
      yield* say(`simulator listening on ${baseUrl}`)
      const config = yield* demoConfig(baseUrl, dir)
      const transport = SignalRTransport.layerConfig({ logLevel: "none" }).pipe(Layer.provide(Runtime.configLayer(config)))
      yield* runWith(config, dir, transport, NodeHttpClient.layerUndici)
    }).pipe(Effect.provide(Server.layerSimulator({ port: 0, ...simulatorOptions(options.seed) })), Effect.scoped)
    yield* say("\ndemo finished")
  }).pipe(narrated)

/**
 * The same steps against the in-process simulator (no socket, HTTP and hubs
 * called in-process), on the caller's Clock: under TestClock a test drives the
 * whole demo by adjusting the clock.
 */
export const runInProcess = (options: DemoOptions) =>
  Effect.gen(function*() {
    const dir = yield* prepare
    yield* say(`tradeguard demo (in-process): simulator seed ${options.seed}`)
    const config = yield* demoConfig(Simulator.baseUrl, dir, true)
    const sim = Simulator.layerInProcess(simulatorOptions(options.seed))
    const transport = InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (s) => s.hubs))
    yield* Effect.flatMap(Layer.build(sim), (context) =>
      runWith(config, dir, transport, Layer.succeedContext(context)).pipe(Effect.provide(context))).pipe(Effect.scoped)
    yield* say("\ndemo finished")
  }).pipe(narrated)
