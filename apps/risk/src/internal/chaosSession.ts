/**
 * A chaos session: the whole daemon (`Runtime.layerWithRules`: token, hubs, reconciliation, an in-memory SQLite
 * store, order verification, the rules) over the in-process simulator, on a simulated Clock, with bots trading three accounts from
 * another front-end and the seeded faults of `chaosSchedule.ts`. Returns the figures; judging them is
 * `chaosFigures.ts`'s.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { Enums, Models } from "@tradeguard/gateway"
import { OrderIntent } from "@tradeguard/orders"
import { AccountPicture, AccountState, HubConnection, InProcessTransport, StateReconciler, TradingDay } from "@tradeguard/realtime"
import { ResilientGateway, TokenManager } from "@tradeguard/resilience"
import { type Guard, Locks } from "@tradeguard/rules"
import { type Exchange, type FaultPlan, Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import { Seeds } from "@tradeguard/testing"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as AppConfig from "../AppConfig.js"
import * as Daemon from "../Daemon.js"
import * as Runtime from "../Runtime.js"
import { settle, type SimulatedClock } from "./chaosClock.js"
import { type Breach, type FaultWindow, faultsDuring, type Figures, flatSince } from "./chaosFigures.js"
import { CommandFailed as CommandFailedError } from "./commandFailed.js"
import type { CommandFailed } from "./commandFailed.js"
import { type Disturbance, scheduleOf } from "./chaosSchedule.js"

/** What a session is run with. */
export interface SessionOptions {
  readonly seed: number
  readonly hours: number
  /** The bots' pace: user-hub events a simulated second, on average over the session (bursts around it). */
  readonly pace: number
  /** The simulated clock the session runs on (provided to everything it starts) and moves. */
  readonly clock: SimulatedClock
  /** Test hook: the ground truth of an account as the final comparison sees it. */
  readonly groundTruth?: ((picture: AccountPicture.Picture) => AccountPicture.Picture) | undefined
}

/** The three accounts the bots trade, each on its own contract (a price pinned for a breach moves one account only). */
export const ACCOUNTS = [100001, 100002, 100003] as const
const CONTRACTS = ["CON.F.US.MNQ.Z26", "CON.F.US.MES.Z26", "CON.F.US.MNQ.H27"] as const
/** The daily loss limit of every account, dollars. */
export const LIMIT = 1500
/** The oracle calls a breach only this far past the limit (fees and the mark's side differ by a few dollars). */
const MARGIN = 50
/** How long a breach may take to be flat and locked before it counts as not enforced, simulated ms. */
const ENFORCE_BOUND = 10 * 60_000
const BREACH_SIZE = 4
/** The share of a bot's actions that take a lot at the market (about 8 round trips an hour at the retail pace). */
const SCALP = 0.006
/** How long a bot works from what it last read of its account, simulated ms. */
const BOT_VIEW = 10_000
/**
 * User-hub events a bot action makes on average (measured over seed 1's day: most actions place, move or cancel a
 * pair of resting orders, an order event each; a market order is an order event, its fill, a trade, a position and
 * the account's balance). The bots act at `pace / EVENTS_PER_ACTION` times a second.
 */
const EVENTS_PER_ACTION = 2
/**
 * A minute's intensity: most minutes are calm (half the pace), a third busy (1.5×), one in twelve a burst (5×).
 * Divided by their mean (1.18) so the day's average is the pace.
 */
const intensityOf = (x: number) => (x < 0.6 ? 0.5 : x < 0.92 ? 1.5 : 5) / 1.18
/**
 * A failed hub connect answered 401 this long after the gateway revoked the daemon's token (a token expiry or a
 * forced logout) is also counted apart, to show whether the daemon reconnected with the revoked token.
 */
const REVOKED_WINDOW = 120_000

const contracts: ReadonlyArray<SimulatorOptions.ContractOptions> = [
  {
    id: CONTRACTS[0], name: "MNQZ6", description: "Micro E-mini Nasdaq-100: December 2026", tickSize: 0.25, tickValue: 0.5,
    activeContract: true, symbolId: "F.US.MNQ", underlying: "NQ", basePrice: 21_500, feePerSide: 0.1
  },
  {
    id: CONTRACTS[1], name: "MESZ6", description: "Micro E-mini S&P 500: December 2026", tickSize: 0.25, tickValue: 1.25,
    activeContract: true, symbolId: "F.US.MES", underlying: "ES", basePrice: 6_000, feePerSide: 0.1
  },
  {
    id: CONTRACTS[2], name: "MNQH7", description: "Micro E-mini Nasdaq-100: March 2027", tickSize: 0.25, tickValue: 0.5,
    activeContract: true, symbolId: "F.US.MNQ", underlying: "NQ", basePrice: 21_700, feePerSide: 0.1
  }
]

