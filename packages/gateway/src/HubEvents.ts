/**
 * Payload schemas of the two SignalR hubs (reference section 7). User events
 * arrive wrapped as `{action, data}` from the live service and bare in the
 * documentation: both decode to the same {@link UserEvent} shape.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { DepthTypeSchema, MarketTradeTypeSchema } from "./Enums.js"
import { Account, Order, optionalNullable, Position, Timestamp, Trade } from "./Models.js"

/**
 * A decoded user event: the payload and the `action` of the wrapper, when there was one.
 *
 * @since 0.1.0
 */
export interface UserEvent<A> {
  readonly action: number | undefined
  readonly data: A
}

/**
 * Accepts `{action, data}` and the bare payload alike. Encodes to the wrapper,
 * as the live service sends it (`action` defaults to 1, an upsert).
 *
 * @since 0.1.0
 */
export const userEvent = <A, I>(payload: Schema.Schema<A, I>) => {
  const Wrapped = Schema.Struct({ action: Schema.Number, data: payload })
  const Target = Schema.Struct({ action: Schema.UndefinedOr(Schema.Number), data: Schema.typeSchema(payload) })
  return Schema.transform(Schema.Union(Wrapped, payload), Target, {
    strict: false,
    decode: (input): UserEvent<A> =>
      isWrapped<A>(input) ? input : { action: undefined, data: input as A },
    encode: (ev) => ({ action: ev.action ?? 1, data: ev.data })
  })
}

const isWrapped = <A>(u: unknown): u is { readonly action: number; readonly data: A } =>
  typeof u === "object" && u !== null && "action" in u && "data" in u

/**
 * Payload of the user hub's `GatewayUserAccount`: an account update (wrapped or bare).
 *
 * @since 0.1.0
 */
export const GatewayUserAccount = userEvent(Account)
/**
 * Payload of the user hub's `GatewayUserOrder`: an order update (wrapped or bare).
 *
 * @since 0.1.0
 */
export const GatewayUserOrder = userEvent(Order)
/**
 * A closed position arrives as type 0, size 0 (action 2 on the live service).
 *
 * @since 0.1.0
 */
export const GatewayUserPosition = userEvent(Position)
/**
 * Payload of the user hub's `GatewayUserTrade`: a fill of the account (wrapped or bare).
 *
 * @since 0.1.0
 */
export const GatewayUserTrade = userEvent(Trade)

/**
 * A market quote. Often only the changed fields arrive: merge it into the last one.
 *
 * @since 0.1.0
 */
export const Quote = Schema.Struct({
  symbol: optionalNullable(Schema.String),
  symbolName: optionalNullable(Schema.String),
  lastPrice: optionalNullable(Schema.Number),
  bestBid: optionalNullable(Schema.Number),
  bestAsk: optionalNullable(Schema.Number),
  change: optionalNullable(Schema.Number),
  changePercent: optionalNullable(Schema.Number),
  open: optionalNullable(Schema.Number),
  high: optionalNullable(Schema.Number),
  low: optionalNullable(Schema.Number),
  volume: optionalNullable(Schema.Number),
  lastUpdated: optionalNullable(Timestamp),
  timestamp: optionalNullable(Timestamp)
})
/**
 * The decoded type of {@link Quote}.
 *
 * @since 0.1.0
 */
export type Quote = typeof Quote.Type

/**
 * Merges a quote delta into the previous quote: fields present in the delta win.
 *
 * @since 0.1.0
 */
export const mergeQuote = (previous: Quote | undefined, delta: Quote): Quote =>
  previous === undefined ? delta : { ...previous, ...delta }

/**
 * One trade of the market hub's `GatewayTrade`.
 *
 * @since 0.1.0
 */
export const MarketTrade = Schema.Struct({
  symbolId: optionalNullable(Schema.String),
  price: Schema.Number,
  timestamp: Timestamp,
  type: MarketTradeTypeSchema,
  volume: Schema.Number
})
/**
 * The decoded type of {@link MarketTrade}.
 *
 * @since 0.1.0
 */
export type MarketTrade = typeof MarketTrade.Type
/**
 * Payload of the market hub's `GatewayTrade`: the trades of a contract.
 *
 * @since 0.1.0
 */
export const GatewayTrade = Schema.Array(MarketTrade)

/**
 * One price level of the market hub's `GatewayDepth`.
 *
 * @since 0.1.0
 */
export const DepthEntry = Schema.Struct({
  timestamp: Timestamp,
  type: DepthTypeSchema,
  price: Schema.Number,
  volume: Schema.Number,
  currentVolume: Schema.Number
})
/**
 * The decoded type of {@link DepthEntry}.
 *
 * @since 0.1.0
 */
export type DepthEntry = typeof DepthEntry.Type
/**
 * Payload of the market hub's `GatewayDepth`: depth entries of a contract.
 *
 * @since 0.1.0
 */
export const GatewayDepth = Schema.Array(DepthEntry)

/**
 * User hub server-to-client method names.
 *
 * @since 0.1.0
 */
export const UserHubEvents = {
  account: "GatewayUserAccount",
  order: "GatewayUserOrder",
  position: "GatewayUserPosition",
  trade: "GatewayUserTrade",
  logout: "GatewayLogout"
} as const

/**
 * Market hub server-to-client method names.
 *
 * @since 0.1.0
 */
export const MarketHubEvents = {
  quote: "GatewayQuote",
  trade: "GatewayTrade",
  depth: "GatewayDepth"
} as const

/**
 * Client-to-server hub methods (each Subscribe has an Unsubscribe twin).
 *
 * @since 0.1.0
 */
export const UserHubMethods = [
  "SubscribeAccounts",
  "UnsubscribeAccounts",
  "SubscribeOrders",
  "UnsubscribeOrders",
  "SubscribePositions",
  "UnsubscribePositions",
  "SubscribeTrades",
  "UnsubscribeTrades"
] as const
/**
 * Market hub client-to-server methods (each Subscribe has an Unsubscribe twin).
 *
 * @since 0.1.0
 */
export const MarketHubMethods = [
  "SubscribeContractQuotes",
  "UnsubscribeContractQuotes",
  "SubscribeContractTrades",
  "UnsubscribeContractTrades",
  "SubscribeContractMarketDepth",
  "UnsubscribeContractMarketDepth"
] as const
