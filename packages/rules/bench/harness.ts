/**
 * The enforcement-latency harness: from the simulator publishing the quote
 * that breaches a limit of one account to the FIRST cancel/close request
 * (`Order/cancel` or `Position/closeContract`) arriving at the simulator,
 * over loopback (the simulator's real HTTP + SignalR server on 127.0.0.1, the
 * stack's real Node HTTP client and `@microsoft/signalr` hubs), while
 * `accounts` accounts with `positions` positions each are watched and
 * `rate` quotes/s flow on the market hub. Beside it, in the same run, the
 * bare client's time from the same publish to its receipt of the quote.
 *
 * Set-up: one user owns every account; each account holds one long in each
 * of `positions` contracts, the entries of one contract `spacing` ticks
 * apart (account i's rank in contract c is (i + 5c) mod accounts), the market
 * pinned above every entry. Rule: `positionMaxLoss` of `lossLimit` dollars.
 * A sample moves one contract (in turn) to the bid at which its highest
 * entry loses exactly `lossLimit` (every other position of that contract
 * loses at least `spacing - 1` ticks less: only that account is breached),
 * waits for the guard's request and for that position to be closed, opens it
 * again at the new price (now the lowest entry, so the next sample of that
 * contract breaches another account) and moves the contract back.
 *
 * The arrival is stamped by Node's `http.server.request.start` diagnostics
 * channel (the server has parsed the request's headers, before the
 * simulator's handler runs), so the simulator needs no hook.
 *
 * @internal
 */