/** The simulator of a session: the demo user with the three accounts, a wake and hub pings every minute. */
export const simulatorOptions = (seed: number): SimulatorOptions.Options => ({
  seed,
  users: [{
    userName: SimulatorOptions.defaultUserName,
    apiKey: SimulatorOptions.defaultApiKey,
    accounts: ACCOUNTS.map((id, i) => ({ id, name: `SIM-CHAOS-${i + 1}`, balance: 50_000 }))
  }],
  contracts,
  wakeInterval: "1 minute",
  hubPingInterval: "1 minute"
})

/** The daemon's config of a session: the simulator, an in-memory store and token, the daily loss limit on the three accounts. */
export const configOf = AppConfig.decode("chaos", {
  api: { baseUrl: Simulator.baseUrl, allowInsecure: true },
  authentication: { storage: { type: "memory" } },
  signalr: {
    hubs: { userHubUrl: `${Simulator.baseUrl}/hubs/user`, marketHubUrl: `${Simulator.baseUrl}/hubs/market` },
    health: { pingInterval: 60_000, staleThreshold: 150_000 }
  },
  stateReconciliation: { periodicIntervalMs: 600_000 },
  tradingDay: { checkIntervalMs: 600_000 },
  database: { path: ":memory:" },
  logging: { level: "WARNING", resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } },
  risk: { accounts: [...ACCOUNTS], defaults: { dailyLossLimit: { amount: LIMIT } } }
})

/**
 * The rules' options of a session: each account's engine evaluates on every change of its slice of the state
 * (events, quotes) and when a position's quote turns stale (then every 5 s while it stays stale) as in production,
 * and on a timer once a simulated minute instead of every second (the timer then only matters to clock rules, and
 * a tick a second would be most of the wall time of a simulated day).
 */
export const guardOptions: Guard.Options = { engine: { interval: "1 minute" } }

/** The hub faults in force all session long: drops, stalls, lost events, reconnects refused after a drop. */
const hubPlan: FaultPlan.HubFaults = {
  dropConnection: { probability: 0.002, error: "chaos: connection dropped" },
  stallConnection: { probability: 0.0005, durationMillis: 60_000 },
  loseEvents: { probability: 0.003 },
  refuseReconnect: { probability: 0.3, durationMillis: 15_000, afterDrop: true }
}

const int = (r: () => number, min: number, max: number) => min + Math.floor(r() * (max - min + 1))

interface Counters {
  ok: number
  refused: number
  revoked: number
  failed: number
  /** Simulated millis of the last token expiry or forced logout (the gateway revoked the daemon's token). */
  revokedAt: number
  r429: number
  r5xx: number
  errors: number
  warnings: number
}

/** Counts the daemon's error and warning lines (printing none of them). */
const countingLogger = (c: Counters) =>
  Logger.make(({ logLevel }) => {
    if (logLevel._tag === "Error" || logLevel._tag === "Fatal") c.errors++
    else if (logLevel._tag === "Warning") c.warnings++
  })

/** An account's working orders and open positions. */
interface Live {
  readonly openOrders: ReadonlyArray<Models.Order>
  readonly positions: ReadonlyArray<Models.Position>
}

interface PendingBreach {
  readonly account: number
  readonly contract: string
  at: number
  readonly scripted: boolean
  /** A scripted breach: the position is opened first, the price pinned `pinAt`. */
  pinAt: number | undefined
}

/** Runs one session on `options.clock` and returns its figures. */
export const session = (options: SessionOptions): Effect.Effect<Figures, CommandFailed> =>
  Effect.suspend(() => {
    const c: Counters = { ok: 0, refused: 0, revoked: 0, failed: 0, revokedAt: -Infinity, r429: 0, r5xx: 0, errors: 0, warnings: 0 }
    return run(options, c).pipe(
      Effect.scoped,
      Effect.provide(Logger.replace(Logger.defaultLogger, countingLogger(c))),
      Effect.withClock(options.clock.clock)
    )
  })

