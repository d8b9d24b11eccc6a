/**
 * The order intents, their attempts and their fills: what the daemon meant
 * to send (keyed by the caller's idempotency key, with a fingerprint of the
 * request), every attempt to send it (each with its own `customTag`, the
 * gateway's order id once known, its status and fills), and the fills the
 * gateway reported (idempotent on the trade id). Survives a restart: the
 * non-terminal intents are what the reconciler resumes.
 *
 * @example
 * ```ts
 * import { Database, OrderIntents } from "@tradeguard/store"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const program = Effect.gen(function*() {
 *   const intents = yield* OrderIntents.OrderIntents
 *   yield* intents.insert({
 *     idempotencyKey: "k-1", fingerprint: "f", accountId: 1, contractId: "CON.F.US.MNQ.Z25",
 *     side: 0, type: 2, size: 1
 *   })
 *   yield* intents.addAttempt("k-1", "k-1#1")
 *   yield* intents.updateAttempt("k-1#1", { gatewayOrderId: 42, status: "Working" })
 *   return yield* intents.nonTerminal
 * })
 * Effect.runPromise(Effect.provide(program, OrderIntents.layer.pipe(Layer.provide(Database.layerMemory()))))
 * ```
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { decodeFirst, decodeRows, now } from "./internal/rows.js"

/**
 * An intent's status: `Pending` (not yet sent or not yet acknowledged),
 * `Working` (an attempt is on the book), or terminal.
 *
 * @since 0.2.0
 */
export const IntentStatus = Schema.Literal("Pending", "Working", "Filled", "Cancelled", "Rejected", "Expired", "Failed")

/**
 * An intent's status (the type of {@link IntentStatus}).
 *
 * @since 0.2.0
 */
export type IntentStatus = typeof IntentStatus.Type

/**
 * The statuses after which an intent never changes again (and may be deleted
 * by retention).
 *
 * @since 0.2.0
 */
export const terminal: ReadonlyArray<IntentStatus> = ["Filled", "Cancelled", "Rejected", "Expired", "Failed"]

/**
 * An attempt's status, as the gateway reports it (`Sent`: placed, no answer
 * yet; `Unknown`: the answer was lost, the reconciler must find out).
 *
 * @since 0.2.0
 */
export const AttemptStatus = Schema.Literal(
  "Sent",
  "Working",
  "PartiallyFilled",
  "Filled",
  "Cancelled",
  "Rejected",
  "Expired",
  "Unknown"
)

/**
 * A bracket: distance in ticks and the gateway's order type of the bracket order.
 *
 * @since 0.2.0
 */
export const Bracket = Schema.Struct({ ticks: Schema.Int, type: Schema.Int })

/**
 * The stop-loss and take-profit brackets of an intent.
 *
 * @since 0.2.0
 */
export const Brackets = Schema.Struct({
  stopLoss: Schema.optionalWith(Bracket, { exact: true }),
  takeProfit: Schema.optionalWith(Bracket, { exact: true })
})

const Price = Schema.NullOr(Schema.Number)

/**
 * An order intent as stored. `side`, `type` are the gateway's codes
 * (`0` bid / `1` ask; `1` limit, `2` market, `4` stop, `5` trailing stop).
 *
 * @since 0.2.0
 */
export const Intent = Schema.Struct({
  idempotencyKey: Schema.String,
  fingerprint: Schema.String,
  accountId: Schema.Number,
  contractId: Schema.String,
  side: Schema.Int,
  type: Schema.propertySignature(Schema.Int).pipe(Schema.fromKey("orderType")),
  size: Schema.Int,
  limitPrice: Price,
  stopPrice: Price,
  trailPrice: Price,
  brackets: Schema.NullOr(Schema.parseJson(Brackets)),
  status: IntentStatus,
  outcome: Schema.NullOr(Schema.String),
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
  expiresAt: Schema.NullOr(Schema.Number)
})

/**
 * An order intent as stored (the type of {@link Intent}).
 *
 * @since 0.2.0
 */
export type Intent = typeof Intent.Type

