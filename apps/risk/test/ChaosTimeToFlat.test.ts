import { assert, describe, it } from "@effect/vitest"
import * as Chaos from "../src/Chaos.js"
import { faultsDuring, flatSince } from "../src/internal/chaosFigures.js"

const iso = (millis: number) => new Date(millis).toISOString()

describe("chaos: time to flat", () => {
  it("is timed to when the gateway's records show the account became flat, not to when the harness looked", () => {
    const breachAt = 24_180_000
    const records = {
      orders: [
        { creationTimestamp: iso(breachAt - 90_000), updateTimestamp: iso(breachAt - 80_000) },
        // the flatten: sent 1.2 s after the breach, filled 2.9 s after it
        { creationTimestamp: iso(breachAt + 1_200), updateTimestamp: iso(breachAt + 2_900) }
      ],
      trades: [{ creationTimestamp: iso(breachAt + 2_900) }]
    }
    // the harness looked 74 s after the breach (a minute-long quiet step): still 2.9 s
    assert.strictEqual(flatSince(records, breachAt, breachAt + 74_000) - breachAt, 2_900)
    // flat already when the breach was seen (the daemon flattened at once): 0, never negative
    assert.strictEqual(flatSince({ orders: records.orders.slice(0, 1), trades: [] }, breachAt, breachAt + 60_000), breachAt)
    // a record stamped after the look does not count
    assert.strictEqual(flatSince(records, breachAt, breachAt + 2_000), breachAt + 1_200)
  })

  it("names the faults in force between the breach and flat", () => {
    const windows = [
      { kind: "5xx burst (28 s)", from: 2_183_000, until: 2_211_000 },
      { kind: "user hub stall (99 s)", from: 100_000, until: 199_000 },
      { kind: "5xx burst (28 s)", from: 2_190_000, until: 2_218_000 }
    ]
    assert.deepStrictEqual(faultsDuring(windows, 2_188_000, 2_190_909), ["5xx burst (28 s)"])
    assert.deepStrictEqual(faultsDuring(windows, 199_000, 200_000), [])
  })

  it("prints the slowest breach with its account and the faults in force meanwhile", () => {
    const figures = {
      seed: 1, hours: 1, accounts: [100001, 100002], simulatedSeconds: 3600, pace: 2, steps: 1, instants: 1, dayEvents: 0,
      busiestMinute: { start: 0, events: 0 }, botOrders: 0, botCancels: 0, botModifies: 0,
      liveEvents: 0, reconciledEvents: 0, trades: 0, tradesDelivered: 0, duplicateTrades: 0, duplicateTags: 0,
      reconciliations: 0, missed: {}, received429: 0, received5xx: 0, pressureReads: 0, differences: {},
      breaches: [
        { account: 100001, at: 1, scripted: true, timeToFlat: 2_909, faults: ["5xx burst (28 s)"] },
        { account: 100002, at: 1, scripted: false, timeToFlat: 0, faults: [] }
      ],
      connects: { ok: 1, refused: 0, revoked: 0, failed: 0 }, disturbances: {}, errorLogs: 0, warningLogs: 0
    } satisfies Chaos.SessionFigures
    const enforced = Chaos.invariantsOf(figures).find((i) => i.name === "every breach enforced")!
    assert.include(enforced.figure, "slowest time to flat 2.9 s (account 100001, during 5xx burst (28 s))")
    const healthy = Chaos.invariantsOf({ ...figures, breaches: [figures.breaches[1]!] }).find((i) => i.name === "every breach enforced")!
    assert.include(healthy.figure, "slowest time to flat 0.0 s (account 100002, no fault in force)")
  })
})
