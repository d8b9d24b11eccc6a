import { assert, describe, it } from "@effect/vitest"
import * as Readiness from "../src/Readiness.js"
import { escalationsAfter } from "../src/internal/opsHandlers.js"

const now = Date.UTC(2026, 11, 2, 15, 0, 0)
const running = (over: Partial<Readiness.Snapshot> = {}): Readiness.Snapshot => ({
  ...Readiness.phaseOnly({ _tag: "Running" }, now),
  hubs: [
    { hub: "user", state: "Connected", failingSubscriptions: [], lastError: undefined },
    { hub: "market", state: "Connected", failingSubscriptions: [], lastError: undefined }
  ],
  breakers: [{ group: "orders", state: "Closed", halfOpensAt: undefined }],
  engine: { _tag: "Ok" },
  token: { expiresAt: now + 3600_000, refreshDueAt: now + 1000 },
  database: { available: true },
  ...over
})
const codes = (s: Readiness.Snapshot) => Readiness.evaluate(s).reasons.map((r) => r.code)

describe("Readiness", () => {
  it("is ready when running and nothing is degraded", () => {
    assert.deepStrictEqual(Readiness.evaluate(running()), { ready: true, reasons: [] })
  })

  it("says starting, with the step, until the start-up sequence is done, and while stopping", () => {
    assert.deepStrictEqual(Readiness.evaluate(running({ phase: { _tag: "Starting", step: "hubs" } })), {
      ready: false,
      reasons: [{ code: "starting", detail: "hubs" }]
    })
    assert.deepStrictEqual(Readiness.evaluate(Readiness.phaseOnly({ _tag: "Stopping" }, now)).reasons, [
      { code: "starting", detail: "stopping" }
    ])
  })

  it("names a hub that is down and a subscription that fails", () => {
    const r = Readiness.evaluate(running({
      hubs: [
        { hub: "user", state: "Reconnecting", failingSubscriptions: [], lastError: "503 refused" },
        { hub: "market", state: "Connected", failingSubscriptions: ["SubscribeContractQuotes(CON.F.US.MNQ.Z26)"], lastError: undefined }
      ],
      // the engine's own hub-down reason is not repeated
      engine: { _tag: "Degraded", reasons: ["465: user hub down since 2026-12-02T14:59:00.000Z"] }
    }))
    assert.isFalse(r.ready)
    assert.deepStrictEqual(r.reasons, [
      { code: "hub_down", detail: "user hub Reconnecting: 503 refused" },
      { code: "subscription_failing", detail: "market hub refuses SubscribeContractQuotes(CON.F.US.MNQ.Z26)" }
    ])
  })

  it("names an open circuit and until when", () => {
    const r = Readiness.evaluate(running({
      breakers: [
        { group: "orders", state: "Open", halfOpensAt: now + 60_000 },
        { group: "reads", state: "HalfOpen", halfOpensAt: undefined },
        { group: "auth", state: "Closed", halfOpensAt: undefined }
      ]
    }))
    assert.deepStrictEqual(r.reasons, [
      { code: "breaker_open", detail: "orders circuit Open until 2026-12-02T15:01:00.000Z" },
      { code: "breaker_open", detail: "reads circuit HalfOpen" }
    ])
  })

  it("reports the engine's untrusted data as quotes_stale", () => {
    const r = Readiness.evaluate(running({
      engine: { _tag: "Degraded", reasons: ["465: quote of CON.F.US.MNQ.Z26 is 31000 ms old, no fallback price"] }
    }))
    assert.deepStrictEqual(r.reasons, [
      { code: "quotes_stale", detail: "465: quote of CON.F.US.MNQ.Z26 is 31000 ms old, no fallback price" }
    ])
  })

  it("reports a missing, expired or overdue token", () => {
    assert.deepStrictEqual(codes(running({ token: { expiresAt: undefined, refreshDueAt: undefined } })), ["token_refresh_failing"])
    assert.include(
      Readiness.evaluate(running({ token: { expiresAt: now - 1, refreshDueAt: now - 10 } })).reasons[0]!.detail,
      "expired"
    )
    assert.deepStrictEqual(
      codes(running({ token: { expiresAt: now + 1000_000, refreshDueAt: now - Readiness.refreshGraceMillis - 1 } })),
      ["token_refresh_failing"]
    )
    // a renewal just due is in progress, not failing
    assert.deepStrictEqual(codes(running({ token: { expiresAt: now + 1000_000, refreshDueAt: now - 1000 } })), [])
  })

  it("passes extra reasons through, in the order of the codes", () => {
    const r = Readiness.evaluate(running({
      database: { available: false, error: "SQLITE_BUSY" },
      escalations: [{ accountId: 465, at: now, remaining: "1 position open" }],
      extra: [{ code: "session_conflict", detail: "GatewayLogout: 1 conflict in 10 min" }],
      breakers: [{ group: "orders", state: "Open", halfOpensAt: undefined }]
    }))
    assert.deepStrictEqual(r.reasons.map((x) => x.code), [
      "breaker_open",
      "session_conflict",
      "enforcement_escalated",
      "database_unavailable"
    ])
    assert.include(r.reasons[2]!.detail, "account 465")
    assert.strictEqual(r.reasons[3]!.detail, "SQLITE_BUSY")
    assert.deepStrictEqual(codes(running({ database: { available: false } })), ["database_unavailable"])
    assert.deepStrictEqual(codes(running({ extra: [{ code: "hub_down", detail: "x" }] })), ["hub_down"])
  })

  it("is a closed set of codes", () => {
    assert.deepStrictEqual([...Readiness.codes], [
      "starting",
      "hub_down",
      "subscription_failing",
      "breaker_open",
      "quotes_stale",
      "token_refresh_failing",
      "session_conflict",
      "enforcement_escalated",
      "database_unavailable"
    ])
  })

  it("remembers an escalation until that account's enforcement is verified", () => {
    const empty = new Map<number, Readiness.Escalation>()
    const one = escalationsAfter(empty, { _tag: "Escalated", id: "e1", accountId: 465, at: now, remaining: "1 position" })
    assert.deepStrictEqual([...one.keys()], [465])
    assert.strictEqual(escalationsAfter(one, { _tag: "Started", id: "e2", accountId: 465, rule: "r", resumed: false }), one)
    assert.strictEqual(
      escalationsAfter(one, { _tag: "Verified", id: "e3", accountId: 7, at: now, final: { positions: 0, workingOrders: 0 } as never }),
      one
    )
    const none = escalationsAfter(one, { _tag: "Verified", id: "e4", accountId: 465, at: now, final: {} as never })
    assert.strictEqual(none.size, 0)
  })
})
