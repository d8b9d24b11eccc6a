/**
 * Hand-written decoders of the models that arrive at hub rates: a few typeof
 * checks instead of a Schema interpreter run. Each `(u: unknown) => X |
 * undefined` accepts exactly what the model's Schema accepts (getters and
 * proxies aside: fields are read in another order) and builds the same value
 * (a class instance for the models, keys in declaration order, `null`
 * optionals left out, extra keys dropped). It
 * returns `undefined` instead of an error: decode again with the Schema for
 * the message, or use the `decodeX` helpers, which do just that.
 *
 * When to use: hub events and other hot paths (hundreds of thousands of
 * payloads per second). Elsewhere (REST replies, config) the Schemas are fast
 * enough and say more. Gotcha: when a model changes in `Models.ts`, change
 * its decoder here too; `test/FastDecode.test.ts` fails until both agree.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Enums from "./Enums.js"
import * as HubEvents from "./HubEvents.js"
import * as Models from "./Models.js"

type Rec = Readonly<Record<string, unknown>>
/** The value under construction: an object with the model's prototype, fields written in declaration order. */
type Out = Record<string, unknown>

const hasOwn = Object.prototype.hasOwnProperty
const own = (u: Rec, k: string): boolean => hasOwn.call(u, k)

/** What Schema's struct parser calls a record: any non-null, non-array object. */
const isRecord = (u: unknown): u is Rec => typeof u === "object" && u !== null && !Array.isArray(u)

const isString = (v: unknown): boolean => typeof v === "string"
const isNumber = (v: unknown): boolean => typeof v === "number"
/** `Models.Id` is `Schema.Number.pipe(Schema.int())`, i.e. `Number.isSafeInteger`. */
const isId = (v: unknown): boolean => Number.isSafeInteger(v)
const isTimestamp = (v: unknown): boolean => typeof v === "string" && Models.isTimestamp(v)

/** A literal union of numbers: `===` against each value (so `-0` matches 0, as in Schema). */
const literals = (values: Readonly<Record<string, number>>): (v: unknown) => boolean => {
  const vs = Object.values(values)
  const min = Math.min(...vs)
  const max = Math.max(...vs)
  const contiguous = vs.every(Number.isInteger) && new Set(vs).size === max - min + 1
  return contiguous
    ? (v) => typeof v === "number" && v >= min && v <= max && Number.isInteger(v)
    : (v) => typeof v === "number" && vs.some((x) => x === v)
}
const isOrderStatus = literals(Enums.OrderStatus)
const isOrderType = literals(Enums.OrderType)
const isOrderSide = literals(Enums.OrderSide)
const isPositionType = literals(Enums.PositionType)
const isMarketTradeType = literals(Enums.MarketTradeType)
const isDepthType = literals(Enums.DepthType)

/*
 * Required fields are read as Schema reads them, `u[k]` (an inherited value
 * counts, a missing one is undefined and fails). An optionalNullable field
 * counts only as an own key: `null` is left out, an own `undefined` is kept
 * (a present key holding undefined, as Schema keeps it), anything else must
 * pass its check. Hence the pattern
 *   v = u.k
 *   if (v !== null && own(u, "k")) { if (v !== undefined && !check(v)) return undefined; o.k = v }
 *
 * Instances are made with Object.create(Model.prototype) and the fields
 * written in declaration order: the same object `new Model(props, true)`
 * makes (Schema.Class adds no own state), without its per-field defaults
 * pass, which costs more than the whole decode here.
 */
const instance = (proto: object): Out => Object.create(proto) as Out
const built = <A>(o: Out): A => o as unknown as A

/**
 * Fast `Models.Account` decoder (see the module doc).
 *
 * @since 0.1.0
 */
