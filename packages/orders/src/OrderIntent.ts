/**
 * The public models of an order intent: what the caller wants placed (the
 * `Order/place` request without its customTag), the idempotency key that names
 * it, the attempts made for it, and the typed outcome.
 *
 * The customTag of attempt `n` is `<key>.<n>` ({@link tagOf}); bracket legs the
 * gateway creates carry `<key>.<n>-SL` / `<key>.<n>-TP`. A resend after an
 * ambiguous failure reuses the same tag (the gateway refuses a tag it has seen,
 * so a resend can never make a second order); a new tag only follows a
 * definitive business rejection.
 *
 * @since 0.2.0
 */
import { Endpoints, Models } from "@tradeguard/gateway"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { canonicalJson, sha256Hex } from "./internal/canonical.js"

/**
 * The longest idempotency key: the longest tag, `<key>.<n>-SL` with `n` up to 9999, stays within 64 characters.
 *
 * @since 0.2.0
 */
export const maxKeyLength = 56

const keyAlphabet = /^[A-Za-z0-9_:-]+$/

/**
 * Why a key is not a valid idempotency key, or `undefined` when it is one: empty, longer than
 * {@link maxKeyLength}, or a character outside `[A-Za-z0-9_:-]` (the gateway may not echo others verbatim,
 * and `.` separates the attempt number).
 *
 * @since 0.2.0
 */
export const keyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "the key is empty"
  if (key.length > maxKeyLength) return `the key is ${key.length} characters long, at most ${maxKeyLength} fit a customTag`
  if (!keyAlphabet.test(key)) return "the key may only hold the characters A-Z a-z 0-9 _ : -"
  return undefined
}

/**
 * A caller's idempotency key: 1 to {@link maxKeyLength} characters of `[A-Za-z0-9_:-]`.
 *
 * @since 0.2.0
 */
export const IdempotencyKey = Schema.String.pipe(
  Schema.filter((key) => keyProblem(key) ?? true),
  Schema.annotations({ identifier: "IdempotencyKey", description: "1-56 characters of [A-Za-z0-9_:-]" })
)

/**
 * What is placed: the fields of `Order/place` (brackets included) without `customTag`, which is derived.
 *
 * @since 0.2.0
 */
export const IntentRequest = Endpoints.PlaceOrderRequest.omit("customTag")
/**
 * The decoded type of {@link IntentRequest}.
 *
 * @since 0.2.0
 */
export type IntentRequest = typeof IntentRequest.Type

/**
 * An order intent: the caller's key, the request, and an optional time in force (`cancelAfter`, ms from
 * placement: the order is cancelled through the verified path when it expires).
 *
 * @since 0.2.0
 */
export class OrderIntent extends Schema.Class<OrderIntent>("OrderIntent")({
  key: IdempotencyKey,
  request: IntentRequest,
  cancelAfter: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.positive()))
}) {}

/**
 * The gateway accepted the intent: `orderId` is its order (from the reply or adopted after a search).
 *
 * @since 0.2.0
 */
export const Placed = Schema.TaggedStruct("Placed", { orderId: Models.Id, customTag: Schema.String })
/**
 * A definitive business rejection with the gateway's `errorCode` (`ErrorCodes.PlaceOrder`); the caller may retry
 * (attempt n+1, a new tag).
 *
 * @since 0.2.0
 */
export const Rejected = Schema.TaggedStruct("Rejected", {
  errorCode: Schema.Number,
  message: Schema.optional(Schema.String),
  customTag: Schema.String
})
/**
 * The outcome is not known yet: the intent stays pending and is re-checked on a schedule. Not the gateway's
 * `OrderStatus.Pending`.
 *
 * @since 0.2.0
 */
export const Verifying = Schema.TaggedStruct("Verifying", { customTag: Schema.String })
/**
 * A permanent failure: nothing was placed and a retry would fail the same way.
 *
 * @since 0.2.0
 */
export const Failed = Schema.TaggedStruct("Failed", { reason: Schema.String })
/**
 * An outcome of one intent, as recorded (never a Duplicate).
 *
 * @since 0.2.0
 */
export const RecordedOutcome = Schema.Union(Placed, Rejected, Verifying, Failed)
/**
 * The decoded type of {@link RecordedOutcome}.
 *
 * @since 0.2.0
 */
export type RecordedOutcome = typeof RecordedOutcome.Type
/**
 * The same intent was submitted again within the TTL: `existing` is its outcome, no request was made.
 *
 * @since 0.2.0
 */
export const Duplicate = Schema.TaggedStruct("Duplicate", { existing: RecordedOutcome })
/**
 * Every outcome of `submit`: Placed, Rejected(errorCode), Duplicate(existing), Verifying, Failed.
 *
 * @since 0.2.0
 */
export const Outcome = Schema.Union(Placed, Rejected, Duplicate, Verifying, Failed)
/**
 * The decoded type of {@link Outcome}.
 *
 * @since 0.2.0
 */
