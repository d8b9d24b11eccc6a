/**
 * An enforcement as it is kept in the store's PendingActions (`action: "enforcement"`): written before its
 * first request, updated as steps complete, removed when verified done; a restart resumes what it finds.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as Verdict from "../../Verdict.js"

/** The PendingActions `action` of an enforcement row. */
export const kind = "enforcement"

const LockEnd = Schema.Union(
  Schema.TaggedStruct("NextTradingDay", {}),
  Schema.TaggedStruct("Until", { at: Schema.Number }),
  Schema.TaggedStruct("Manual", {})
)

/** The actions of Verdict.ts as a schema. */
export const Action = Schema.Union(
  Schema.TaggedStruct("Flatten", { lock: Schema.optional(LockEnd) }),
  Schema.TaggedStruct("Reduce", { contractId: Schema.String, maxSize: Schema.Number }),
  Schema.TaggedStruct("ClosePosition", { contractId: Schema.String }),
  Schema.TaggedStruct("CancelEntries", { contractIds: Schema.optional(Schema.Array(Schema.String)) })
)

/** An enforcement and its progress. */
export const Enforcement = Schema.Struct({
  id: Schema.String,
  accountId: Schema.Number,
  rule: Schema.String,
  reason: Schema.String,
  figures: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  actions: Schema.Array(Action),
  startedAt: Schema.Number,
  /** The next reduction step of each contract (its idempotency key's last part). */
  reductionSteps: Schema.Record({ key: Schema.String, value: Schema.Number }),
  /** Rounds of cancel / close / reduce sent so far. */
  rounds: Schema.Number,
  /** Whether the lock was set. */
  locked: Schema.Boolean
})

/** An enforcement and its progress (the type of {@link Enforcement}). */
export type Enforcement = typeof Enforcement.Type

/** The JSON form (what PendingActions stores). */
export const encode = Schema.encodeSync(Enforcement)

/** Decodes a stored payload; None for one that is not an enforcement of this build. */
export const decode = Schema.decodeUnknownOption(Enforcement)

/** A decoded action as the Verdict's type. */
export const toAction = (a: typeof Action.Type): Verdict.Action => {
  switch (a._tag) {
    case "Flatten":
      return Verdict.flatten(a.lock)
    case "Reduce":
      return Verdict.reduce(a.contractId, a.maxSize)
    case "ClosePosition":
      return Verdict.closePosition(a.contractId)
    case "CancelEntries":
      return Verdict.cancelEntries(a.contractIds)
  }
}

/** An action as the schema's type (undefined fields left out). */
export const fromAction = (a: Verdict.Action): typeof Action.Type => {
  switch (a._tag) {
    case "Flatten":
      return a.lock === undefined ? { _tag: "Flatten" } : { _tag: "Flatten", lock: a.lock }
    case "CancelEntries":
      return a.contractIds === undefined ? { _tag: "CancelEntries" } : { _tag: "CancelEntries", contractIds: a.contractIds }
    default:
      return a
  }
}
