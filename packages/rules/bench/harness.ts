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
 * Set-up (`market.ts`): one user owns every account; each account holds one
 * long in each of `positions` contracts, the entries of one contract
 * `spacing` ticks apart, the market pinned above every entry. Rule:
 * `positionMaxLoss` of `lossLimit` dollars. A sample moves one contract (in
 * turn) to the bid at which its highest entry loses one tick more than
 * `lossLimit` (every other position of that contract loses at least
 * `spacing - 2` ticks less than the limit, also at the pump's lower tick:
 * only that account is breached), waits for the guard's request and
 * for that position to be closed, opens it again at the new price (now the
 * lowest entry, so the next sample of that contract breaches another
 * account) and moves the contract back. Every stamp is on the one monotonic
 * clock of `clock.ts`.
 *
 * @internal
 */
import { AccountState } from "@tradeguard/realtime"
import { Stack } from "@tradeguard/runtime"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import * as diagnostics from "node:diagnostics_channel"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as RiskConfig from "../src/RiskConfig.js"
import * as Bare from "./bare.js"
import { now } from "./clock.js"
import { contracts as allContracts } from "./contracts.js"
import * as Guard from "./guard.js"
import { firstAccount, isEnforcement, local, type Market, users } from "./market.js"
import { inWorker } from "./remote.js"

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
  /** Run the simulator (server, pump, arrival stamps) in a worker thread (needs the compiled bench). */
  readonly worker: boolean
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
  timeoutMs: 2000,
  worker: false
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
  /** Samples with a request but without the bare client's receipt (not counted). */
  readonly bareMissed: number
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

/** Polls `check` every millisecond (real time) until it holds or `ms` pass; true when it held. */
const until = (check: () => boolean | Effect.Effect<boolean>, ms: number) =>
  Effect.gen(function*() {
    const end = now() + ms
    while (now() < end) {
      const r = check()
      if (typeof r === "boolean" ? r : yield* r) return true
      yield* Effect.sleep("1 millis")
    }
    return false
  })

