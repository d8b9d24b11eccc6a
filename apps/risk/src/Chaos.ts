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
 * Time: each simulated hour has one trading burst ({@link Options.burstSeconds}, default 2 minutes) stepped a
 * second at a time; the rest of the hour is quiet time (no bot trades) moved through in one-minute steps, during
 * which hub pings, token refresh, periodic reconciliation and the trading-day roll still run. The figures say
 * how many seconds were active and idle. The rules' engines evaluate on every state change and on a one-minute
 * timer (instead of one second).
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
  /** Seconds of trading burst per simulated hour (default 120); the rest of each hour is quiet. */
  readonly burstSeconds?: number | undefined
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
 * The default trading burst per simulated hour, seconds.
 *
 * @since 0.3.0
 */
export const defaultBurstSeconds = 120

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
      burstSeconds: options.burstSeconds ?? defaultBurstSeconds,
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
  const active = Math.max(1, f.activeSeconds)
  const disturbances = Object.entries(f.disturbances).map(([k, n]) => `${k} ${n}`).join(", ")
  return [
    `tradeguard chaos: seed ${f.seed}, ${f.hours} simulated hour(s), accounts ${f.accounts.join(", ")}; ` +
    `wall time ${(report.wallMillis / 1000).toFixed(1)} s`,
    `time: ${f.activeSeconds} s of trading bursts stepped by the second, ${f.idleSeconds} s quiet (stepped by the minute)`,
    `traffic: ${f.botOrders} bot orders, ${f.botCancels} bot cancels; ${f.liveEvents} user-hub events live ` +
    `(${(f.liveEvents / active).toFixed(2)}/s in the bursts), ${f.reconciledEvents} delivered by ${f.reconciliations} reconciliations`,
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