export const account = (u: unknown): Models.Account | undefined => {
  if (!isRecord(u)) return undefined
  const id = u.id, name = u.name, balance = u.balance, canTrade = u.canTrade, isVisible = u.isVisible
  if (
    !isId(id) || typeof name !== "string" || typeof balance !== "number" || typeof canTrade !== "boolean" ||
    typeof isVisible !== "boolean"
  ) return undefined
  const o = instance(Models.Account.prototype)
  o.id = id; o.name = name; o.balance = balance; o.canTrade = canTrade; o.isVisible = isVisible
  const v = u.simulated
  if (v !== null && own(u, "simulated")) {
    if (v !== undefined && typeof v !== "boolean") return undefined
    o.simulated = v
  }
  return built(o)
}

/**
 * Fast `Models.Order` decoder (see the module doc).
 *
 * @since 0.1.0
 */
export const order = (u: unknown): Models.Order | undefined => {
  if (!isRecord(u)) return undefined
  const id = u.id, accountId = u.accountId, contractId = u.contractId, creationTimestamp = u.creationTimestamp
  const status = u.status, type = u.type, side = u.side, size = u.size, fillVolume = u.fillVolume
  if (
    !isId(id) || !isId(accountId) || typeof contractId !== "string" || !isTimestamp(creationTimestamp) ||
    !isOrderStatus(status) || !isOrderType(type) || !isOrderSide(side) || typeof size !== "number" ||
    typeof fillVolume !== "number"
  ) return undefined
  const o = instance(Models.Order.prototype)
  o.id = id; o.accountId = accountId; o.contractId = contractId
  let v = u.symbolId
  if (v !== null && own(u, "symbolId")) { if (v !== undefined && !isString(v)) return undefined; o.symbolId = v }
  o.creationTimestamp = creationTimestamp
  v = u.updateTimestamp
  if (v !== null && own(u, "updateTimestamp")) {
    if (v !== undefined && !isTimestamp(v)) return undefined
    o.updateTimestamp = v
  }
  o.status = status; o.type = type; o.side = side; o.size = size
  v = u.limitPrice
  if (v !== null && own(u, "limitPrice")) { if (v !== undefined && !isNumber(v)) return undefined; o.limitPrice = v }
  v = u.stopPrice
  if (v !== null && own(u, "stopPrice")) { if (v !== undefined && !isNumber(v)) return undefined; o.stopPrice = v }
  o.fillVolume = fillVolume
  v = u.filledPrice
  if (v !== null && own(u, "filledPrice")) { if (v !== undefined && !isNumber(v)) return undefined; o.filledPrice = v }
  v = u.customTag
  if (v !== null && own(u, "customTag")) { if (v !== undefined && !isString(v)) return undefined; o.customTag = v }
  v = u.parentOrderId
  if (v !== null && own(u, "parentOrderId")) { if (v !== undefined && !isId(v)) return undefined; o.parentOrderId = v }
  v = u.linkedOrderId
  if (v !== null && own(u, "linkedOrderId")) { if (v !== undefined && !isId(v)) return undefined; o.linkedOrderId = v }
  v = u.trailPrice
  if (v !== null && own(u, "trailPrice")) { if (v !== undefined && !isNumber(v)) return undefined; o.trailPrice = v }
  v = u.trailDistance
  if (v !== null && own(u, "trailDistance")) {
    if (v !== undefined && !isNumber(v)) return undefined
    o.trailDistance = v
  }
  return built(o)
}

/**
 * Fast `Models.Position` decoder (see the module doc).
 *
 * @since 0.1.0
 */
export const position = (u: unknown): Models.Position | undefined => {
  if (!isRecord(u)) return undefined
  const id = u.id, accountId = u.accountId, contractId = u.contractId, creationTimestamp = u.creationTimestamp
  const type = u.type, size = u.size, averagePrice = u.averagePrice
  if (
    !isId(id) || !isId(accountId) || typeof contractId !== "string" || !isTimestamp(creationTimestamp) ||
    !isPositionType(type) || typeof size !== "number" || typeof averagePrice !== "number"
  ) return undefined
  const o = instance(Models.Position.prototype)
  o.id = id; o.accountId = accountId; o.contractId = contractId; o.creationTimestamp = creationTimestamp
  o.type = type; o.size = size; o.averagePrice = averagePrice
  const v = u.contractDisplayName
  if (v !== null && own(u, "contractDisplayName")) {
    if (v !== undefined && !isString(v)) return undefined
    o.contractDisplayName = v
  }
  return built(o)
}

