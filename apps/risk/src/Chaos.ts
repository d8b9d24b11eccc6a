/**
 * `tradeguard chaos --seed <n> --hours <h>`: a simulated trading session of random faults, in-process. The whole
 * daemon (`Runtime.layerWithRules` with an in-memory SQLite store and the rules) runs against the in-process
 * simulator in simulated time (a discrete-event Clock: TestClock's real-timer polling at every wake-up would make a
 * simulated day take half an hour), while bots trade three accounts from another front-end and a seeded
 * schedule injects hub drops and stalls, lost events, 5xx bursts, 429 pressure (read floods through the daemon's
 * own limiter), dropped replies, token expiry, forced logouts and daily-loss breaches. Then it judges six
 * invariants from what it measured ({@link Invariant}): duplicates 0, lost events 0, 429 received 0, state equals
 * the ground truth, every breach enforced (with the slowest time to flat), reconnection success rate above 99 %.
 *
 * Pace: the bots trade all session long at {@link Options.pace} user-hub events a simulated second on average
 * (default {@link defaultPace}): their actions are a Poisson process whose rate changes every minute (most
 * minutes calm, some busy, a few bursts of 5×). Each bot is a retail scalper: a few times an hour it takes one lot
 * at the market and gives it back a minute or two later; in between it works a bracket of resting orders well away
 * from the market (places, moves and cancels them in pairs), which fill only on a large move. Spread and fees cost
 * it about a dollar a round trip, so its own trading stays far inside the daily loss limit and the breaches are the
 * schedule's. A locked account is flat and stays locked; the bots of the others take up its share of the pace
 * (a scheduled breach never stops the last trading account, so the pace holds all day). What is counted as an
 * event: every order, trade, position and account
 * update the daemon's user hub delivered live (quotes and what reconciliations recovered are not). The report
 * prints the total, the average over the simulated time and the busiest minute beside the wall time.
 *
 * Time: the driver moves the clock straight to the next thing to do (a bot action, a disturbance, the oracle's
 * look every 10 s, a new minute), a second at a time while a breach is being enforced; the daemon's own timers
 * (hub pings, token refresh, periodic reconciliation, the trading-day roll) fire on the way. The rules' engines
 * evaluate on every state change and on a one-minute timer (instead of one second).
 *
 * @example
 * ```ts
 * import { Chaos } from "@tradeguard/risk"
 * import * as Effect from "effect/Effect"
 *
 * const report = await Effect.runPromise(Chaos.run({ seed: 1, hours: 1 }))
 * console.log(Chaos.format(report).join("\n"), report.passed)
 * ```
 *
 * @since 0.3.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { AccountPicture } from "@tradeguard/realtime"
import * as SimulatedClock from "./internal/chaosClock.js"
import * as Pace from "./internal/chaosPace.js"
import * as Figures from "./internal/chaosFigures.js"
import { CommandFailed } from "./internal/commandFailed.js"
import { session } from "./internal/chaosSession.js"

/**
 * One invariant of a session: its name, its figure as printed, and whether it holds.
 *
 * @since 0.3.0
 */
export type Invariant = Figures.Invariant

/**
 * What a session measured (traffic, faults, breaches, hub connects, the final comparison).
 *
 * @since 0.3.0
 */
export type SessionFigures = Figures.Figures

/**
 * The invariants judged from a session's figures, in print order (pure: a test can doctor the figures).
 *
 * @since 0.3.0
 */
export const invariantsOf: (figures: SessionFigures) => ReadonlyArray<Invariant> = Figures.invariantsOf

/**
 * What {@link run} is run with.
 *
 * @since 0.3.0
 */
export interface Options {
  /** Seeds the simulator, the bots and the fault schedule: one seed, one session. */
  readonly seed: number
  /** Simulated hours (fractions allowed). */
  readonly hours: number
  /** User-hub events a simulated second, on average over the session (default {@link defaultPace}). */
  readonly pace?: number | undefined
  /** Test hook: what the final comparison takes as an account's ground truth (to prove a mismatch fails the run). */
  readonly groundTruth?: ((picture: AccountPicture.Picture) => AccountPicture.Picture) | undefined
}

/**
 * A session's outcome: its figures, the invariants, whether all hold, and the wall time it took.
 *
 * @since 0.3.0
 */
