/**
 * The enforcement-latency bench's harness runs end to end (loopback simulator, the real SignalR
 * client, the pump, the guard) and measures: a small run, no timing asserted.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Harness from "../bench/harness.js"
import { quantile, report } from "../bench/report.js"

describe("enforcement bench", () => {
  it("measures a breach closed by the guard for every sample, and closes nothing else", async () => {
    const result = await Effect.runPromise(
      Harness.run({ accounts: 3, positions: 2, rate: 200, samples: 3, warmup: 1, gapMs: 5, timeoutMs: 10_000 })
    )
    expect(result.enforcement.length).toBe(3)
    expect(result.bare.length).toBe(3)
    expect(result.missed).toBe(0)
    expect(result.bareMissed).toBe(0)
    expect(result.extraRequests).toBe(0)
    expect(result.openAtEnd).toBe(6)
    expect(result.quotes.published).toBeGreaterThan(0)
    expect(result.quotes.received).toBeGreaterThan(0)
    const lines = report(result, { cpus: 2, node: "v20" })
    expect(lines.some((l) => l.includes("bare SignalR client"))).toBe(true)
    expect(lines.some((l) => l.startsWith("p99 "))).toBe(true)
  }, 120_000)

  it("a breaching quote alone is seen in every contract, fractional tick sizes included (no pump quote after it)", async () => {
    // With 4 accounts, M2K's (tick 0.1) highest entry is 2401.2 and the breaching bid exactly $3,000 under it
    // 1801.2: float arithmetic read a loss of 2999.99999..., so no request came until a later quote went one tick
    // further (with the pump: some milliseconds later; without it: never)
    const result = await Effect.runPromise(
      Harness.run({ accounts: 4, positions: 3, rate: 0, samples: 3, warmup: 0, gapMs: 5, timeoutMs: 3_000 })
    )
    expect(result.missed).toBe(0)
    expect(result.enforcement.length).toBe(3)
    expect(result.openAtEnd).toBe(12)
  }, 120_000)

  it("takes the nearest-rank quantile", () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3)
    expect(quantile([5, 1, 4, 2, 3], 0.99)).toBe(5)
    expect(Number.isNaN(quantile([], 0.5))).toBe(true)
  })
})
