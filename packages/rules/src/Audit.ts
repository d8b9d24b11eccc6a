/**
 * The audit trail: a record per enforcement decision and per action, modelled
 * on a broker's auto-liquidation record — the rule, the figures that
 * triggered it (day PnL, floor, counts, the marks used), each action with its
 * request, outcome and timing (start and end, epoch millis), and the final
 * state verified. Every record goes to the store's enforcement log (JSON in
 * `detail`) and to the logs (annotated with account, rule, action and
 * outcome); {@link Service.list} reads them back by account and time.
 *
 * @since 0.1.0
 */
import { EnforcementLog } from "@tradeguard/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

/**
 * One request an action sent (or a read it made) and how it ended, with its timing.
 *
 * @since 0.1.0
 */
export const Step = Schema.Struct({
  /** e.g. `cancel`, `closeContract`, `reduce`, `verify`. */
  action: Schema.String,
  request: Schema.Unknown,
  /** e.g. `Done`, `OrderClosed`, `Rejected`, `Failed: ...`. */
  outcome: Schema.String,
  startedAt: Schema.Number,
  endedAt: Schema.Number
})

/**
 * One step of an action (the type of {@link Step}).
 *
 * @since 0.1.0
 */
export type Step = typeof Step.Type

/**
 * The account as last verified: its open positions and the orders still working (status 1, 6, 7 or 8).
 *
 * @since 0.1.0
 */
export const FinalState = Schema.Struct({
  flat: Schema.Boolean,
  positions: Schema.Array(Schema.Struct({ contractId: Schema.String, size: Schema.Number, type: Schema.Number })),
  workingOrders: Schema.Array(Schema.Struct({ id: Schema.Number, contractId: Schema.String, status: Schema.Number }))
})

/**
 * The verified state (the type of {@link FinalState}).
 *
 * @since 0.1.0
 */
export type FinalState = typeof FinalState.Type

/**
 * What a record is about: the decision to enforce, one action carried out, the end verified, an escalation,
 * a lock set or ended.
 *
 * @since 0.1.0
 */
export const Kind = Schema.Literal("Decision", "Action", "Verified", "Escalated", "Lock", "Unlock")

/**
 * The kind of a record (the type of {@link Kind}).
 *
 * @since 0.1.0
 */
export type Kind = typeof Kind.Type

/**
 * The JSON document kept in the log's `detail`.
 *
 * @since 0.1.0
 */
export const Detail = Schema.Struct({
  enforcementId: Schema.optional(Schema.String),
  reason: Schema.String,
  figures: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** The action's name (`Flatten`, `Reduce`, ...) for an `Action` record. */
  action: Schema.optional(Schema.String),
  outcome: Schema.String,
  steps: Schema.Array(Step),
  final: Schema.optional(FinalState)
})

/**
 * What {@link Service.record} takes.
 *
 * @since 0.1.0
 */
export interface Entry {
  readonly accountId: number
  readonly rule: string
  readonly kind: Kind
  readonly enforcementId?: string
  readonly reason: string
  readonly figures?: Readonly<Record<string, unknown>>
  readonly action?: string
  readonly outcome: string
  readonly steps?: ReadonlyArray<Step>
  readonly final?: FinalState
}

/**
 * A record as {@link Service.list} gives it back: the entry, its log id and its time.
 *
 * @since 0.1.0
 */
export interface AuditRecord {
  readonly id: number
  readonly at: number
  readonly accountId: number
  readonly rule: string
  readonly kind: Kind
  readonly enforcementId: string | undefined
  readonly reason: string
  readonly figures: Readonly<Record<string, unknown>>
  readonly action: string | undefined
  readonly outcome: string
  readonly steps: ReadonlyArray<Step>
  readonly final: FinalState | undefined
}

/**
 * Which records {@link Service.list} gives: of one account, stamped `since` <= at < `until` (epoch millis).
 *
 * @since 0.1.0
 */
export interface Query {
  readonly accountId?: number
  readonly since?: number
  readonly until?: number
}

/**
 * The audit trail could not be read (the store failed).
 *
 * @since 0.1.0
 */
export class AuditUnavailable extends Schema.TaggedError<AuditUnavailable>()("AuditUnavailable", {
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `the audit trail could not be read: ${this.reason}`
  }
}

/**
 * The audit trail.
 *
 * @since 0.1.0
 */
export interface Service {
  /**
   * Records `entry` in the enforcement log and in the logs. Never fails: a store that cannot take it is an
   * ERROR log carrying the whole record (an enforcement is never held up by its audit).
   */
  readonly record: (entry: Entry) => Effect.Effect<void>
  /** The records matching `query`, oldest first (a log entry that is not an audit record is skipped). */
  readonly list: (query?: Query) => Effect.Effect<ReadonlyArray<AuditRecord>, AuditUnavailable>
}

/**
 * The audit trail's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Audit extends Context.Tag("@tradeguard/rules/Audit")<Audit, Service>() {}

const encodeDetail = Schema.encodeSync(Schema.parseJson(Detail))
const decodeDetail = Schema.decodeUnknownOption(Schema.parseJson(Detail))
const isKind = Schema.is(Kind)

/**
 * Builds the audit trail over the store's enforcement log.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<Service, never, EnforcementLog.EnforcementLog> = Effect.gen(function*() {
  const log = yield* EnforcementLog.EnforcementLog

  const record = Effect.fn("Audit.record")(function*(entry: Entry) {
    const detail = encodeDetail({
      ...(entry.enforcementId === undefined ? {} : { enforcementId: entry.enforcementId }),
      reason: entry.reason,
      figures: entry.figures ?? {},
      ...(entry.action === undefined ? {} : { action: entry.action }),
      outcome: entry.outcome,
      steps: entry.steps ?? [],
      ...(entry.final === undefined ? {} : { final: entry.final })
    })
    const annotations = {
      account: entry.accountId,
      rule: entry.rule,
      action: entry.action ?? entry.kind,
      outcome: entry.outcome,
      ...(entry.enforcementId === undefined ? {} : { enforcement: entry.enforcementId })
    }
    const stored = yield* Effect.either(log.append({ accountId: entry.accountId, rule: entry.rule, action: entry.kind, detail }))
    if (stored._tag === "Left") {
      yield* Effect.logError(`audit record not stored: ${stored.left.message}`).pipe(Effect.annotateLogs({ ...annotations, detail }))
      return
    }
    const message = `audit ${entry.kind}: ${entry.reason}`
    yield* (entry.kind === "Escalated" ? Effect.logError(message) : Effect.logInfo(message)).pipe(Effect.annotateLogs(annotations))
  })

  const list = (query: Query = {}) =>
    log.query(query).pipe(
      Effect.mapError((e) => new AuditUnavailable({ reason: e.message })),
      Effect.map((entries) => {
        const records: Array<AuditRecord> = []
        for (const e of entries) {
          const detail = decodeDetail(e.detail)
          if (detail._tag === "None" || !isKind(e.action)) continue
          const d = detail.value
          records.push({
            id: e.id,
            at: e.at,
            accountId: e.accountId,
            rule: e.rule,
            kind: e.action,
            enforcementId: d.enforcementId,
            reason: d.reason,
            figures: d.figures,
            action: d.action,
            outcome: d.outcome,
            steps: d.steps,
            final: d.final
          })
        }
        return records
      }),
      Effect.withSpan("Audit.list")
    )

  return { record, list } satisfies Service
})

/**
 * The audit trail over `EnforcementLog` (the store).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Audit, never, EnforcementLog.EnforcementLog> = Layer.effect(Audit, make)