/**
 * Fast `Models.Trade` decoder (see the module doc).
 *
 * @since 0.1.0
 */
export const trade = (u: unknown): Models.Trade | undefined => {
  if (!isRecord(u)) return undefined
  const id = u.id, accountId = u.accountId, contractId = u.contractId, creationTimestamp = u.creationTimestamp
  const price = u.price, fees = u.fees, side = u.side, size = u.size, voided = u.voided, orderId = u.orderId
  if (
    !isId(id) || !isId(accountId) || typeof contractId !== "string" || !isTimestamp(creationTimestamp) ||
    typeof price !== "number" || typeof fees !== "number" || !isOrderSide(side) || typeof size !== "number" ||
    typeof voided !== "boolean" || !isId(orderId)
  ) return undefined
  const o = instance(Models.Trade.prototype)
  o.id = id; o.accountId = accountId; o.contractId = contractId; o.creationTimestamp = creationTimestamp
  o.price = price
  let v = u.profitAndLoss
  if (v !== null && own(u, "profitAndLoss")) {
    if (v !== undefined && !isNumber(v)) return undefined
    o.profitAndLoss = v
  }
  o.fees = fees; o.side = side; o.size = size; o.voided = voided; o.orderId = orderId
  v = u.commissions
  if (v !== null && own(u, "commissions")) { if (v !== undefined && !isNumber(v)) return undefined; o.commissions = v }
  return built(o)
}

/**
 * Fast `HubEvents.Quote` decoder (a plain object; every field is optional).
 *
 * @since 0.1.0
 */
export const quote = (u: unknown): HubEvents.Quote | undefined => {
  if (!isRecord(u)) return undefined
  const o: Out = {}
  let v: unknown
  v = u.symbol
  if (v !== null && own(u, "symbol")) { if (v !== undefined && !isString(v)) return undefined; o.symbol = v }
  v = u.symbolName
  if (v !== null && own(u, "symbolName")) { if (v !== undefined && !isString(v)) return undefined; o.symbolName = v }
  v = u.lastPrice
  if (v !== null && own(u, "lastPrice")) { if (v !== undefined && !isNumber(v)) return undefined; o.lastPrice = v }
  v = u.bestBid
  if (v !== null && own(u, "bestBid")) { if (v !== undefined && !isNumber(v)) return undefined; o.bestBid = v }
  v = u.bestAsk
  if (v !== null && own(u, "bestAsk")) { if (v !== undefined && !isNumber(v)) return undefined; o.bestAsk = v }
  v = u.change
  if (v !== null && own(u, "change")) { if (v !== undefined && !isNumber(v)) return undefined; o.change = v }
  v = u.changePercent
  if (v !== null && own(u, "changePercent")) {
    if (v !== undefined && !isNumber(v)) return undefined
    o.changePercent = v
  }
  v = u.open
  if (v !== null && own(u, "open")) { if (v !== undefined && !isNumber(v)) return undefined; o.open = v }
  v = u.high
  if (v !== null && own(u, "high")) { if (v !== undefined && !isNumber(v)) return undefined; o.high = v }
  v = u.low
  if (v !== null && own(u, "low")) { if (v !== undefined && !isNumber(v)) return undefined; o.low = v }
  v = u.volume
  if (v !== null && own(u, "volume")) { if (v !== undefined && !isNumber(v)) return undefined; o.volume = v }
  v = u.lastUpdated
  if (v !== null && own(u, "lastUpdated")) {
    if (v !== undefined && !isTimestamp(v)) return undefined
    o.lastUpdated = v
  }
  v = u.timestamp
  if (v !== null && own(u, "timestamp")) { if (v !== undefined && !isTimestamp(v)) return undefined; o.timestamp = v }
  return built(o)
}