/**
 * What {@link OrderIntents.insert} takes: the request (prices, brackets and
 * expiry optional); the intent starts `Pending`.
 *
 * @since 0.2.0
 */
export interface NewIntent {
  readonly idempotencyKey: string
  readonly fingerprint: string
  readonly accountId: number
  readonly contractId: string
  readonly side: number
  readonly type: number
  readonly size: number
  readonly limitPrice?: number | undefined
  readonly stopPrice?: number | undefined
  readonly trailPrice?: number | undefined
  readonly brackets?: typeof Brackets.Type | undefined
  readonly expiresAt?: number | undefined
}

/**
 * One attempt to send an intent.
 *
 * @since 0.2.0
 */
export const Attempt = Schema.Struct({
  customTag: Schema.String,
  idempotencyKey: Schema.String,
  attemptNo: Schema.Int,
  gatewayOrderId: Schema.NullOr(Schema.Number),
  status: AttemptStatus,
  fillVolume: Schema.Int,
  averageFillPrice: Price,
  outcome: Schema.NullOr(Schema.String),
  createdAt: Schema.Number,
  updatedAt: Schema.Number
})

/**
 * One attempt as stored (the type of {@link Attempt}).
 *
 * @since 0.2.0
 */
export type Attempt = typeof Attempt.Type

/**
 * The fields {@link OrderIntents.updateAttempt} may change.
 *
 * @since 0.2.0
 */
export interface AttemptUpdate {
  readonly status?: typeof AttemptStatus.Type
  readonly gatewayOrderId?: number
  readonly fillVolume?: number
  readonly averageFillPrice?: number
  readonly outcome?: string
}

/**
 * A fill (trade) the gateway reported.
 *
 * @since 0.2.0
 */
export const Fill = Schema.Struct({
  tradeId: Schema.Number,
  gatewayOrderId: Schema.Number,
  accountId: Schema.Number,
  contractId: Schema.String,
  side: Schema.Int,
  size: Schema.Int,
  price: Schema.Number,
  fees: Price,
  profitAndLoss: Price,
  at: Schema.Number
})

/**
 * A fill as stored (the type of {@link Fill}).
 *
 * @since 0.2.0
 */
export type Fill = typeof Fill.Type

/**
 * An intent with this idempotency key exists; `sameRequest` says whether its
 * fingerprint is the one given (a retry) or not (a key reused for another
 * request).
 *
 * @since 0.2.0
 */
export class DuplicateIdempotencyKey extends Schema.TaggedError<DuplicateIdempotencyKey>()("DuplicateIdempotencyKey", {
  idempotencyKey: Schema.String,
  sameRequest: Schema.Boolean
}) {}

/**
 * An attempt with this `customTag` exists (the gateway refuses a reused tag too).
 *
 * @since 0.2.0
 */
export class DuplicateCustomTag extends Schema.TaggedError<DuplicateCustomTag>()("DuplicateCustomTag", {
  customTag: Schema.String
}) {}

/**
 * No intent with this idempotency key, or no attempt with this custom tag.
 *
 * @since 0.2.0
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  entity: Schema.Literal("Intent", "Attempt"),
  key: Schema.String
}) {}

const nullable = <A>(value: A | undefined): A | null => value ?? null

/** The columns of a new (or reopened) intent besides its key: the request, `Pending`, no outcome, stamped `at`. */
const requestColumns = (intent: NewIntent, at: number) => ({
  fingerprint: intent.fingerprint,
  accountId: intent.accountId,
  contractId: intent.contractId,
  side: intent.side,
  orderType: intent.type,
  size: intent.size,
  limitPrice: nullable(intent.limitPrice),
  stopPrice: nullable(intent.stopPrice),
  trailPrice: nullable(intent.trailPrice),
  brackets: intent.brackets === undefined ? null : JSON.stringify(intent.brackets),
  status: "Pending",
  outcome: null,
  createdAt: at,
  updatedAt: at,
  expiresAt: nullable(intent.expiresAt)
})