const program = (o: Options, market: Market) =>
  Effect.gen(function*() {
    const started = now()
    const contracts = allContracts.slice(0, o.positions)
    const accountIds = Array.from({ length: o.accounts }, (_, i) => firstAccount + i)
    const baseUrl = market.baseUrl
    const normal = market.normal
    const entries = market.entries.map((list) => new Map(list))

    // ---- the client stack (one login, both hubs), the OrderManager, every account subscribed
    const stack = Stack.layer({
      api: { baseUrl },
      errorHandling: { rateLimit: { general: { requests: 1_000_000, windowSeconds: 60 } } },
      logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
    }).pipe(Layer.provide(Stack.credentials(users.guard)))
    const client = yield* Layer.build(Guard.layer(stack))
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
    const guard = yield* Effect.provide(Guard.startGuard(config), client)

    // ---- the stamps: requests arriving (the market's), created by the client's HTTP stack, the bare client's quotes
    const arrivals = market.arrivals
    const creations: Array<number> = []
    const onCreate = (message: unknown) => {
      if (isEnforcement((message as { readonly request?: { readonly path?: string } }).request?.path)) creations.push(now())
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => diagnostics.subscribe("undici:request:create", onCreate)),
      () => Effect.sync(() => diagnostics.unsubscribe("undici:request:create", onCreate))
    )
    let watching: { readonly contractId: string; readonly ticks: number; at: number | undefined } | undefined
    const tickOf = new Map(contracts.map((c) => [c.id, c.tickSize]))
    const bare = yield* Bare.connect({
      baseUrl,
      ...users.bare,
      contractIds: contracts.map((c) => c.id),
      onQuote: (contractId, quote, at) => {
        const w = watching
        if (w === undefined || w.at !== undefined || contractId !== w.contractId || typeof quote.bestBid !== "number") return
        if (Math.round(quote.bestBid / tickOf.get(contractId)!) <= w.ticks) w.at = at
      }
    })

    // ---- the samples (the pump runs since the market's start)
    const [receivedBefore, publishedBefore] = [bare.received(), yield* market.published]
    const setupSeconds = (now() - started) / 1000
    const loop = monitorEventLoopDelay({ resolution: 1 })
    loop.enable()
    const [cpuBefore, wallBefore] = [process.cpuUsage(), now()]
    const enforcement: Array<number> = []
    const created: Array<number> = []
    const bareTimes: Array<number> = []
    let missed = 0
    let bareMissed = 0
    let expected = 0
    const total = o.warmup + o.samples
    for (let s = 0; s < total; s++) {
      const ci = s % contracts.length
      const c = contracts[ci]!
      const book = entries[ci]!
      const [target, top] = [...book.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))
      // one tick beyond the limit: exactly at it, a system under test computing in floats may read 2999.999...
      const lossTicks = Math.ceil(o.lossLimit / c.tickValue) + 1
      const ticks = top - lossTicks
      const [before, createdBefore] = [arrivals.length, creations.length]
      const w = { contractId: c.id, ticks, at: undefined as number | undefined }
      watching = w
      const t0 = yield* market.move(ci, ticks)
      const arrived = yield* until(() => arrivals.length > before, o.timeoutMs)
      yield* until(() => w.at !== undefined, o.timeoutMs)
      expected++
      if (arrived && w.at !== undefined && s >= o.warmup) {
        enforcement.push(arrivals[before]! - t0)
        created.push((creations[createdBefore] ?? Number.NaN) - t0)
        bareTimes.push(w.at - t0)
      } else if (!arrived) missed++
      else if (w.at === undefined) bareMissed++
      // off the clock: the position closed (truth and picture), opened again at the breach price, the price back
      const key = AccountState.positionKey(target, c.id)
      const closed = yield* until(() => Effect.map(market.holds(target, c.id), (holds) => !holds), o.timeoutMs)
      if (closed) {
        yield* until(() => Effect.map(state.get, (st) => !HashMap.has(st.positions, key)), o.timeoutMs)
        // the enforcement verified done: a position bought while it still verifies would be closed again
        yield* until(() => guard.idle(target), o.timeoutMs)
        yield* market.buy(target, c.id)
        book.set(target, ticks + 1)
        yield* until(() => Effect.map(state.get, (st) => HashMap.has(st.positions, key)), o.timeoutMs)
      }
      yield* market.move(ci, normal[ci]!)
      yield* Effect.sleep(o.gapMs)
    }
    watching = undefined
    loop.disable()
    const cpuUsed = process.cpuUsage(cpuBefore)
    const cpu = (cpuUsed.user + cpuUsed.system) / 1000 / (now() - wallBefore)
    const eventLoop = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 }
    const publishedAfter = yield* market.published
    const quotes = {
      quotes: publishedAfter.quotes - publishedBefore.quotes,
      seconds: publishedAfter.seconds - publishedBefore.seconds
    }
    const received = bare.received() - receivedBefore
    const extraRequests = arrivals.length - expected + missed
    const openAtEnd = yield* market.openPositions
    return {
      options: o,
      enforcement,
      created,
      bare: bareTimes,
      missed,
      bareMissed,
      extraRequests,
      quotes: { published: quotes.quotes, received, seconds: quotes.seconds },
      openAtEnd,
      eventLoop,
      cpu,
      setupSeconds,
      seconds: (now() - started) / 1000
    } satisfies Result
  })

/** Runs the harness for `options` on a fresh loopback simulator (in this thread, or in a worker with `worker`). */
export const run = (options: Partial<Options> = {}): Effect.Effect<Result> => {
  const o = { ...defaults, ...options }
  const marketOptions = { accounts: o.accounts, positions: o.positions, rate: o.rate, spacing: o.spacing }
  return Effect.flatMap(o.worker ? inWorker(marketOptions) : local(marketOptions), (market) => program(o, market)).pipe(
    Effect.scoped,
    Effect.orDie,
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )
}
