import { assert, describe, it } from "@effect/vitest"
import { SqlError } from "@effect/sql/SqlError"
import { Database, EnforcementLog } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import * as Audit from "../src/Audit.js"

const layer = Audit.layer.pipe(Layer.provideMerge(EnforcementLog.layer), Layer.provideMerge(Database.layerMemory()))

const failing = new SqlError({ cause: new Error("disk I/O error"), message: "disk I/O error" })
const brokenStore = Audit.layer.pipe(Layer.provide(Layer.succeed(
  EnforcementLog.EnforcementLog,
  EnforcementLog.EnforcementLog.make({
    append: () => Effect.fail(failing),
    list: () => Effect.fail(failing),
    query: () => Effect.fail(failing)
  })
)))

/** Runs `effect` with a logger that keeps every message with its level and annotations. */
const logged = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
    const logger = Logger.make(({ annotations, logLevel, message }) => {
      lines.push({
        level: logLevel.label,
        message: String(Array.isArray(message) ? message[0] : message),
        annotations: Object.fromEntries(annotations)
      })
    })
    const a = yield* Effect.provide(effect, Logger.replace(Logger.defaultLogger, logger))
    return [a, lines] as const
  })

describe("Audit", () => {
  it.effect("a record keeps the rule, figures, each step with its request, outcome and timing, and the final state; listed typed", () =>
    Effect.gen(function*() {
      const audit = yield* Audit.Audit
      yield* TestClock.setTime(1_000)
      const [, lines] = yield* logged(audit.record({
        accountId: 7,
        rule: "dailyLossLimit",
        kind: "Verified",
        enforcementId: "7-x",
        reason: "day PnL -1012.50 <= -1000",
        figures: { dayPnl: -1012.5, marks: { MNQ: 21000.25 } },
        action: "Flatten",
        outcome: "Done",
        steps: [{ action: "cancel", request: { accountId: 7, orderId: 3 }, outcome: "Done", startedAt: 900, endedAt: 950 }],
        final: { flat: true, positions: [], workingOrders: [] }
      }))
      const [r] = yield* audit.list()
      assert.deepStrictEqual(r, {
        id: r!.id,
        at: 1_000,
        accountId: 7,
        rule: "dailyLossLimit",
        kind: "Verified",
        enforcementId: "7-x",
        reason: "day PnL -1012.50 <= -1000",
        figures: { dayPnl: -1012.5, marks: { MNQ: 21000.25 } },
        action: "Flatten",
        outcome: "Done",
        steps: [{ action: "cancel", request: { accountId: 7, orderId: 3 }, outcome: "Done", startedAt: 900, endedAt: 950 }],
        final: { flat: true, positions: [], workingOrders: [] }
      })
      // and to the logs, annotated
      const line = lines.find((l) => l.message.startsWith("audit Verified"))!
      assert.deepInclude(line.annotations, { account: 7, rule: "dailyLossLimit", action: "Flatten", outcome: "Done", enforcement: "7-x" })
    }).pipe(Effect.provide(layer)))

  it.effect("list by account and by time (since inclusive, until exclusive); an entry that is no audit record is skipped", () =>
    Effect.gen(function*() {
      const audit = yield* Audit.Audit
      for (const accountId of [1, 2, 1]) {
        yield* audit.record({ accountId, rule: "lock", kind: "Decision", reason: "r", outcome: "Started" })
        yield* TestClock.adjust(10)
      }
      yield* (yield* EnforcementLog.EnforcementLog).append({ accountId: 1, rule: "old", action: "flatten", detail: "not json" })
      const of = (q: Audit.Query) => Effect.map(audit.list(q), (rs) => rs.map((r) => [r.accountId, r.at]))
      assert.deepStrictEqual(yield* of({ accountId: 1 }), [[1, 0], [1, 20]])
      assert.deepStrictEqual(yield* of({ since: 10, until: 20 }), [[2, 10]])
      assert.deepStrictEqual(yield* of({ accountId: 1, since: 1 }), [[1, 20]])
      const [plain] = yield* audit.list({ accountId: 2 })
      assert.deepInclude(plain, { figures: {}, steps: [], final: undefined, action: undefined, enforcementId: undefined })
    }).pipe(Effect.provide(layer)))

  it.effect("an escalation logs at ERROR", () =>
    Effect.gen(function*() {
      const audit = yield* Audit.Audit
      const [, lines] = yield* logged(audit.record({ accountId: 1, rule: "r", kind: "Escalated", reason: "not flat", outcome: "Escalated" }))
      assert.deepInclude(lines.find((l) => l.message.startsWith("audit Escalated")), { level: "ERROR" })
    }).pipe(Effect.provide(layer)))

  it.effect("a store that fails: record does not fail (an ERROR log carries the record), list fails with AuditUnavailable", () =>
    Effect.gen(function*() {
      const audit = yield* Audit.Audit
      const [, lines] = yield* logged(audit.record({ accountId: 1, rule: "r", kind: "Action", reason: "x", outcome: "Done" }))
      const line = lines.find((l) => l.message.startsWith("audit record not stored"))!
      assert.strictEqual(line.level, "ERROR")
      assert.include(String(line.annotations.detail), "\"reason\":\"x\"")
      const error = yield* Effect.flip(audit.list())
      assert.strictEqual(error._tag, "AuditUnavailable")
      assert.include(error.message, "disk I/O error")
    }).pipe(Effect.provide(brokenStore)))
})
