/**
 * `tradeguard demo`: the real daemon (`tradeguard run --simulator` with a demo config: two accounts, a daily
 * loss limit of $500) against the embedded simulator on loopback, and a scripted session around it:
 *
 * 1. a bot, "another front-end" with its own login and plain REST calls, trades both accounts;
 * 2. the user hub is dropped and refused for 2 s while the bot places an order: reconnect, resubscribe,
 *    reconciliation finds what the hub missed;
 * 3. a burst of 503s on the reads the reconciler makes: retries, the circuit opens, half-opens, closes;
 * 4. 429 pressure: 30 history requests at once through the daemon's rate limiter (demo limit 10 per second);
 * 5. every token of the demo user expires: the daemon and the bot log in again;
 * 6. the price of MNQ falls 100 points under the bot's 5 MNQ on the first account: the daily loss limit is
 *    breached, the daemon flattens the account and locks it;
 * 7. the other front-end places a resting and a market order on the locked account: the daemon cancels the
 *    first and flattens the second (the gateway cannot be told to refuse orders; the daemon undoes them).
 *
 * Every hub state, event, reconciliation, breaker transition, rule decision and enforcement step is one timeline
 * line with its time since the start (`+12.3s`). The run ends with a summary and its invariants (duplicates 0,
 * 429 received 0, the breached account flat and locked, the other account untouched, the daemon's picture equal
 * to the simulator's); the exit code is 1 when one fails.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { Enums, Models } from "@tradeguard/gateway"
import { AccountState, HubConnection, HubEvent, StateReconciler } from "@tradeguard/realtime"
import { CircuitBreaker, RateLimiter, ResilientGateway, TokenManager } from "@tradeguard/resilience"
import { Enforcer, Locks, RiskEngine } from "@tradeguard/rules"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as YAML from "yaml"
import * as Daemon from "./Daemon.js"
import { CommandFailed } from "./internal/commandFailed.js"
import * as Bot from "./internal/demoBot.js"
import * as Report from "./internal/demoReport.js"

/**
 * What the demo is run with.
 *
 * @since 0.1.0
 */
export interface DemoOptions {
  /** Seeds the bot's order sizes. */
  readonly seed: number
}

/** The daily loss limit of the demo config, $. */
const dailyLoss = 500

/**
 * The demo's config.yaml (as a value): both simulator accounts under a $500 daily loss limit, short waits
 * (reconnect delays, breaker timeout, history window) so the whole run takes under a minute, the token file and
 * the database in `dir`. `tradeguard run --simulator` points it at the embedded simulator.
 *
 * @since 0.3.0
 */
export const demoConfig = (dir: string) => ({
  api: { baseUrl: "http://127.0.0.1", timeout: 5000 },
  authentication: { storage: { type: "encrypted", path: path.join(dir, "token.enc") } },
  errorHandling: {
    retries: { maxAttempts: 3, backoffBase: 200, maxBackoffMs: 1000 },
    rateLimit: { history: { requests: 10, windowSeconds: 1 } },
    circuitBreaker: { failureThreshold: 5, timeout: 2000, halfOpenRequests: 1 }
  },
  signalr: {
    reconnection: { delays: [0, 500, 1000, 2000] },
    hubs: { userHubUrl: "http://127.0.0.1/hubs/user", marketHubUrl: "http://127.0.0.1/hubs/market" }
  },
  stateReconciliation: { minInterval: 500 },
  database: { path: path.join(dir, "tradeguard.db") },
  logging: { level: "WARNING" },
  risk: { accounts: [100001, 100002], defaults: { dailyLossLimit: { amount: dailyLoss } } }
})

/** The reads the reconciler makes: the 5xx burst hits these only (the bot's orders go through). */
const reads = ["accountSearch", "orderSearch", "orderSearchOpen", "positionSearchOpen", "tradeSearch"]

/** The sum of the daemon's `tradeguard_ratelimit_paused_total` counters: one per 429 it received. */
const paused429 = Effect.map(Metric.snapshot, (pairs) =>
  pairs.filter((p) => p.metricKey.name === "tradeguard_ratelimit_paused_total")
    .reduce((n, p) => n + Number((p.metricState as unknown as { readonly count: number }).count), 0))

