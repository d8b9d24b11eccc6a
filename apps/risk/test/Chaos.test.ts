/**
 * `tradeguard chaos`: a short session in-process whose invariants hold; the same with a doctored ground truth,
 * which must fail the command (exit 1); and the CI acceptance, `tradeguard chaos --seed 1 --hours 24` through the
 * CLI's main, in-process. The judging, the schedule and the simulated clock are tested on their own too.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Chaos from "../src/Chaos.js"
import * as Cli from "../src/Cli.js"
import * as SimulatedClock from "../src/internal/chaosClock.js"
import { scheduleOf } from "../src/internal/chaosSchedule.js"
import { captured } from "./utils/console.js"

/** Figures of a session where everything holds. */
const good: Chaos.SessionFigures = {
  seed: 1,
  hours: 1,
  accounts: [100001, 100002, 100003],
  simulatedSeconds: 3600,
  pace: 2,
  steps: 3000,
  instants: 300,
  dayEvents: 40,
  busiestMinute: { start: 60_000, events: 12 },
  botOrders: 10,
  botCancels: 2,
  botModifies: 3,
  liveEvents: 40,
  reconciledEvents: 3,
  trades: 8,
  tradesDelivered: 8,
  duplicateTrades: 0,
  duplicateTags: 0,
  reconciliations: 4,
  missed: { trades: 1 },
  received429: 0,
  received5xx: 2,
  pressureReads: 100,
  differences: { "100001": [], "100002": [], "100003": [] },
  breaches: [{ account: 100001, at: 1000, scripted: true, timeToFlat: 2000 }],
  connects: { ok: 200, refused: 3, revoked: 2, failed: 1 },
  disturbances: { Breach: 1 },
  errorLogs: 0,
  warningLogs: 3
}

const failing = (f: Chaos.SessionFigures) => Chaos.invariantsOf(f).filter((i) => !i.holds).map((i) => i.name)

