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

/**
 * An optional field that may also be `null` on the wire; `null` decodes to absent.
 *
 * @since 0.1.0
 */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(schema, { nullable: true })

/**
 * The ISO shape, `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:?\d{2})?$`,
 * is matched by hand (see {@link isTimestamp}): its fixed part, `d` for a digit.
 */
const shapeTemplate = "dddd-dd-ddTdd:dd:dd"

/**
 * An ISO-8601 timestamp as the gateway writes it, e.g.
 * `2026-08-19T20:51:31.4173693+00:00`. Kept as the original string so that it
 * round-trips exactly; use {@link timestampToMillis} to compare.
 *
 * @since 0.1.0
 */
export const Timestamp = Schema.String.pipe(
  Schema.filter(isTimestamp, {
    message: () => "expected an ISO-8601 timestamp with an offset"
  }),
  Schema.annotations({ identifier: "Timestamp" })
)

/**
 * The check behind {@link Timestamp}: the ISO shape above, and a date that
 * `Date.parse` accepts. When to use: validating a timestamp string without a
 * Schema (the fast decoders). Real calendar dates with hours 00-23 and
 * `Z` / `±HH:MM` offsets (all the gateway sends) are accepted from their
 * digits alone; anything else (hour 24, `±HHMM`, 30 February, ...) is left to
 * `Date.parse` exactly as before, so the verdict is the same as ever.
 *
 * @since 0.1.0
 */
export function isTimestamp(s: string): boolean {
  const zone = zoneIndex(s)
  return zone >= 0 && (isPlainDateTime(s, zone) || !Number.isNaN(parseSlow(s)))
}

const isDigit = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i)
  return c >= 48 && c <= 57
}

/** Where the zone starts if `s` has the ISO shape (the fraction has 1 to 7 digits), else -1. */
const zoneIndex = (s: string): number => {
  const n = s.length
  if (n < 19) return -1
  for (let i = 0; i < 19; i++) {
    const t = shapeTemplate.charCodeAt(i)
    if (t === 100 ? !isDigit(s, i) : s.charCodeAt(i) !== t) return -1
  }
  let i = 19
  if (s.charCodeAt(i) === 46) {
    do i++; while (i < n && isDigit(s, i))
    if (i === 20 || i > 27) return -1
  }
  const rest = n - i
  if (rest === 0 || (rest === 1 && s.charCodeAt(i) === 90)) return i
  const sign = s.charCodeAt(i)
  if ((sign !== 43 && sign !== 45) || (rest !== 5 && rest !== 6)) return -1
  const ok = isDigit(s, i + 1) && isDigit(s, i + 2) && isDigit(s, n - 2) && isDigit(s, n - 1) &&
    (rest === 5 || s.charCodeAt(i + 3) === 58)
  return ok ? i : -1
}

const digits2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
    : month === 4 || month === 6 || month === 9 || month === 11
    ? 30
    : 31

/** For a string of the ISO shape: a real calendar date and time, and a zone any ISO parser accepts. */
const isPlainDateTime = (s: string, zone: number): boolean => {
  const month = digits2(s, 5)
  const day = digits2(s, 8)
  if (month < 1 || month > 12 || day < 1 || digits2(s, 11) > 23 || digits2(s, 14) > 59 || digits2(s, 17) > 59) {
    return false
  }
  if (day > 28 && day > daysInMonth(digits2(s, 0) * 100 + digits2(s, 2), month)) return false
  const rest = s.length - zone // 0: none, 1: "Z", 5: ±HHMM (left to Date.parse), 6: ±HH:MM
  return rest <= 1 || (rest === 6 && digits2(s, zone + 1) <= 23 && digits2(s, zone + 4) <= 59)
}

/**
 * Milliseconds since the epoch of a gateway timestamp (sub-millisecond digits
 * are dropped). What the gateway sends (a real date, `Z` / `±HH:MM` or no
 * zone, years from 0100) is read from its digits, without allocating: it runs
 * on every order and trade event. Anything else goes through `Date.parse`
 * as before (property-tested equal).
 *
 * @since 0.1.0
 */