/** The scripted session over a started daemon; returns the summary. */
const session = (started: Daemon.Started, seed: number, say: (text: string) => Effect.Effect<void>, t0: number) =>
  Effect.gen(function*() {
    const ctx = started.context
    const userHub = Context.get(ctx, HubConnection.UserHub)
    const marketHub = Context.get(ctx, HubConnection.MarketHub)
    const reconciler = Context.get(ctx, StateReconciler.StateReconciler)
    const state = Context.get(ctx, AccountState.AccountState)
    const enforcer = Context.get(ctx, Enforcer.Enforcer)
    const locks = Context.get(ctx, Locks.Locks)
    const gw = Context.get(ctx, ResilientGateway.ResilientGateway)
    const limiter = Context.get(ctx, RateLimiter.RateLimiter)
    const sql = Context.get(ctx, SqlClient.SqlClient)
    const [a, b] = [started.accounts[0]!, started.accounts[1]!]
    const step = (n: number, title: string) => say(`== ${n}. ${title}`)

    // The timeline: one line per thing the daemon reports.
    const reports = yield* Ref.make<Array<StateReconciler.Report>>([])
    const enforcements = yield* Ref.make<Array<Enforcer.Event>>([])
    const breaches = yield* Ref.make<Array<string>>([])
    const decisions = yield* Ref.make<ReadonlyMap<number, Report.Decision>>(new Map())
    const tokens = yield* Ref.make(0)
    const watch = <A>(stream: Stream.Stream<A>, line: (a: A) => Effect.Effect<void>) =>
      Effect.forkScoped(Stream.runForEach(stream, line))
    yield* watch(userHub.lifecycle, (e) => say(Report.describeLifecycle("user", e)))
    yield* watch(marketHub.lifecycle, (e) => say(Report.describeLifecycle("market", e)))
    yield* watch(Stream.filter(userHub.events, HubEvent.isUserEvent), (e) => say(`event ${Report.describeEvent(e)}`))
    yield* watch(reconciler.reports, (r) =>
      Effect.zipRight(Ref.update(reports, (rs) => [...rs, r]), say(StateReconciler.describe(r))))
    yield* watch(Context.get(ctx, CircuitBreaker.CircuitBreaker).changes, (t) => say(Report.describeTransition(t)))
    yield* watch(enforcer.events, (e) =>
      Effect.zipRight(Ref.update(enforcements, (es) => [...es, e]), say(Report.describeEnforcement(e))))
    yield* watch(Context.get(ctx, RiskEngine.RiskEngine).changes, (statuses) =>
      Effect.gen(function*() {
        const [next, lines] = Report.decisionLines(yield* Ref.get(decisions), statuses)
        yield* Ref.set(decisions, next)
        for (const l of lines) {
          if (l.includes("BREACHED")) yield* Ref.update(breaches, (bs) => [...bs, l])
          yield* say(l)
        }
      }))
    yield* watch(Stream.drop(Context.get(ctx, TokenManager.TokenManager).changes, 1), () =>
      Effect.zipRight(Ref.update(tokens, (n) => n + 1), say("daemon logged in again: new token")))
    yield* Effect.sleep("200 millis")
    const paused0 = yield* paused429

    const bot = yield* Bot.make(started.baseUrl)
    const mnq = yield* bot.contractId("F.US.MNQ")
    const mes = yield* bot.contractId("F.US.MES")
    const settle = Effect.sleep("1500 millis")
    const cached = (accountId: number, contractId: string) =>
      Effect.map(state.get, (s) => Report.positionSize(AccountState.openPositions(s, accountId), contractId))

    // 1
    const scalp = 1 + (seed % 3)
    yield* step(1, `the bot (another front-end, REST) trades: ${scalp} MNQ in and out on ${a}, 2 MES in, 1 out on ${b}`)
    yield* bot.place({ accountId: a, contractId: mnq, type: 2, side: 0, size: scalp })
    yield* bot.place({ accountId: b, contractId: mes, type: 2, side: 0, size: 2 })
    yield* settle
    yield* bot.place({ accountId: a, contractId: mnq, type: 2, side: 1, size: scalp })
    yield* bot.place({ accountId: b, contractId: mes, type: 2, side: 1, size: 1 })
    yield* Bot.waitUntil(Effect.map(cached(b, mes), (n) => n === 1), 10_000)

    // 2
    yield* step(2, "hub drop: the simulator drops the user hub and refuses it for 2 s; the bot places an order meanwhile")
    const reportsBefore = (yield* Ref.get(reports)).length
    yield* bot.admin("hub/refuse", { hub: "user", durationMillis: 2000 })
    yield* bot.admin("hub/drop", { hub: "user" })
    yield* Effect.sleep("300 millis")
    const entryB = Report.entryPrice(yield* bot.snapshot(b))
    const resting = yield* bot.place({ accountId: b, contractId: mes, type: 1, side: 0, size: 1, limitPrice: entryB - 100 })
    yield* say(`bot placed order ${resting.orderId} (${resting.customTag}) on ${b} while the user hub is down`)
    yield* Bot.waitUntil(Effect.map(Ref.get(reports), (rs) => rs.slice(reportsBefore).some((r) => r.trigger === "reconnect")), 15_000)
    const seen = HashMap.has((yield* state.get).orders, resting.orderId)
    yield* say(Report.checkLine.seen(resting.orderId, seen))

    // 3
    yield* step(3, "5xx burst: the next 5 reads of the reconciler answer 503")
    const beforeBurst = (yield* Ref.get(reports)).length
    yield* bot.admin("faults", { serverErrors: { probability: 1, status: 503, count: 5, endpoints: reads } })
    yield* reconciler.request("manual")
    yield* Bot.waitUntil(Effect.map(Ref.get(reports), (rs) => rs.length > beforeBurst), 20_000)
    yield* bot.admin("faults", {})

    // 4
    yield* step(4, "429 pressure: 30 history requests at once through the daemon's limiter (demo limit 10 per second)")
    const now = yield* Clock.currentTimeMillis
    const bars = yield* Effect.forEach(Array.from({ length: 30 }), () =>
      gw.historyRetrieveBars({
        contractId: mnq, live: false, startTime: Models.timestampFromMillis(now - 3_600_000), endTime: Models.timestampFromMillis(now),
        unit: Enums.AggregateBarUnit.Minute, unitNumber: 1, limit: 10, includePartialBar: false
      }).pipe(Effect.either), { concurrency: "unbounded" })
    const rejected429 = bars.filter((r) => Either.isLeft(r) && r.left._tag === "RateLimited").length
    const maxWaitMillis = (yield* limiter.stats).maxWaitMillis
    yield* say(`${bars.filter((r) => r._tag === "Right").length} of ${bars.length} completed, ${rejected429} answered 429; ` +
      `longest wait in the limiter ${Math.round(maxWaitMillis)} ms`)

    // 5
    yield* step(5, "token expiry: the simulator expires every token of the demo user")
    const tokensBefore = yield* Ref.get(tokens)
    yield* bot.admin("expiretokens", { userName: "demo" })
    yield* reconciler.reconcile("manual").pipe(Effect.ignore)
    yield* Bot.waitUntil(Effect.map(Ref.get(tokens), (n) => n > tokensBefore), 10_000)

    // 6
    yield* step(6, `breach: the bot buys 5 MNQ on ${a}, then MNQ falls 100 points ($1000 > the $${dailyLoss} daily loss limit)`)
    yield* bot.place({ accountId: a, contractId: mnq, type: 2, side: 0, size: 5 })
    yield* Bot.waitUntil(Effect.map(bot.snapshot(a), (s) => s.positions.length > 0), 10_000)
    const entryA = Report.entryPrice(yield* bot.snapshot(a))
    yield* bot.admin("price", { contractId: mnq, price: entryA - 100 })
    const lockedAndFlat = Effect.zipWith(locks.active(a), bot.snapshot(a), (l, s) => l !== undefined && Report.isFlat(s))
    yield* Bot.waitUntil(lockedAndFlat, 15_000)
    yield* bot.admin("price", { contractId: mnq, price: null })

    // 7
    yield* step(7, `the other front-end trades the locked account ${a}: a resting order, then a market order`)
    const limit = yield* bot.place({ accountId: a, contractId: mnq, type: 1, side: 0, size: 1, limitPrice: entryA - 500 })
    const cancelled = yield* Bot.waitUntil(Effect.map(bot.snapshot(a), (s) => Report.isDone(s, limit.orderId)), 10_000)
    yield* say(Report.checkLine.cancelled(limit.orderId, cancelled))
    const market = yield* bot.place({ accountId: a, contractId: mnq, type: 2, side: 0, size: 1 })
    const flattened = yield* Bot.waitUntil(Effect.map(bot.snapshot(a), (s) => Report.isFilledAndFlat(s, market.orderId)), 10_000)
    yield* say(Report.checkLine.flattened(market.orderId, flattened))

    // The end: one more reconciliation, then the figures.
    yield* settle
    yield* reconciler.reconcile("manual").pipe(Effect.ignore)
    const attempts = yield* sql<{ custom_tag: string; idempotency_key: string }>`SELECT custom_tag, idempotency_key FROM order_attempts`
    return Report.summarize({
      seed,
      elapsedMillis: (yield* Clock.currentTimeMillis) - t0,
      botTags: yield* bot.sent,
      attempts,
      events: yield* Ref.get(enforcements),
      reports: yield* Ref.get(reports),
      breaches: yield* Ref.get(breaches),
      received429: (yield* paused429) - paused0 + rejected429,
      pressure: { requests: bars.length, completed: bars.filter((r) => r._tag === "Right").length, maxWaitMillis },
      reconnects: { user: (yield* userHub.health).reconnects, market: (yield* marketHub.health).reconnects },
      otherFrontEnd: { cancelled, flattened },
      locked: { accountId: a, snapshot: yield* bot.snapshot(a), lock: yield* locks.active(a) },
      other: { accountId: b, snapshot: yield* bot.snapshot(b), size: 1, restingOrderId: resting.orderId },
      picture: yield* state.get
    })
  })