export type Outcome = typeof Outcome.Type

/**
 * Where an attempt stands: `Written` (recorded, not yet answered), `Placed`, `Rejected`, `Unknown` (an ambiguous
 * failure, under verification).
 *
 * @since 0.2.0
 */
export const AttemptStatus = Schema.Literal("Written", "Placed", "Rejected", "Unknown")
/**
 * The decoded type of {@link AttemptStatus}.
 *
 * @since 0.2.0
 */
export type AttemptStatus = typeof AttemptStatus.Type

/**
 * One attempt of an intent: its number, its customTag (written before sending), the gateway's order id once
 * known, and the fills of that order.
 *
 * @since 0.2.0
 */
export class Attempt extends Schema.Class<Attempt>("Attempt")({
  n: Schema.Number.pipe(Schema.int(), Schema.positive()),
  customTag: Schema.String,
  gatewayOrderId: Schema.optional(Models.Id),
  status: AttemptStatus,
  fillVolume: Schema.Number,
  avgPrice: Schema.optional(Schema.Number),
  outcome: Schema.optional(RecordedOutcome)
}) {}

/**
 * The same key was submitted with a different request.
 *
 * @since 0.2.0
 */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  key: Schema.String,
  fingerprint: Schema.String,
  existingFingerprint: Schema.String
}) {
  override get message() {
    return `idempotency key "${this.key}" was already used for a different request`
  }
}

/**
 * The key cannot name an intent (see {@link keyProblem}).
 *
 * @since 0.2.0
 */
export class InvalidIdempotencyKey extends Schema.TaggedError<InvalidIdempotencyKey>()("InvalidIdempotencyKey", {
  key: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `invalid idempotency key "${this.key}": ${this.reason}`
  }
}

/**
 * Checks a key: the key itself, or the error naming the problem.
 *
 * @since 0.2.0
 */
export const validateKey = (key: string): InvalidIdempotencyKey | string => {
  const reason = keyProblem(key)
  return reason === undefined ? key : new InvalidIdempotencyKey({ key, reason })
}

/**
 * A canonical fingerprint of a request: the SHA-256 (hex) of its JSON with keys sorted at every depth and
 * absent fields left out, so it does not depend on the order of the fields and is stable across processes.
 *
 * @example
 * import { OrderIntent } from "@tradeguard/orders"
 *
 * const a = OrderIntent.fingerprint({ accountId: 1, contractId: "CON.F.US.EP.M25", type: 2, side: 0, size: 1 })
 * const b = OrderIntent.fingerprint({ size: 1, side: 0, type: 2, contractId: "CON.F.US.EP.M25", accountId: 1 })
 * console.log(a === b) // true
 *
 * @since 0.2.0
 */
export const fingerprint = (request: IntentRequest): string => sha256Hex(canonicalJson(request))

/**
 * An idempotency key derived from the request's fingerprint (opt-in: two deliberate identical orders within
 * the TTL would be merged into one).
 *
 * @since 0.2.0
 */
export const keyFromFingerprint = (request: IntentRequest): string => `fp-${fingerprint(request).slice(0, 40)}`

/**
 * A bracket leg: stop loss or take profit.
 *
 * @since 0.2.0
 */
export type Leg = "SL" | "TP"

/**
 * The customTag of attempt `n` of the intent `key`: `<key>.<n>`; with `leg`, the tag the gateway gives that
 * bracket leg (`<key>.<n>-SL`).
 *
 * @since 0.2.0
 */
export const tagOf = (key: string, n: number, leg?: Leg): string => `${key}.${n}${leg === undefined ? "" : `-${leg}`}`

/**
 * The parts of a tag made by {@link tagOf}.
 *
 * @since 0.2.0
 */
export interface ParsedTag {
  readonly key: string
  readonly n: number
  readonly leg?: Leg
}

const tagPattern = /^([A-Za-z0-9_:-]+)\.([1-9][0-9]*)(?:-(SL|TP))?$/

/**
 * Reads a customTag back into key, attempt number and leg; `None` for a tag that is not one of ours.
 *
 * @example
 * import { OrderIntent } from "@tradeguard/orders"
 * import { Option } from "effect"
 *
 * console.log(Option.getOrNull(OrderIntent.parseTag("acct-7:buy-es.2-SL"))) // { key: "acct-7:buy-es", n: 2, leg: "SL" }
 *
 * @since 0.2.0
 */
export const parseTag = (tag: string): Option.Option<ParsedTag> => {
  const m = tagPattern.exec(tag)
  if (m === null || m[1].length > maxKeyLength) return Option.none()
  const n = Number(m[2])
  if (!Number.isSafeInteger(n)) return Option.none()
  return Option.some(m[3] === undefined ? { key: m[1], n } : { key: m[1], n, leg: m[3] as Leg })
}
