/**
 * Wall time of ONE simulated trading day under TestClock, the whole stack on
 * the in-process simulator (`TestStack.layer`): the 23-hour CME session
 * 17:00-16:00 America/Chicago, both hubs connected, the user hub subscribed
 * to the demo account, the market hub to MNQ quotes, and a few orders an
 * hour through ResilientGateway (a market buy, a resting limit that fills or
 * is cancelled, a market sell). Time is moved with `TestStack.advance` (steps
 * of the simulator's wake interval).
 *
 * The same day runs, in the same process, with:
 *
 * 1. `fast`: `TestStack.fastSettings` (pings and wake every 10 minutes);
 * 2. `wake 1 minute`: the library defaults with the simulator's
 *    `wakeInterval: "1 minute"`, as the simulator README used to advise;
 * 3. `defaults`: the library and simulator defaults (1 s wake, 15 s / 30 s
 *    pings); a whole day takes minutes, so it runs `--default-hours` hours
 *    (default 1) and the day is extrapolated from them (said in the table).
 *
 * Every run ends with the cached picture compared with the ground truth
 * (a mismatch fails the bench). Run: `npx tsc -b packages/testing && node
 * packages/testing/dist/bench/tradingDay.js` (the package's `bench` script).
 * Options: `--hours n` (session hours of runs 1 and 2, default 23),
 * `--default-hours n`, `--only fast`.
 */
import { Enums } from "@tradeguard/gateway"
import { HubConnection, Subscription } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import { performance } from "node:perf_hooks"
import * as TestStack from "../src/TestStack.js"

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const hours = Number(arg("hours") ?? 23)
const defaultHours = Number(arg("default-hours") ?? 1)
const only = arg("only")

/** 17:00 America/Chicago (CST, UTC-6) on Sunday 1 March 2026: the session's open. */
const SESSION_OPEN = Date.UTC(2026, 2, 1, 23, 0, 0)
const ACCOUNT = TestStack.demoAccountId
const MNQ = "CON.F.US.MNQ.Z26"

/** One session of `sessionHours`: 3 orders an hour, time moved by `TestStack.advance`. */
const day = (sessionHours: number) =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    const market = yield* HubConnection.MarketHub
    const sim = yield* Simulator.Simulator
    yield* TestStack.subscribeAccount(ACCOUNT)
    yield* Effect.orDie(market.subscribe(Subscription.contractQuotes(MNQ)))
    const place = (request: Omit<Parameters<typeof gateway.orderPlace>[0], "accountId" | "contractId">) =>
      Effect.orDie(gateway.orderPlace({ accountId: ACCOUNT, contractId: MNQ, ...request }))
    let orders = 0
    for (let h = 0; h < sessionHours; h++) {
      const { bestBid } = yield* Effect.orDie(sim.exchange.quote(MNQ))
      yield* place({ type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size: 1 })
      const limit = yield* place({ type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice: bestBid - 4 })
      orders += 2
      yield* TestStack.advance("30 minutes")
      const open = yield* Effect.orDie(gateway.orderSearchOpen({ accountId: ACCOUNT }))
      if (open.orders.some((o) => o.id === limit.orderId)) {
        yield* Effect.orDie(gateway.orderCancel({ accountId: ACCOUNT, orderId: limit.orderId }))
      }
      const positions = yield* Effect.orDie(gateway.positionSearchOpen({ accountId: ACCOUNT }))
      const size = positions.positions.find((p) => p.contractId === MNQ)?.size ?? 0
      if (size > 0) {
        yield* place({ type: Enums.OrderType.Market, side: Enums.OrderSide.Ask, size })
        orders++
      }
      yield* TestStack.advance("30 minutes")
    }
    const comparison = yield* TestStack.compare(ACCOUNT)
    return { orders, trades: comparison.truth.trades.length, differences: comparison.differences }
  })

interface Run {
  readonly name: string
  readonly hours: number
  readonly millis: number
  readonly orders: number
  readonly trades: number
}

const run = (name: string, sessionHours: number, options: TestStack.Options): Promise<Run> => {
  const started = performance.now()
  return Effect.runPromise(
    Effect.gen(function*() {
      yield* TestClock.setTime(SESSION_OPEN)
      const result = yield* day(sessionHours).pipe(Effect.provide(TestStack.layer(options)))
      if (result.differences.length > 0) {
        return yield* Effect.dieMessage(`${name}: AccountState differs from the simulator:\n${result.differences.join("\n")}`)
      }
      return { name, hours: sessionHours, millis: performance.now() - started, orders: result.orders, trades: result.trades }
    }).pipe(
      Effect.scoped,
      Effect.provide(TestContext.TestContext),
      Logger.withMinimumLogLevel(LogLevel.Warning)
    )
  )
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

const main = async () => {
  const simulator = { seed: 7 }
  const runs: Array<Run> = [await run("fast (TestStack.fastSettings)", hours, { simulator })]
  if (only !== "fast") {
    runs.push(await run("wake 1 minute (old README)", hours, { fast: false, simulator: { ...simulator, wakeInterval: "1 minute" } }))
    runs.push(await run("defaults (1 s wake)", defaultHours, { fast: false, simulator }))
  }
  const fast = runs[0]!
  const perDay = (r: Run) => (r.millis / r.hours) * 23
  console.log(`one simulated trading day (23 h, 17:00-16:00 America/Chicago) under TestClock, node ${process.version}`)
  console.log("settings                         | hours run | orders | trades | wall time | per sim. hour | per 23 h day | vs fast")
  for (const r of runs) {
    const measured = r.hours === 23 ? "" : " (extrapolated)"
    console.log(
      `${r.name.padEnd(32)} | ${String(r.hours).padStart(9)} | ${String(r.orders).padStart(6)} | ${String(r.trades).padStart(6)} | ` +
        `${seconds(r.millis).padStart(9)} | ${seconds(r.millis / r.hours).padStart(13)} | ` +
        `${(seconds(perDay(r)) + measured).padStart(12)} | ${(perDay(r) / perDay(fast)).toFixed(1)}x`
    )
  }
  const target = perDay(fast) < 10_000 ? "met" : "MISSED"
  console.log(`target: one fast simulated day under 10 s: ${target} (${seconds(perDay(fast))})`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