/** Warnings and errors of the daemon as timeline lines. */
const timelineLogger = (t0: number) =>
  Logger.make(({ date, logLevel, message }) => {
    const line = Report.logLine(logLevel.label, message)
    if (line !== undefined) globalThis.console.log(Report.stamp(date.getTime() - t0, line))
  })

/**
 * Runs the demo: writes the demo config to a fresh directory, starts the daemon with the embedded simulator
 * (`Daemon.start({ config, simulator: true })`), runs the session, prints the summary; fails with exit code 1
 * when an invariant does not hold.
 *
 * @since 0.1.0
 */
export const run = (options: DemoOptions): Effect.Effect<void, CommandFailed> =>
  Effect.gen(function*() {
    const t0 = yield* Clock.currentTimeMillis
    const say = (text: string) => Effect.flatMap(Clock.currentTimeMillis, (now) => Console.log(Report.stamp(now - t0, text)))
    const file = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-demo-"))
        const file = path.join(dir, "config.yaml")
        fs.writeFileSync(file, YAML.stringify(demoConfig(dir)))
        return file
      }),
      (file) => Effect.sync(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }))
    )
    yield* say(`tradeguard demo (seed ${options.seed}): the daemon with the embedded simulator, config ${file} (removed at the end)`)
    const summary = yield* Effect.scoped(Effect.gen(function*() {
      const started = yield* Daemon.start({ config: file, simulator: true })
      yield* say(`daemon ready: guarding ${started.accounts.join(" and ")} (daily loss limit $${dailyLoss}), mode ${started.mode}`)
      const summary = yield* session(started, options.seed, say, t0)
      yield* say("stopping the daemon and the simulator")
      return summary
    })).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, timelineLogger(t0))))
    yield* say("stopped")
    yield* Report.conclude(summary)
  }).pipe(
    Effect.scoped,
    Effect.catchTags({
      DemoStepFailed: (e) => new CommandFailed({ message: `tradeguard demo: ${e.message}`, code: 1 }),
      SqlError: (e) => new CommandFailed({ message: `tradeguard demo: the database: ${e.message}`, code: 1 })
    }),
    Effect.provide(NodeFileSystem.layer),
    Effect.provide(NodeHttpClient.layerUndici)
  )