/**
 * The repository of intents, attempts and fills (over `SqlClient`).
 *
 * @since 0.2.0
 */
export class OrderIntents extends Effect.Service<OrderIntents>()("@tradeguard/store/OrderIntents", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const find = Effect.fn("OrderIntents.find")(function*(idempotencyKey: string) {
      return yield* decodeFirst(Intent)(sql`SELECT * FROM order_intents WHERE idempotency_key = ${idempotencyKey}`)
    })

    const insert = Effect.fn("OrderIntents.insert")(function*(intent: NewIntent) {
      const at = yield* now
      const row = { idempotencyKey: intent.idempotencyKey, ...requestColumns(intent, at) }
      const inserted = yield* decodeFirst(Intent)(sql`INSERT INTO order_intents ${sql.insert(row)}
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`)
      if (Option.isSome(inserted)) return inserted.value
      const existing = yield* find(intent.idempotencyKey)
      return yield* new DuplicateIdempotencyKey({
        idempotencyKey: intent.idempotencyKey,
        sameRequest: Option.exists(existing, (e) => e.fingerprint === intent.fingerprint)
      })
    })

    const setStatus = Effect.fn("OrderIntents.setStatus")(
      function*(idempotencyKey: string, status: IntentStatus, outcome?: string) {
        const updatedAt = yield* now
        const changes = outcome === undefined ? { status, updatedAt } : { status, outcome, updatedAt }
        const rows = yield* sql`UPDATE order_intents SET ${sql.update(changes)}
          WHERE idempotency_key = ${idempotencyKey} RETURNING idempotency_key`
        if (rows.length === 0) return yield* new NotFound({ entity: "Intent", key: idempotencyKey })
      }
    )

    const findAttempt = Effect.fn("OrderIntents.findAttempt")(function*(customTag: string) {
      return yield* decodeFirst(Attempt)(sql`SELECT * FROM order_attempts WHERE custom_tag = ${customTag}`)
    })

    const addAttempt = Effect.fn("OrderIntents.addAttempt")(function*(idempotencyKey: string, customTag: string) {
      const at = yield* now
      // one statement (atomic without a transaction): numbered after the intent's attempts, nothing when the
      // intent is missing or the tag is taken
      const inserted = yield* decodeFirst(Attempt)(sql`INSERT INTO order_attempts
        (custom_tag, idempotency_key, attempt_no, status, fill_volume, created_at, updated_at)
        SELECT ${customTag}, idempotency_key,
          (SELECT COUNT(*) FROM order_attempts WHERE idempotency_key = ${idempotencyKey}) + 1,
          'Sent', 0, ${at}, ${at}
        FROM order_intents WHERE idempotency_key = ${idempotencyKey}
        ON CONFLICT (custom_tag) DO NOTHING RETURNING *`)
      if (Option.isSome(inserted)) return inserted.value
      if (Option.isNone(yield* find(idempotencyKey))) return yield* new NotFound({ entity: "Intent", key: idempotencyKey })
      return yield* new DuplicateCustomTag({ customTag })
    })

    const updateAttempt = Effect.fn("OrderIntents.updateAttempt")(function*(customTag: string, update: AttemptUpdate) {
      const updatedAt = yield* now
      const updated = yield* decodeFirst(Attempt)(sql`UPDATE order_attempts SET ${sql.update({ ...update, updatedAt })}
        WHERE custom_tag = ${customTag} RETURNING *`)
      if (Option.isNone(updated)) return yield* new NotFound({ entity: "Attempt", key: customTag })
      return updated.value
    })

    const findAttemptByOrderId = Effect.fn("OrderIntents.findAttemptByOrderId")(function*(gatewayOrderId: number) {
      return yield* decodeFirst(Attempt)(sql`SELECT * FROM order_attempts WHERE gateway_order_id = ${gatewayOrderId}`)
    })

    const attempts = Effect.fn("OrderIntents.attempts")(function*(idempotencyKey: string) {
      return yield* decodeRows(Attempt)(sql`SELECT * FROM order_attempts
        WHERE idempotency_key = ${idempotencyKey} ORDER BY attempt_no`)
    })

    const recordFill = Effect.fn("OrderIntents.recordFill")(function*(fill: Fill) {
      const inserted = yield* sql`INSERT INTO fills ${sql.insert(fill)}
        ON CONFLICT (trade_id) DO NOTHING RETURNING trade_id`
      return inserted.length > 0
    })

    const fills = Effect.fn("OrderIntents.fills")(function*(gatewayOrderId: number) {
      return yield* decodeRows(Fill)(sql`SELECT * FROM fills WHERE gateway_order_id = ${gatewayOrderId} ORDER BY at, trade_id`)
    })

    const begin = Effect.fn("OrderIntents.begin")(function*(intent: NewIntent, customTag: string) {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const inserted = yield* insert(intent)
        const attempt = yield* addAttempt(intent.idempotencyKey, customTag)
        return { intent: inserted, attempt } as const
      }))
    })

    const reopen = Effect.fn("OrderIntents.reopen")(function*(intent: NewIntent, customTag: string) {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const at = yield* now
        const changes = requestColumns(intent, at)
        const updated = yield* decodeFirst(Intent)(sql`UPDATE order_intents SET ${sql.update(changes)}
          WHERE idempotency_key = ${intent.idempotencyKey} RETURNING *`)
        if (Option.isNone(updated)) return yield* new NotFound({ entity: "Intent", key: intent.idempotencyKey })
        const attempt = yield* addAttempt(intent.idempotencyKey, customTag)
        return { intent: updated.value, attempt } as const
      }))
    })

    const setExpiry = Effect.fn("OrderIntents.setExpiry")(function*(idempotencyKey: string, expiresAt: number | null) {
      const updatedAt = yield* now
      const rows = yield* sql`UPDATE order_intents SET ${sql.update({ expiresAt, updatedAt })}
        WHERE idempotency_key = ${idempotencyKey} RETURNING idempotency_key`
      if (rows.length === 0) return yield* new NotFound({ entity: "Intent", key: idempotencyKey })
    })

    const nonTerminal = decodeRows(Intent)(sql`SELECT * FROM order_intents
      WHERE status NOT IN ${sql.in(terminal)} ORDER BY created_at, idempotency_key`).pipe(
      Effect.withSpan("OrderIntents.nonTerminal")
    )

    return {
      /** Inserts a `Pending` intent; fails with DuplicateIdempotencyKey when the key exists. */
      insert,
      /**
       * The write-ahead row: inserts a `Pending` intent AND its first attempt (`customTag`) in one
       * transaction, so a crash leaves either both or neither.
       */
      begin,
      /**
       * Reuses an existing key for a new request (its previous outcome is past the idempotency TTL): the
       * intent's request, fingerprint and times are replaced, it is `Pending` again, and the next attempt
       * (`customTag`) is added, in one transaction. Earlier attempts stay as history.
       */
      reopen,
      /** Sets (or clears, `null`) when the intent's order expires (its time in force), epoch ms. */
      setExpiry,
      /** The intent with this idempotency key. */
      find,
      /** Sets an intent's status (and outcome). */
      setStatus,
      /** Adds the next attempt (numbered from 1, status `Sent`) with its own customTag. */
      addAttempt,
      /** Changes an attempt's status, gateway order id, fill volume, average price or outcome. */
      updateAttempt,
      /** The attempt with this customTag. */
      findAttempt,
      /** The attempt the gateway knows by this order id. */
      findAttemptByOrderId,
      /** Every attempt of an intent, in order. */
      attempts,
      /** Records a fill; `false` when this trade id was already recorded (nothing changes). */
      recordFill,
      /** The fills of a gateway order. */
      fills,
      /** The intents not yet terminal, oldest first: what a restart resumes. */
      nonTerminal
    } as const
  })
}) {}

/**
 * {@link OrderIntents} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.2.0
 */
export const layer: Layer.Layer<OrderIntents, never, SqlClient.SqlClient> = OrderIntents.Default
