/**
 * The gateway's models as Schemas. Decoding is tolerant the way the live
 * service needs: optional fields are optional AND nullable (REST writes
 * `null`, hub events leave them out), unknown extra fields are ignored,
 * timestamps carry up to 7 fractional digits and an offset, and 64-bit ids
 * decode as plain numbers (they fit: all stay below 2^53).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { OrderSideSchema, OrderStatusSchema, OrderTypeSchema, PositionTypeSchema } from "./Enums.js"

/** An optional field that may also be `null` on the wire; `null` decodes to absent. */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(schema, { nullable: true })

const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * An ISO-8601 timestamp as the gateway writes it, e.g.
 * `2026-08-19T20:51:31.4173693+00:00`. Kept as the original string so that it
 * round-trips exactly; use {@link timestampToMillis} to compare.
 */
export const Timestamp = Schema.String.pipe(
  Schema.filter((s) => isoPattern.test(s) && !Number.isNaN(timestampToMillis(s)), {
    message: () => "expected an ISO-8601 timestamp with an offset"
  }),
  Schema.annotations({ identifier: "Timestamp" })
)

/** Milliseconds since the epoch of a gateway timestamp (sub-millisecond digits are dropped). */
export function timestampToMillis(s: string): number {
  // JS Date accepts at most 3 fractional digits portably: trim the rest.
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/.exec(s)
  if (m === null) return Date.parse(s)
  const frac = m[2] === undefined ? "" : m[2].slice(0, 4)
  const zone = m[3] === "" ? "Z" : m[3]
  return Date.parse(`${m[1]}${frac}${zone}`)
}

/** Formats epoch millis the way the gateway does: 7 fractional digits and `+00:00`. */
export const timestampFromMillis = (millis: number): string =>
  new Date(millis).toISOString().replace(/\.(\d{3})Z$/, ".$10000+00:00")

/** An integer id; order and trade ids are already above 2^31. */
export const Id = Schema.Number.pipe(Schema.int(), Schema.annotations({ identifier: "Id" }))

export class Account extends Schema.Class<Account>("Account")({
  id: Id,
  name: Schema.String,
  balance: Schema.Number,
  canTrade: Schema.Boolean,
  isVisible: Schema.Boolean,
  simulated: optionalNullable(Schema.Boolean)
}) {}

export class Contract extends Schema.Class<Contract>("Contract")({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  tickSize: Schema.Number,
  tickValue: Schema.Number,
  activeContract: Schema.Boolean,
  symbolId: optionalNullable(Schema.String)
}) {}

export class Order extends Schema.Class<Order>("Order")({
  id: Id,
  accountId: Id,
  contractId: Schema.String,
  symbolId: optionalNullable(Schema.String),
  creationTimestamp: Timestamp,
  updateTimestamp: optionalNullable(Timestamp),
  status: OrderStatusSchema,
  type: OrderTypeSchema,
  side: OrderSideSchema,
  size: Schema.Number,
  limitPrice: optionalNullable(Schema.Number),
  stopPrice: optionalNullable(Schema.Number),
  fillVolume: Schema.Number,
  filledPrice: optionalNullable(Schema.Number),
  customTag: optionalNullable(Schema.String),
  // Extras seen on hub payloads (and on some REST replies).
  parentOrderId: optionalNullable(Id),
  linkedOrderId: optionalNullable(Id),
  trailPrice: optionalNullable(Schema.Number),
  trailDistance: optionalNullable(Schema.Number)
}) {}

export class Position extends Schema.Class<Position>("Position")({
  id: Id,
  accountId: Id,
  contractId: Schema.String,
  creationTimestamp: Timestamp,
  type: PositionTypeSchema,
  size: Schema.Number,
  averagePrice: Schema.Number,
  contractDisplayName: optionalNullable(Schema.String)
}) {}

/** A half-turn fill. `profitAndLoss` is absent on an opening fill. */
export class Trade extends Schema.Class<Trade>("Trade")({
  id: Id,
  accountId: Id,
  contractId: Schema.String,
  creationTimestamp: Timestamp,
  price: Schema.Number,
  profitAndLoss: optionalNullable(Schema.Number),
  fees: Schema.Number,
  side: OrderSideSchema,
  size: Schema.Number,
  voided: Schema.Boolean,
  orderId: Id,
  commissions: optionalNullable(Schema.Number)
}) {}

export class Bar extends Schema.Class<Bar>("Bar")({
  t: Timestamp,
  o: Schema.Number,
  h: Schema.Number,
  l: Schema.Number,
  c: Schema.Number,
  v: Schema.Number
}) {}

/** A bracket leg offset in ticks from the fill price (long: stop negative, target positive). */
export const Bracket = Schema.Struct({
  ticks: Schema.Number.pipe(Schema.int()),
  type: OrderTypeSchema
})
export type Bracket = typeof Bracket.Type