const run = (options: SessionOptions, c: Counters) =>
  Effect.gen(function*() {
    const r = Seeds.prng(options.seed)
    const config = yield* Effect.orDie(configOf)

    // the simulator, and the daemon over it through counting transports
    const simContext = yield* Layer.build(Simulator.layerInProcess(simulatorOptions(options.seed)))
    const sim = Context.get(simContext, Simulator.Simulator)
    const http = HttpClient.tap(Context.get(simContext, HttpClient.HttpClient), (res) =>
      Effect.sync(() => {
        if (res.status === 429) c.r429++
        else if (res.status >= 500) c.r5xx++
      }))
    const hubs: InProcessTransport.InProcessHubServer = {
      connect: (hub, token, connectOptions) =>
        sim.hubs.connect(hub, token, connectOptions).pipe(Effect.tapBoth({
          onFailure: (e) =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              if (e._tag === "HubRefused") c.refused++
              else {
                c.failed++
                if (now - c.revokedAt <= REVOKED_WINDOW) c.revoked++
              }
            }),
          onSuccess: () => Effect.sync(() => c.ok++)
        }))
    }
    const platform = Layer.mergeAll(
      Layer.succeed(HttpClient.HttpClient, http),
      InProcessTransport.layer(hubs),
      TokenManager.Credentials.layer(SimulatorOptions.defaultUserName, SimulatorOptions.defaultApiKey)
    )
    const ctx = yield* Layer.build(Runtime.layerWithRules(config, guardOptions).pipe(Layer.provide(platform))).pipe(
      Effect.mapError((e) =>
        new CommandFailedError({ message: `tradeguard chaos: start-up failed at ${Daemon.stepOf(e)}: ${e.message}`, code: 1 })
      )
    )
    const user = Context.get(ctx, HubConnection.UserHub)
    const market = Context.get(ctx, HubConnection.MarketHub)
    const state = Context.get(ctx, AccountState.AccountState)
    const reconciler = Context.get(ctx, StateReconciler.StateReconciler)
    const locks = Context.get(ctx, Locks.Locks)
    const gateway = Context.get(ctx, ResilientGateway.ResilientGateway)

    // what reaches the daemon
    const events = yield* user.subscribeEvents
    const deliveries = new Map<number, number>()
    let liveEvents = 0
    let reconciledEvents = 0
    // live events by simulated minute (counted when taken in, at the step that took them)
    let minuteStart = 0
    let minuteEvents = 0
    let busiest = { start: 0, events: 0 }
    const countMinute = (now: number) => {
      const m = now - (now % 60_000)
      if (m === minuteStart) return
      if (minuteEvents > busiest.events) busiest = { start: minuteStart, events: minuteEvents }
      minuteStart = m
      minuteEvents = 0
    }
    const drain = Effect.map(Queue.takeAll(events), (chunk) => {
      for (const e of chunk) {
        if (e.reconciled) reconciledEvents++
        else {
          liveEvents++
          minuteEvents++
        }
        if (e._tag === "Trade") deliveries.set(e.trade.id, (deliveries.get(e.trade.id) ?? 0) + 1)
      }
    })
    const reports: Array<StateReconciler.Report> = []
    yield* Effect.forkScoped(Stream.runForEach(reconciler.reports, (x) => Effect.sync(() => reports.push(x))))

    // the fault plan: the hub faults always, REST windows on top
    const disturbances: Record<string, number> = {}
    const note = (kind: string) => void (disturbances[kind] = (disturbances[kind] ?? 0) + 1)
    let serverErrorsUntil = 0
    let dropRepliesUntil = 0
    let planKey = ""
    let faultsOn = true
    const applyPlan = (now: number) => {
      const errors = faultsOn && now < serverErrorsUntil
      const drops = faultsOn && now < dropRepliesUntil
      const key = `${faultsOn}${errors}${drops}`
      if (key === planKey) return Effect.void
      planKey = key
      const plan: FaultPlan.FaultPlan = faultsOn
        ? {
          seed: options.seed + now,
          hub: hubPlan,
          ...(errors ? { serverErrors: { probability: 0.7, status: 503 as const } } : {}),
          ...(drops ? { dropReply: { probability: 0.5 } } : {})
        }
        : {}
      return sim.setFaults(plan)
    }

    // the bots: another front-end trading each account
    const owner = yield* Effect.orDie(sim.exchange.ownerOf(ACCOUNTS[0]))
    let botOrders = 0
    let botCancels = 0
    let botModifies = 0
    /** Places an order from the other front-end: its id, undefined when the gateway refused it. */
    const place = (accountId: number, contractId: string, side: 0 | 1, size: number, limitPrice?: number) =>
      Effect.map(
        Effect.either(sim.exchange.place(owner, {
          accountId,
          contractId,
          type: limitPrice === undefined ? Enums.OrderType.Market : Enums.OrderType.Limit,
          side,
          size,
          ...(limitPrice === undefined ? {} : { limitPrice })
        })),
        (placed) => {
          botOrders++
          return placed._tag === "Right" ? placed.right : undefined
        }
      )
    const netOf = (t: { readonly positions: ReadonlyArray<Models.Position> }) =>
      t.positions.reduce((n, p) => n + (p.type === Enums.PositionType.Long ? p.size : -p.size), 0)
    const flatten = (accountId: number, contractId: string) =>
      Effect.gen(function*() {
        const t = yield* live(accountId)
        for (const o of t.openOrders) {
          yield* Effect.either(sim.exchange.cancel(owner, { accountId, orderId: o.id }))
          botCancels++
        }
        const net = netOf(t)
        if (net !== 0) yield* place(accountId, contractId, net > 0 ? Enums.OrderSide.Ask : Enums.OrderSide.Bid, Math.abs(net))
      })
    /** The working orders and open positions of an account (cheap reads, not the whole history). */
    const live = (accountId: number): Effect.Effect<Live> =>
      Effect.orDie(Effect.zipWith(
        sim.exchange.searchOpenOrders(owner, { accountId }),
        sim.exchange.searchOpenPositions(owner, { accountId }),
        (openOrders, positions) => ({ openOrders, positions })
      ))
    /** When each bot gives back the lot it took at the market. */
    const heldUntil = new Map<number, number>()
    /**
     * What a bot knows of its account and its market: read, then kept up to date with what it did itself (the ids
     * of the orders it placed, the ones it cancelled). Like a front-end's screen it is read again `BOT_VIEW` later,
     * after a market order, or when a move was refused (an order filled or cancelled meanwhile, as a trader sees it).
     */
    interface BotView {
      readonly at: number
      readonly q: Exchange.FullQuote
      readonly net: number
      readonly working: Array<{ readonly id: number; readonly side: number }>
    }
    const views = new Map<number, BotView>()
    const viewOf = (i: number, now: number) =>
      Effect.gen(function*() {
        const accountId = ACCOUNTS[i]!
        const v = views.get(accountId)
        if (v !== undefined && now - v.at < BOT_VIEW) return v
        const t = yield* live(accountId)
        const fresh: BotView = {
          at: now,
          q: yield* Effect.orDie(sim.exchange.quote(CONTRACTS[i]!)),
          net: netOf(t),
          working: t.openOrders.map((o) => ({ id: o.id, side: o.side }))
        }
        views.set(accountId, fresh)
        return fresh
      })
    /**
     * A bot is a retail scalper: a few times an hour it takes one lot at the market and gives it back a minute or
     * two later; the rest of the time it works resting orders well away from the market (places, moves, cancels
     * them), which fill only on a large move. Spread and fees cost a round trip about a dollar, so a day of it
     * stays far inside the loss limit, and the accounts keep the pace all day (the breaches are scripted).
     */
    const botAct = (i: number, now: number) =>
      Effect.gen(function*() {
        const accountId = ACCOUNTS[i]!
        const contractId = CONTRACTS[i]!
        const spec = contracts[i]!
        const { net, q, working } = yield* viewOf(i, now)
        const reread = <A, E>(e: Effect.Effect<A, E>) => Effect.ensuring(e, Effect.sync(() => views.delete(accountId)))
        if (net !== 0 && now >= (heldUntil.get(accountId) ?? 0)) {
          return yield* reread(place(accountId, contractId, net > 0 ? Enums.OrderSide.Ask : Enums.OrderSide.Bid, Math.abs(net)))
        }
        const x = r()
        if (x < SCALP) {
          if (net !== 0) return
          heldUntil.set(accountId, now + int(r, 20, 180) * 1000)
          return yield* reread(place(accountId, contractId, r() < 0.5 ? Enums.OrderSide.Bid : Enums.OrderSide.Ask, 1))
        }
        // a bracket 0.3 % to 1 % of the price away on each side (a stop and a target, not quotes), worked as a pair
        const awayOf = () => Math.round((q.lastPrice * (0.003 + 0.007 * r())) / spec.tickSize) * spec.tickSize
        const priceOf = (side: number) =>
          side === Enums.OrderSide.Bid ? (q.bestBid ?? q.lastPrice) - awayOf() : (q.bestAsk ?? q.lastPrice) + awayOf()
        if (working.length === 0 || (x < 0.45 && working.length <= 2)) {
          for (const side of [Enums.OrderSide.Bid, Enums.OrderSide.Ask]) {
            const id = yield* place(accountId, contractId, side, 1, priceOf(side))
            if (id === undefined) views.delete(accountId)
            else working.push({ id, side })
          }
          return
        }
        const first = int(r, 0, working.length - 1)
        const pair = working.length === 1 ? [working[0]!] : [working[first]!, working[(first + 1) % working.length]!]
        if (x < 0.8) {
          for (const o of pair) {
            const done = yield* Effect.either(sim.exchange.modify(owner, { accountId, orderId: o.id, limitPrice: priceOf(o.side) }))
            if (done._tag === "Left") views.delete(accountId)
            botModifies++
          }
          return
        }
        for (const o of pair) {
          const done = yield* Effect.either(sim.exchange.cancel(owner, { accountId, orderId: o.id }))
          if (done._tag === "Left") views.delete(accountId)
          else working.splice(working.indexOf(o), 1)
          botCancels++
        }
      })

    // the oracle: the day's PnL from the ground truth (balance since the day started, open positions at the touch)
    const dayStart = new Map<number, number>()
    let nextRoll = 0
    const rollDay = (now: number) =>
      now < nextRoll ? Effect.void : Effect.gen(function*() {
        nextRoll = TradingDay.next(now, config.tradingDay)
        for (const a of yield* sim.exchange.accounts(owner, false)) dayStart.set(a.id, a.balance)
      })
    /** The accounts' balances, read once per look of the oracle (not once per account). */
    let balances: ReadonlyMap<number, number> | undefined
    const balanceOf = (accountId: number) =>
      balances !== undefined
        ? Effect.succeed(balances.get(accountId) ?? 0)
        : Effect.map(sim.exchange.accounts(owner, false), (all) => {
          balances = new Map(all.map((a) => [a.id, a.balance]))
          return balances.get(accountId) ?? 0
        })
    const dayPnl = (i: number) =>
      Effect.gen(function*() {
        const accountId = ACCOUNTS[i]!
        const positions = yield* Effect.orDie(sim.exchange.searchOpenPositions(owner, { accountId }))
        const balance = yield* balanceOf(accountId)
        const spec = contracts[i]!
        let unrealized = 0
        for (const p of positions) {
          const q = yield* Effect.orDie(sim.exchange.quote(p.contractId))
          const long = p.type === Enums.PositionType.Long
          const mark = long ? q.bestBid ?? q.lastPrice : q.bestAsk ?? q.lastPrice
          unrealized += ((long ? mark - p.averagePrice : p.averagePrice - mark) / spec.tickSize) * spec.tickValue * p.size
          unrealized -= spec.feePerSide * p.size
        }
        return balance - (dayStart.get(accountId) ?? balance) + unrealized
      })
    const isFlat = (accountId: number) =>
      Effect.map(live(accountId), (t) => t.positions.every((p) => p.size === 0) && t.openOrders.length === 0)

    // breaches: pending until flat and locked (or the bound passes)
    const breaches: Array<Breach> = []
    const pending = new Map<number, PendingBreach>()
    const seenLocks = new Set<string>()
    const startBreach = (i: number, now: number) =>
      Effect.gen(function*() {
        const accountId = ACCOUNTS[i]!
        if (pending.has(accountId) || (yield* locks.active(accountId)) !== undefined) return
        // a breach locks its account for the rest of the trading day: one account always keeps trading (the pace
        // comes from it), so a breach that would stop the last one is left out
        let stopped = 0
        for (const a of ACCOUNTS) if (pending.has(a) || (yield* locks.active(a)) !== undefined) stopped++
        if (stopped >= ACCOUNTS.length - 1) return void note("Breach left out (last trading account)")
        yield* flatten(accountId, CONTRACTS[i]!)
        yield* place(accountId, CONTRACTS[i]!, Enums.OrderSide.Bid, BREACH_SIZE)
        note("Breach")
        // the daemon gets a few seconds to see the position and subscribe its quotes; then the market drops
        pending.set(accountId, { account: accountId, contract: CONTRACTS[i]!, at: now, scripted: true, pinAt: now + 5_000 })
      })
    /**
     * A pending breach is decided once the account is locked and flat at the simulator: its time to flat runs to
     * the moment it became flat by the gateway's records (or the lock, if later), not to when this check looked.
     */
    const decide = (p: PendingBreach, now: number) =>
      Effect.gen(function*() {
        const accountId = p.account
        const lock = yield* locks.active(accountId)
        const done = lock !== undefined && (yield* isFlat(accountId))
        if (!done && now - p.at <= ENFORCE_BOUND) return
        if (lock !== undefined) seenLocks.add(`${accountId}:${lock.since}`)
        const flatAt = done ? Math.max(flatSince(yield* Effect.orDie(sim.exchange.peek(accountId)), p.at, now), lock.since) : now
        breaches.push({
          account: accountId,
          at: p.at,
          scripted: p.scripted,
          timeToFlat: done ? flatAt - p.at : undefined,
          faults: faultsDuring(faultWindows, p.at, flatAt)
        })
        pending.delete(accountId)
        if (p.scripted) yield* Effect.orDie(sim.exchange.setPrice(p.contract, undefined))
      })
    const checkBreaches = (now: number, oracle: boolean) =>
      pending.size === 0 && !oracle ? Effect.void : Effect.gen(function*() {
        balances = undefined
        if (pending.size > 0) yield* noteRandomStalls(now)
        for (let i = 0; i < ACCOUNTS.length; i++) {
          const accountId = ACCOUNTS[i]!
          const p = pending.get(accountId)
          if (p === undefined && !oracle) continue
          if (p?.pinAt !== undefined && now >= p.pinAt) {
            const spec = contracts[i]!
            const pnl = yield* dayPnl(i)
            const t = yield* live(accountId)
            const net = Math.max(1, netOf(t))
            const loss = LIMIT + 150 + Math.max(0, pnl)
            const ticks = Math.ceil(loss / net / spec.tickValue)
            const q = yield* Effect.orDie(sim.exchange.quote(p.contract))
            yield* Effect.orDie(sim.exchange.setPrice(p.contract, (q.bestBid ?? q.lastPrice) - ticks * spec.tickSize))
            p.pinAt = undefined
            p.at = now
            continue
          }
          if (p !== undefined && p.pinAt === undefined) {
            yield* decide(p, now)
            continue
          }
          if (p !== undefined) continue
          // a lock the daemon set before the oracle saw the breach: a breach too, timed from the lock
          const lock = yield* locks.active(accountId)
          if (lock !== undefined) {
            const key = `${accountId}:${lock.since}`
            if (!seenLocks.has(key)) {
              seenLocks.add(key)
              const found: PendingBreach = { account: accountId, contract: CONTRACTS[i]!, at: lock.since, scripted: false, pinAt: undefined }
              pending.set(accountId, found)
              // looked at now, not at the next check (a minute later in quiet time)
              yield* decide(found, now)
            }
            continue
          }
          if ((yield* dayPnl(i)) < -(LIMIT + MARGIN)) {
            const found: PendingBreach = { account: accountId, contract: CONTRACTS[i]!, at: now, scripted: false, pinAt: undefined }
            pending.set(accountId, found)
            yield* decide(found, now)
          }
        }
      })

    /** The faults the schedule applied, as windows of simulated time (what was in force during a breach). */
    const faultWindows: Array<FaultWindow> = []
    const window = (kind: string, from: number, millis: number) => void faultWindows.push({ kind, from, until: from + millis })
    /**
     * A hub the plan's random per-event faults stalled (the schedule's stalls have their own window) is a fault in
     * force too: looked at each second while a breach is pending.
     */
    const noteRandomStalls = (now: number) =>
      Effect.map(sim.hubs.connections, (connections) => {
        const scheduled = faultsDuring(faultWindows, now, now)
        for (const hub of ["user", "market"] as const) {
          if (!connections.some((c) => c.hub === hub && c.stalled)) continue
          if (scheduled.some((k) => k.startsWith(`${hub} hub stall (`))) continue
          window(`${hub} hub stalled (random fault)`, now - 1_000, 1_000)
        }
      })
    const disturb = (d: Disturbance, now: number) =>
      Effect.gen(function*() {
        switch (d._tag) {
          case "ServerErrors":
            serverErrorsUntil = now + d.seconds * 1000
            window(`5xx burst (${d.seconds} s)`, now, d.seconds * 1000)
            note(d._tag)
            return
          case "DropReplies":
            dropRepliesUntil = now + d.seconds * 1000
            window(`dropped replies (${d.seconds} s)`, now, d.seconds * 1000)
            note(d._tag)
            return
          case "RatePressure": {
            note(d._tag)
            pressureReads += d.reads
            window("429 pressure", now, 60_000)
            for (let k = 0; k < d.reads; k++) {
              const accountId = ACCOUNTS[k % ACCOUNTS.length]
              const read: Effect.Effect<unknown, unknown> = k % 4 === 0
                ? gateway.positionSearchOpen({ accountId })
                : k % 4 === 1
                ? gateway.orderSearchOpen({ accountId })
                : k % 4 === 2
                ? gateway.accountSearch({ onlyActiveAccounts: true })
                : gateway.tradeSearch({ accountId, startTimestamp: Models.timestampFromMillis(Math.max(0, now - 3_600_000)) })
              yield* Effect.forkScoped(Effect.ignore(read))
            }
            return
          }
          case "TokenExpiry":
            note(d._tag)
            c.revokedAt = now
            window("token expiry", now, 60_000)
            yield* sim.auth.expireTokens(SimulatorOptions.defaultUserName)
            yield* sim.hubs.checkTokens
            return
          case "ForcedLogout":
            note(d._tag)
            c.revokedAt = now
            window("forced logout", now, 60_000)
            yield* sim.auth.forceLogout(SimulatorOptions.defaultUserName)
            return
          case "HubDrop":
            note(`HubDrop ${d.hub}`)
            window(`${d.hub} hub drop`, now, 15_000)
            yield* sim.hubs.drop({ hub: d.hub }, { error: "chaos: operator drop" })
            return
          case "HubStall":
            note(`HubStall ${d.hub}`)
            window(`${d.hub} hub stall (${d.seconds} s)`, now, d.seconds * 1000)
            yield* sim.hubs.stall({ hub: d.hub }, `${d.seconds} seconds`)
            return
          case "Breach":
            return yield* startBreach(d.account, now)
        }
      })
    let pressureReads = 0

    // one simulated step: move the clock, let every fiber run, take in what arrived
    const tick = (millis: number) =>
      Effect.gen(function*() {
        yield* options.clock.advance(millis)
        yield* drain
      })

    // the day: the clock moves from one thing to do to the next (a bot's action, a disturbance, the oracle's
    // look every 10 s, a new minute's intensity), a second at a time while a breach is being enforced
    const start = yield* Clock.currentTimeMillis
    const end = start + Math.round(options.hours * 3_600_000)
    yield* rollDay(start)
    yield* applyPlan(start)
    const plan = scheduleOf({ seed: options.seed, hours: options.hours, accounts: ACCOUNTS.length }).flatMap((hour, h) =>
      hour.events.map((e) => ({ at: start + h * 3_600_000 + e.at * 1000, disturbance: e.disturbance }))
    )
    let nextDisturbance = 0
    let intensity = 1
    let nextMinute = start
    let nextOracle = start
    let nextAction = Infinity
    let steps = 0
    /** The next bot action after `from`: a Poisson process at the pace times the minute's intensity. */
    const drawAction = (from: number) => {
      const perSecond = (options.pace * intensity) / EVENTS_PER_ACTION
      return from + Math.max(1, Math.round((-Math.log(1 - r()) / perSecond) * 1000))
    }
    for (let now = start; now < end;) {
      const target = Math.min(
        end,
        nextAction,
        nextMinute,
        plan[nextDisturbance]?.at ?? Infinity,
        pending.size > 0 ? now + 1000 : nextOracle
      )
      if (target > now) yield* tick(target - now)
      else yield* drain
      now = target
      steps++
      countMinute(now)
      yield* applyPlan(now)
      yield* rollDay(now)
      while (nextDisturbance < plan.length && plan[nextDisturbance]!.at <= now) yield* disturb(plan[nextDisturbance++]!.disturbance, now)
      if (now >= nextMinute) {
        intensity = intensityOf(r())
        nextMinute = now + 60_000
        nextAction = drawAction(now)
      }
      if (now >= nextAction) {
        // the bots of the accounts that may trade (not locked, no breach under way) keep the pace between them
        const locked = yield* locks.all
        const trading: Array<number> = []
        for (let i = 0; i < ACCOUNTS.length; i++) {
          if (!pending.has(ACCOUNTS[i]!) && !locked.has(ACCOUNTS[i]!)) trading.push(i)
        }
        if (trading.length > 0) yield* botAct(trading[Math.floor(r() * trading.length)]!, now)
        nextAction = drawAction(now)
      }
      const oracle = now >= nextOracle
      if (oracle) nextOracle = now + 10_000
      yield* checkBreaches(now, oracle)
    }

    if (minuteEvents > busiest.events) busiest = { start: minuteStart, events: minuteEvents }
    const dayEvents = liveEvents

    // quiet: the faults off, every pending breach decided, one reconciliation interval for the daemon to catch up
    faultsOn = false
    yield* applyPlan(yield* Clock.currentTimeMillis)
    for (let k = 0; k < 120 && pending.size > 0; k++) {
      yield* tick(5_000)
      yield* checkBreaches(yield* Clock.currentTimeMillis, false)
    }
    for (const p of pending.values()) breaches.push({ account: p.account, at: p.at, scripted: p.scripted, timeToFlat: undefined })
    for (const contract of CONTRACTS) yield* Effect.orDie(sim.exchange.setPrice(contract, undefined))
    const quiet = config.stateReconciliation.periodicIntervalMs + 60_000
    for (let t = 0; t < quiet; t += 10_000) yield* tick(10_000)
    yield* sim.exchange.advance
    yield* settle
    yield* state.settle
    yield* drain

    // the figures
    const snapshot = yield* state.get
    const differences: Record<string, ReadonlyArray<string>> = {}
    let trades = 0
    let duplicateTags = 0
    const truthTradeIds: Array<number> = []
    for (const accountId of ACCOUNTS) {
      const t = yield* Effect.orDie(sim.exchange.peek(accountId))
      const dayFrom = TradingDay.startOf(yield* Clock.currentTimeMillis, config.tradingDay)
      const todays = t.trades.filter((x) => Date.parse(x.creationTimestamp) >= dayFrom)
      const truth = AccountPicture.of(t.account, t.openOrders, t.positions, todays)
      const expected = options.groundTruth === undefined ? truth : options.groundTruth(truth)
      differences[String(accountId)] = AccountPicture.differences(AccountPicture.ofSnapshot(snapshot, accountId), expected)
      trades += t.trades.length
      truthTradeIds.push(...t.trades.map((x) => x.id))
      const tags = new Map<string, number>()
      const entries = new Map<string, number>()
      for (const o of t.orders) {
        if (o.customTag === undefined || o.customTag === null || o.customTag === "") continue
        tags.set(o.customTag, (tags.get(o.customTag) ?? 0) + 1)
        const parsed = OrderIntent.parseTag(o.customTag)
        if (Option.isSome(parsed) && parsed.value.leg === undefined) {
          entries.set(parsed.value.key, (entries.get(parsed.value.key) ?? 0) + 1)
        }
      }
      for (const n of [...tags.values(), ...entries.values()]) if (n > 1) duplicateTags += n - 1
    }
    const missed: Record<string, number> = {}
    for (const x of reports) for (const [k, n] of Object.entries(x.missed)) if (n > 0) missed[k] = (missed[k] ?? 0) + n
    const userHealth = yield* user.health
    const marketHealth = yield* market.health
    disturbances["stale detections"] = userHealth.staleDetections + marketHealth.staleDetections
    disturbances["reconnects"] = userHealth.reconnects + marketHealth.reconnects
    return {
      seed: options.seed,
      hours: options.hours,
      accounts: [...ACCOUNTS],
      simulatedSeconds: (end - start) / 1000,
      pace: options.pace,
      steps,
      instants: options.clock.instants(),
      busiestMinute: busiest,
      dayEvents,
      botOrders,
      botCancels,
      botModifies,
      liveEvents,
      reconciledEvents,
      trades,
      tradesDelivered: truthTradeIds.filter((id) => deliveries.has(id)).length,
      duplicateTrades: [...deliveries.values()].filter((n) => n > 1).length,
      duplicateTags,
      reconciliations: reports.length,
      missed,
      received429: c.r429,
      received5xx: c.r5xx,
      pressureReads,
      differences,
      breaches,
      connects: { ok: c.ok, refused: c.refused, revoked: c.revoked, failed: c.failed },
      disturbances,
      errorLogs: c.errors,
      warningLogs: c.warnings
    } satisfies Figures
  })