export function timestampToMillis(s: string): number {
  const zone = zoneIndex(s)
  if (zone >= 0 && isPlainDateTime(s, zone) && (zone === s.length || s.length - zone !== 5)) {
    const year = digits2(s, 0) * 100 + digits2(s, 2)
    if (year >= 100) {
      let millis = 0
      for (let i = 20, scale = 100; i < zone && i < 23; i++, scale /= 10) millis += (s.charCodeAt(i) - 48) * scale
      const rest = s.length - zone
      const offset = rest === 6
        ? (s.charCodeAt(zone) === 45 ? -1 : 1) * (digits2(s, zone + 1) * 60 + digits2(s, zone + 4)) * 60_000
        : 0
      return Date.UTC(year, digits2(s, 5) - 1, digits2(s, 8), digits2(s, 11), digits2(s, 14), digits2(s, 17), millis) -
        offset
    }
  }
  return parseSlow(s)
}

const parseSlow = (s: string): number => {
  // JS Date accepts at most 3 fractional digits portably: trim the rest.
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/.exec(s)
  if (m === null) return Date.parse(s)
  const frac = m[2] === undefined ? "" : m[2].slice(0, 4)
  const zone = m[3] === "" ? "Z" : m[3]
  return Date.parse(`${m[1]}${frac}${zone}`)
}

/**
 * Formats epoch millis the way the gateway does: 7 fractional digits and `+00:00`.
 *
 * @since 0.1.0
 */
export const timestampFromMillis = (millis: number): string =>
  new Date(millis).toISOString().replace(/\.(\d{3})Z$/, ".$10000+00:00")

/**
 * An integer id; order and trade ids are already above 2^31.
 *
 * @since 0.1.0
 */
export const Id = Schema.Number.pipe(Schema.int(), Schema.annotations({ identifier: "Id" }))

/**
 * A trading account (`Account/search`, user hub `GatewayUserAccount`).
 *
 * @since 0.1.0
 */
export class Account extends Schema.Class<Account>("Account")({
  id: Id,
  name: Schema.String,
  balance: Schema.Number,
  canTrade: Schema.Boolean,
  isVisible: Schema.Boolean,
  simulated: optionalNullable(Schema.Boolean)
}) {}

/**
 * A tradable contract (`Contract/search`, `searchById`, `available`).
 *
 * @since 0.1.0
 */
export class Contract extends Schema.Class<Contract>("Contract")({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  tickSize: Schema.Number,
  tickValue: Schema.Number,
  activeContract: Schema.Boolean,
  symbolId: optionalNullable(Schema.String)
}) {}

/**
 * An order (`Order/search`, `searchOpen`, user hub `GatewayUserOrder`).
 *
 * @since 0.1.0
 */
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

/**
 * An open position (`Position/searchOpen`, user hub `GatewayUserPosition`).
 *
 * @since 0.1.0
 */
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

/**
 * A half-turn fill. `profitAndLoss` is absent on an opening fill.
 *
 * @since 0.1.0
 */
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

/**
 * One OHLCV bar of `History/retrieveBars`.
 *
 * @since 0.1.0
 */
export class Bar extends Schema.Class<Bar>("Bar")({
  t: Timestamp,
  o: Schema.Number,
  h: Schema.Number,
  l: Schema.Number,
  c: Schema.Number,
  v: Schema.Number
}) {}

/**
 * A bracket leg offset in ticks from the fill price (long: stop negative, target positive).
 *
 * @since 0.1.0
 */
export const Bracket = Schema.Struct({
  ticks: Schema.Number.pipe(Schema.int()),
  type: OrderTypeSchema
})
/**
 * The decoded type of {@link Bracket}.
 *
 * @since 0.1.0
 */
export type Bracket = typeof Bracket.Type