describe("Chaos", () => {
  it("judges each invariant from the figures", () => {
    assert.deepStrictEqual(failing(good), [])
    assert.deepStrictEqual(failing({ ...good, duplicateTrades: 1 }), ["duplicates"])
    assert.deepStrictEqual(failing({ ...good, duplicateTags: 2 }), ["duplicates"])
    assert.deepStrictEqual(failing({ ...good, tradesDelivered: 7 }), ["lost events"])
    assert.deepStrictEqual(failing({ ...good, received429: 1 }), ["429 received"])
    assert.deepStrictEqual(failing({ ...good, differences: { ...good.differences, "100002": ["a", "b", "c", "d"] } }), [
      "state equals ground truth"
    ])
    assert.deepStrictEqual(
      failing({ ...good, breaches: [...good.breaches, { account: 100002, at: 5, scripted: false, timeToFlat: undefined }] }),
      ["every breach enforced"]
    )
    assert.deepStrictEqual(failing({ ...good, breaches: [] }), ["every breach enforced"], "a session without a breach proves nothing")
    assert.deepStrictEqual(failing({ ...good, connects: { ok: 98, refused: 50, revoked: 0, failed: 2 } }), ["reconnection success rate"])
    assert.deepStrictEqual(failing({ ...good, connects: { ok: 0, refused: 0, revoked: 0, failed: 0 } }), [])
    const state = Chaos.invariantsOf({ ...good, differences: { "100001": ["x", "y", "z", "w"] } }).find((i) => i.name === "state equals ground truth")!
    assert.include(state.figure, "100001: x; y; z (+1)")
  })

  it("the schedule: one per started hour, events inside the hour, a breach in the first hour, replayed by seed", () => {
    const a = scheduleOf({ seed: 7, hours: 5.5, accounts: 3 })
    assert.strictEqual(a.length, 6)
    assert.deepStrictEqual(a, scheduleOf({ seed: 7, hours: 5.5, accounts: 3 }))
    assert.notDeepEqual(a, scheduleOf({ seed: 8, hours: 5.5, accounts: 3 }))
    assert.isTrue(a[0]!.events.some((e) => e.disturbance._tag === "Breach"))
    for (const [h, hour] of a.entries()) {
      assert.strictEqual(hour.seconds, h === 5 ? 1800 : 3600)
      for (const e of hour.events) assert.isBelow(e.at, hour.seconds)
    }
    const short = scheduleOf({ seed: 1, hours: 0.01, accounts: 3 })
    assert.strictEqual(short[0]!.seconds, 36, "the last hour is cut to a short session")
  })

  it.live("the simulated clock wakes sleepers in time order, skips cancelled ones, and moves only when advanced", () =>
    Effect.gen(function*() {
      const sim = SimulatedClock.make(1000)
      const woke: Array<string> = []
      const sleeper = (name: string, ms: number) =>
        Effect.withClock(Effect.zipRight(Effect.sleep(ms), Effect.sync(() => void woke.push(`${name}@${sim.now()}`))), sim.clock)
      yield* Effect.forkDaemon(sleeper("b", 2000))
      yield* Effect.forkDaemon(sleeper("a", 500))
      yield* Effect.forkDaemon(sleeper("zero", 0))
      const cancelled = yield* Effect.forkDaemon(sleeper("never", 700))
      yield* SimulatedClock.settle
      assert.deepStrictEqual(woke, ["zero@1000"])
      yield* cancelled.interruptAsFork(cancelled.id())
      yield* SimulatedClock.settle
      yield* sim.advance(1000)
      assert.deepStrictEqual(woke, ["zero@1000", "a@1500"])
      assert.strictEqual(sim.now(), 2000)
      assert.strictEqual(yield* Effect.withClock(Effect.clockWith((c) => c.currentTimeMillis), sim.clock), 2000)
      assert.strictEqual(sim.clock.unsafeCurrentTimeMillis(), 2000)
      assert.strictEqual(sim.clock.unsafeCurrentTimeNanos(), 2_000_000_000n)
      assert.strictEqual(yield* sim.clock.currentTimeNanos, 2_000_000_000n)
      yield* sim.advance(5000)
      assert.deepStrictEqual(woke, ["zero@1000", "a@1500", "b@3000"])
      assert.strictEqual(sim.instants(), 2, "the cancelled sleeper is no instant")
    }))

  it.live("a simulated hour of chaos (seed 1, a retail trader's pace): every invariant holds, with breaches, faults and traffic to show for it", () =>
    Effect.gen(function*() {
      const report = yield* Chaos.run({ seed: 1, hours: 1, pace: Chaos.retailPace })
      const text = Chaos.format(report).join("\n")
      assert.isTrue(report.passed, text)
      const f = report.figures
      assert.isAtLeast(f.breaches.length, 1, text)
      assert.isAbove(f.dayEvents / f.simulatedSeconds, 1.5, `about 2 events/s on average: ${text}`)
      assert.isAbove(f.busiestMinute.events / 60, 4, `bursts well above the average: ${text}`)
      assert.match(text, /pace: \d+ user-hub events live/)
      assert.isAbove(f.connects.ok, 2, "the hubs reconnected after drops")
      assert.isAbove(f.reconciliations, 1)
      assert.match(text, /PASS duplicates: 0/)
      assert.match(text, /PASS every breach enforced: (\d+) of \1/)
      assert.match(text, /chaos: every invariant holds/)
    }), { timeout: 300_000 })

  it.live("a doctored ground truth fails the state invariant, and the command exits non-zero", () =>
    Effect.gen(function*() {
      const doctored = Chaos.command({
        seed: 2,
        hours: 0.05,
        groundTruth: (p) => ({ ...p, trades: [...p.trades, { id: -1 }] })
      })
      const [exit, lines] = yield* captured(Effect.exit(doctored))
      assert.strictEqual(exit._tag, "Failure")
      assert.isTrue(lines.out.some((l) => l.startsWith("FAIL state equals ground truth: 0 of 3 accounts")), lines.out.join("\n"))
      assert.isTrue(lines.out.some((l) => /invariant\(s\) FAILED/.test(l)))
      const code = yield* Cli.report(doctored).pipe(captured, Effect.map(([c]) => c))
      assert.strictEqual(code, 1)
    }), { timeout: 300_000 })

  it.effect("`tradeguard chaos --help` says what is simulated and how time passes; a bad option is a usage error", () =>
    Effect.gen(function*() {
      const run = (...args: ReadonlyArray<string>) =>
        captured(Cli.main(["node", "tradeguard", "chaos", ...args])).pipe(Effect.provide(NodeContext.layer))
      const [code, lines] = yield* run("--help")
      const help = lines.out.join("\n")
      assert.strictEqual(code, 0)
      assert.include(help, "--seed integer")
      assert.include(help, "--hours")
      assert.include(help, "--pace")
      assert.include(help, "all session long")
      const [bad] = yield* run("--hours", "many")
      assert.strictEqual(bad, 2)
    }))

  it.live("CI acceptance: `tradeguard chaos --seed 1 --hours 24` passes", () =>
    Effect.gen(function*() {
      const [code, lines] = yield* captured(Cli.main(["node", "tradeguard", "chaos", "--seed", "1", "--hours", "24"])).pipe(
        Effect.provide(NodeContext.layer)
      )
      const text = [...lines.out, ...lines.err].join("\n")
      assert.strictEqual(code, 0, text)
      assert.match(text, /24 simulated hour\(s\)/)
      assert.match(text, /chaos: every invariant holds/)
      const pace = Number(/, ([\d.]+)\/s on average \(asked 2\/s\)/.exec(text)?.[1])
      assert.isAbove(pace, 1.5, "the bots keep a retail trader's pace all day (breaches lock accounts, not the day)")
      console.log(text)
    }), { timeout: 600_000 })
})