import { Enums } from "@tradeguard/gateway"
import { OrderConfig, OrderManager } from "@tradeguard/orders"
import { AccountState } from "@tradeguard/realtime"
import { Stack } from "@tradeguard/runtime"
import { Server, Simulator } from "@tradeguard/simulator"
import { Database, OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import * as diagnostics from "node:diagnostics_channel"
import type { IncomingMessage } from "node:http"
import { monitorEventLoopDelay, performance } from "node:perf_hooks"
import * as RiskConfig from "../src/RiskConfig.js"
import * as Bare from "./bare.js"
import { contracts as allContracts, priceOf, ticksOf } from "./contracts.js"
import { startGuard } from "./guard.js"
import * as Pump from "./pump.js"

/** What to run. */
export interface Options {
  readonly accounts: number
  /** Positions per account = contracts used (at most 10). */
  readonly positions: number
  /** Quotes per second on the market hub. */
  readonly rate: number
  readonly samples: number
  /** Samples run first and not counted. */
  readonly warmup: number
  /** Pause between samples, ms. */
  readonly gapMs: number
  /** positionMaxLoss amount, dollars. */
  readonly lossLimit: number
  /** Ticks between two entries of one contract. */
  readonly spacing: number
  /** A sample without a request after this long is counted as missed, ms. */
  readonly timeoutMs: number
}

/** The defaults: 50 accounts x 10 positions, 5,000 quotes/s, 200 samples. */
export const defaults: Options = {
  accounts: 50,
  positions: 10,
  rate: 5000,
  samples: 200,
  warmup: 20,
  gapMs: 20,
  lossLimit: 3000,
  spacing: 4,
  timeoutMs: 2000
}

/** What a run measured. */
export interface Result {
  readonly options: Options
  /** Publish → the first cancel/close request arriving at the simulator, ms, one per counted sample. */
  readonly enforcement: ReadonlyArray<number>
  /** Publish → the client's HTTP stack (undici) creating that first request, ms, same samples: the guard's own part. */
  readonly created: ReadonlyArray<number>
  /** Publish → the bare client's receipt of the breaching quote, ms, same samples. */
  readonly bare: ReadonlyArray<number>
  /** Samples without a request within `timeoutMs`. */
  readonly missed: number
  /** Cancel/close requests beyond the first of each sample. */
  readonly extraRequests: number
  /** Quotes the pump published, quotes the bare client received, over the pump's seconds. */
  readonly quotes: { readonly published: number; readonly received: number; readonly seconds: number }
  /** Open positions in the simulator at the end (accounts x positions when nothing else was closed). */
  readonly openAtEnd: number
  /** This thread's event-loop delay over the samples (ms): how busy the one loop that runs everything was. */
  readonly eventLoop: { readonly p50: number; readonly p99: number; readonly max: number }
  /** This process's CPU time over the samples / their wall time (1 = one core busy all the time). */
  readonly cpu: number
  /** Seconds of set-up (positions, stack start-up, subscriptions) and in all. */
  readonly setupSeconds: number
  readonly seconds: number
}

const isEnforcement = (url: string | undefined) => {
  const path = (url ?? "").split("?")[0]!.toLowerCase()
  return path === "/api/order/cancel" || path === "/api/position/closecontract"
}

const user = { userName: "bench-guard", apiKey: "bench-guard-key" }
const bareUser = { userName: "bench-bare", apiKey: "bench-bare-key" }
const firstAccount = 300001

/** Polls `check` every millisecond (real time) until it holds or `ms` pass; true when it held. */
const until = (check: () => boolean | Effect.Effect<boolean>, ms: number) =>
  Effect.gen(function*() {
    const end = performance.now() + ms
    while (performance.now() < end) {
      const r = check()
      if (typeof r === "boolean" ? r : yield* r) return true
      yield* Effect.sleep("1 millis")
    }
    return false
  })

const program = (o: Options) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const port = yield* Server.port
    const baseUrl = `http://127.0.0.1:${port}`
    const contracts = allContracts.slice(0, o.positions)
    const accountIds = Array.from({ length: o.accounts }, (_, i) => firstAccount + i)
    const userId = yield* Effect.orDie(sim.exchange.ownerOf(firstAccount))
    const started = performance.now()

    // ---- positions: account i's entry in contract c at base + rank x spacing (a market buy fills at the ask)
    const buy = (accountId: number, contractId: string) =>
      Effect.orDie(sim.exchange.place(userId, { accountId, contractId, type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size: 1 }))
    const base = contracts.map((c) => ticksOf(c, c.basePrice))
    for (const [ci, c] of contracts.entries()) {
      for (let rank = 0; rank < o.accounts; rank++) {
        const ai = (((rank - 5 * ci) % o.accounts) + o.accounts) % o.accounts
        yield* Effect.orDie(sim.exchange.setPrice(c.id, priceOf(c, base[ci]! + rank * o.spacing - 1)))
        yield* buy(accountIds[ai]!, c.id)
      }
    }
    const normal = base.map((b) => b + o.accounts * o.spacing + 20)
    for (const [ci, c] of contracts.entries()) yield* Effect.orDie(sim.exchange.setPrice(c.id, priceOf(c, normal[ci]!)))
    /** Entries (ticks) per contract and account, from the simulator's truth. */
    const entries = contracts.map(() => new Map<number, number>())
    for (const id of accountIds) {
      const snap = yield* Effect.orDie(sim.exchange.peek(id))
      for (const p of snap.positions) {
        const ci = contracts.findIndex((c) => c.id === p.contractId)
        entries[ci]!.set(id, ticksOf(contracts[ci]!, p.averagePrice))
      }
    }

    // ---- the client stack (one login, both hubs), the OrderManager, every account subscribed
    const stack = Stack.layer({
      api: { baseUrl },
      errorHandling: { rateLimit: { general: { requests: 1_000_000, windowSeconds: 60 } } },
      logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
    }).pipe(Layer.provide(Stack.credentials(user)))
    const client = yield* Layer.build(OrderManager.layer.pipe(
      Layer.provideMerge(OrderConfig.layer({})),
      Layer.provideMerge(OrderIntents.layer.pipe(Layer.provide(Database.layerMemory()))),
      Layer.provideMerge(stack)
    ))
    const state = yield* Effect.provide(AccountState.AccountState, client)
    for (const id of accountIds) yield* Effect.provide(TestStack.subscribeAccount(id), client)
    const all = o.accounts * o.positions
    const open = Effect.map(state.get, (s) => HashMap.size(HashMap.filter(s.positions, (p) => p.size > 0)))
    if (!(yield* until(() => Effect.map(open, (n) => n === all), 30_000))) {
      return yield* Effect.dieMessage(`the stack never saw the ${all} positions`)
    }

    // ---- the system under test
    const config = Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)({
      accounts: accountIds,
      defaults: { positionMaxLoss: { amount: o.lossLimit } }
    })
    yield* Effect.provide(startGuard(config), client)

    // ---- the stamps: requests arriving, the bare client's quotes
    const arrivals: Array<number> = []
    const onRequest = (message: unknown) => {
      if (isEnforcement((message as { readonly request: IncomingMessage }).request.url)) arrivals.push(performance.now())
    }
    const creations: Array<number> = []
    const onCreate = (message: unknown) => {
      if (isEnforcement((message as { readonly request?: { readonly path?: string } }).request?.path)) creations.push(performance.now())
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        diagnostics.subscribe("http.server.request.start", onRequest)
        diagnostics.subscribe("undici:request:create", onCreate)
      }),
      () =>
        Effect.sync(() => {
          diagnostics.unsubscribe("http.server.request.start", onRequest)
          diagnostics.unsubscribe("undici:request:create", onCreate)
        })
    )
    let watching: { readonly contractId: string; readonly ticks: number; at: number | undefined } | undefined
    const tickOf = new Map(contracts.map((c) => [c.id, c.tickSize]))
    const bare = yield* Bare.connect({
      baseUrl,
      ...bareUser,
      contractIds: contracts.map((c) => c.id),
      onQuote: (contractId, quote, at) => {
        const w = watching
        if (w === undefined || w.at !== undefined || contractId !== w.contractId || typeof quote.bestBid !== "number") return
        if (Math.round(quote.bestBid / tickOf.get(contractId)!) <= w.ticks) w.at = at
      }
    })

    // ---- the pump, then the samples
    const pump = yield* Pump.start({ exchange: sim.exchange, contracts, levels: normal, rate: o.rate })
    const receivedBefore = bare.received()
    const setupSeconds = (performance.now() - started) / 1000
    const loop = monitorEventLoopDelay({ resolution: 1 })
    loop.enable()
    const [cpuBefore, wallBefore] = [process.cpuUsage(), performance.now()]
    const enforcement: Array<number> = []
    const created: Array<number> = []
    const bareTimes: Array<number> = []
    let missed = 0
    let expected = 0
    const total = o.warmup + o.samples
    for (let s = 0; s < total; s++) {
      const ci = s % contracts.length
      const c = contracts[ci]!
      const book = entries[ci]!
      const [target, top] = [...book.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))
      const lossTicks = Math.ceil(o.lossLimit / c.tickValue)
      const ticks = top - lossTicks
      const [before, createdBefore] = [arrivals.length, creations.length]
      const w = { contractId: c.id, ticks, at: undefined as number | undefined }
      watching = w
      const t0 = yield* pump.move(ci, ticks)
      const arrived = yield* until(() => arrivals.length > before, o.timeoutMs)
      yield* until(() => w.at !== undefined, o.timeoutMs)
      expected++
      if (arrived && w.at !== undefined && s >= o.warmup) {
        enforcement.push(arrivals[before]! - t0)
        created.push((creations[createdBefore] ?? Number.NaN) - t0)
        bareTimes.push(w.at - t0)
      } else if (!arrived) missed++
      // off the clock: the position closed (truth and picture), opened again at the breach price, the price back
      const key = AccountState.positionKey(target, c.id)
      const closed = yield* until(() =>
        Effect.map(Effect.orDie(sim.exchange.peek(target)), (snap) => !snap.positions.some((p) => p.contractId === c.id && p.size > 0)), o.timeoutMs)
      if (closed) {
        yield* until(() => Effect.map(state.get, (st) => !HashMap.has(st.positions, key)), o.timeoutMs)
        yield* buy(target, c.id)
        book.set(target, ticks + 1)
        yield* until(() => Effect.map(state.get, (st) => HashMap.has(st.positions, key)), o.timeoutMs)
      }
      yield* pump.move(ci, normal[ci]!)
      yield* Effect.sleep(o.gapMs)
    }
    watching = undefined
    loop.disable()
    const cpuUsed = process.cpuUsage(cpuBefore)
    const cpu = (cpuUsed.user + cpuUsed.system) / 1000 / (performance.now() - wallBefore)
    const eventLoop = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 }
    const quotes = pump.published()
    const received = bare.received() - receivedBefore
    const extraRequests = arrivals.length - expected + missed
    let openAtEnd = 0
    for (const id of accountIds) {
      openAtEnd += (yield* Effect.orDie(sim.exchange.peek(id))).positions.filter((p) => p.size > 0).length
    }
    return {
      options: o,
      enforcement,
      created,
      bare: bareTimes,
      missed,
      extraRequests,
      quotes: { published: quotes.quotes, received, seconds: quotes.seconds },
      openAtEnd,
      eventLoop,
      cpu,
      setupSeconds,
      seconds: (performance.now() - started) / 1000
    } satisfies Result
  })

/** Runs the harness for `options` on a fresh loopback simulator (its rate limits off). */
export const run = (options: Partial<Options> = {}): Effect.Effect<Result> => {
  const o = { ...defaults, ...options }
  const users = [
    { ...user, accounts: Array.from({ length: o.accounts }, (_, i) => ({ id: firstAccount + i, name: `BENCH-${i + 1}`, balance: 150_000 })) },
    { ...bareUser, accounts: [{ id: 399001, name: "BENCH-BARE" }] }
  ]
  return program(o).pipe(
    Effect.provide(Server.layerSimulator({ port: 0, seed: 7, users, contracts: allContracts.slice(0, o.positions), rateLimits: { enabled: false } })),
    Effect.scoped,
    Effect.orDie,
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )
}