export interface Report {
  readonly figures: SessionFigures
  readonly invariants: ReadonlyArray<Invariant>
  readonly passed: boolean
  /** Wall-clock milliseconds of the session (real Clock). */
  readonly wallMillis: number
}

/**
 * A retail trader's pace, user-hub events a second on average (with bursts).
 *
 * @since 0.3.0
 */
export const retailPace = Pace.retailPace

/**
 * The default pace, user-hub events a simulated second: a retail trader's ({@link retailPace}), kept all day
 * (about 170,000 events in 24 simulated hours; the `pace:` line prints what was achieved and the events per wall
 * second).
 *
 * @since 0.3.0
 */
export const defaultPace = Pace.defaultPace

/**
 * Runs a session under its own TestClock (whatever Clock the caller has) and judges it. Fails only when the
 * daemon cannot start (a {@link CommandFailed} naming the step).
 *
 * @since 0.3.0
 */
export const run = (options: Options): Effect.Effect<Report, CommandFailed> =>
  Effect.gen(function*() {
    const wall = yield* Effect.clock
    const started = wall.unsafeCurrentTimeMillis()
    const figures = yield* session({
      seed: options.seed,
      hours: options.hours,
      pace: options.pace ?? defaultPace,
      clock: SimulatedClock.make(0),
      groundTruth: options.groundTruth
    })
    const invariants = invariantsOf(figures)
    return {
      figures,
      invariants,
      passed: invariants.every((i) => i.holds),
      wallMillis: wall.unsafeCurrentTimeMillis() - started
    }
  })

/**
 * The report as printed: a header, the traffic and the faults, one `PASS`/`FAIL` line per invariant, the verdict.
 *
 * @since 0.3.0
 */
export const format = (report: Report): ReadonlyArray<string> => {
  const f = report.figures
  const seconds = Math.max(1, f.simulatedSeconds)
  const minute = Math.floor(f.busiestMinute.start / 60_000)
  const busiest = `${Math.floor(minute / 60)}:${String(minute % 60).padStart(2, "0")}`
  const disturbances = Object.entries(f.disturbances).map(([k, n]) => `${k} ${n}`).join(", ")
  return [
    `tradeguard chaos: seed ${f.seed}, ${f.hours} simulated hour(s), accounts ${f.accounts.join(", ")}; ` +
    `wall time ${(report.wallMillis / 1000).toFixed(1)} s`,
    `time: ${f.simulatedSeconds} simulated s of trading in ${f.steps} steps (${f.instants} clock instants)`,
    `pace: ${f.dayEvents} user-hub events live in the trading time (order, trade, position and account updates; ` +
    `quotes not counted), ${(f.dayEvents / seconds).toFixed(2)}/s on average (asked ${f.pace}/s), ` +
    `busiest minute ${busiest} (h:mm into the session) with ${f.busiestMinute.events} (${(f.busiestMinute.events / 60).toFixed(2)}/s); ` +
    `${((f.dayEvents / Math.max(1, report.wallMillis)) * 1000).toFixed(0)} events per wall second`,
    `traffic: ${f.botOrders} bot orders, ${f.botModifies} moved, ${f.botCancels} cancelled; ${f.liveEvents} user-hub events live in all, ` +
    `${f.reconciledEvents} delivered by ${f.reconciliations} reconciliations`,
    `faults: ${disturbances}; ${f.received5xx} 5xx received; ${f.errorLogs} error and ${f.warningLogs} warning log lines`,
    ...report.invariants.map((i) => `${i.holds ? "PASS" : "FAIL"} ${i.name}: ${i.figure}`),
    report.passed ? "chaos: every invariant holds" : `chaos: ${report.invariants.filter((i) => !i.holds).length} invariant(s) FAILED`
  ]
}

/**
 * `tradeguard chaos`: {@link run}, the {@link format}ted report on stdout; fails with exit code 1 when an
 * invariant does not hold.
 *
 * @since 0.3.0
 */
export const command = (options: Options): Effect.Effect<Report, CommandFailed> =>
  Effect.gen(function*() {
    const report = yield* run(options)
    for (const line of format(report)) yield* Console.log(line)
    if (!report.passed) {
      return yield* new CommandFailed({
        message: `tradeguard chaos: seed ${options.seed}: ${report.invariants.filter((i) => !i.holds).map((i) => i.name).join(", ")} failed`,
        code: 1
      })
    }
    return report
  })