/**
 * Fast `HubEvents.MarketTrade` decoder (a plain object).
 *
 * @since 0.1.0
 */
export const marketTrade = (u: unknown): HubEvents.MarketTrade | undefined => {
  if (!isRecord(u)) return undefined
  const price = u.price, timestamp = u.timestamp, type = u.type, volume = u.volume
  if (typeof price !== "number" || !isTimestamp(timestamp) || !isMarketTradeType(type) || typeof volume !== "number") {
    return undefined
  }
  const o: Out = {}
  const v = u.symbolId
  if (v !== null && own(u, "symbolId")) { if (v !== undefined && !isString(v)) return undefined; o.symbolId = v }
  o.price = price; o.timestamp = timestamp; o.type = type; o.volume = volume
  return built(o)
}

/**
 * Fast `HubEvents.DepthEntry` decoder (a plain object).
 *
 * @since 0.1.0
 */
export const depthEntry = (u: unknown): HubEvents.DepthEntry | undefined => {
  if (!isRecord(u)) return undefined
  const timestamp = u.timestamp, type = u.type, price = u.price, volume = u.volume, currentVolume = u.currentVolume
  return isTimestamp(timestamp) && isDepthType(type) && typeof price === "number" && typeof volume === "number" &&
      typeof currentVolume === "number"
    ? built({ timestamp, type, price, volume, currentVolume })
    : undefined
}

/** An array decoder from an element decoder, as `Schema.Array`: a new array, every element valid. */
const arrayOf = <A>(element: (u: unknown) => A | undefined) => (u: unknown): ReadonlyArray<A> | undefined => {
  if (!Array.isArray(u)) return undefined
  const out: Array<A> = []
  for (let i = 0; i < u.length; i++) {
    const a = element(u[i])
    if (a === undefined) return undefined
    out.push(a)
  }
  return out
}

/**
 * Fast `HubEvents.GatewayTrade` decoder (an array of market trades).
 *
 * @since 0.1.0
 */
export const marketTrades = arrayOf(marketTrade)
/**
 * Fast `HubEvents.GatewayDepth` decoder (an array of depth entries).
 *
 * @since 0.1.0
 */
export const depthEntries = arrayOf(depthEntry)

/**
 * The fast decoder first, the Schema's own decode (and its error) when the
 * fast one says no. The result is always the Schema's: `Right` with the same
 * value, or its `ParseError`. When to use: wherever `Schema.decodeUnknownEither(schema)`
 * sat on a hot path.
 *
 * @since 0.1.0
 */
export const decodeOrFallback = <A, I>(
  schema: Schema.Schema<A, I>,
  fast: (u: unknown) => A | undefined
): (u: unknown) => Either.Either<A, ParseResult.ParseError> => {
  const slow = Schema.decodeUnknownEither(schema)
  return (u) => {
    const a = fast(u)
    return a === undefined ? slow(u) : Either.right(a)
  }
}

/**
 * `Schema.decodeUnknownEither(Models.Account)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodeAccount = decodeOrFallback(Models.Account, account)
/**
 * `Schema.decodeUnknownEither(Models.Order)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodeOrder = decodeOrFallback(Models.Order, order)
/**
 * `Schema.decodeUnknownEither(Models.Position)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodePosition = decodeOrFallback(Models.Position, position)
/**
 * `Schema.decodeUnknownEither(Models.Trade)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodeTrade = decodeOrFallback(Models.Trade, trade)
/**
 * `Schema.decodeUnknownEither(HubEvents.Quote)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodeQuote = decodeOrFallback(HubEvents.Quote, quote)
/**
 * `Schema.decodeUnknownEither(HubEvents.GatewayTrade)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodeMarketTrades = decodeOrFallback(HubEvents.GatewayTrade, marketTrades)
/**
 * `Schema.decodeUnknownEither(HubEvents.GatewayDepth)`, fast path first.
 *
 * @since 0.1.0
 */
export const decodeDepthEntries = decodeOrFallback(HubEvents.GatewayDepth, depthEntries)
