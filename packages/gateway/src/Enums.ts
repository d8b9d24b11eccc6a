/**
 * The gateway's enumerations (reference section 5) as named constants, literal
 * unions and Schemas. Names map to the numbers the wire carries.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const literalSchema = <const T extends Record<string, number>>(values: T) =>
  Schema.Literal(...(Object.values(values) as Array<T[keyof T]>))

/**
 * Reverse lookup: the name of an enum value, or `Unknown(<n>)`.
 *
 * @since 0.1.0
 */
export const nameOf = <T extends Record<string, number>>(values: T, n: number): string => {
  for (const [k, v] of Object.entries(values)) if (v === n) return k
  return `Unknown(${n})`
}

/**
 * Order types of `Order/place` and of an order's `type`.
 *
 * @since 0.1.0
 */
export const OrderType = {
  Unknown: 0,
  Limit: 1,
  Market: 2,
  StopLimit: 3,
  Stop: 4,
  TrailingStop: 5,
  JoinBid: 6,
  JoinAsk: 7
} as const
/**
 * One of the values of {@link OrderType}.
 *
 * @since 0.1.0
 */
export type OrderType = (typeof OrderType)[keyof typeof OrderType]
/**
 * Schema of {@link OrderType}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const OrderTypeSchema = literalSchema(OrderType)

/**
 * Order sides: `Bid` (buy) and `Ask` (sell).
 *
 * @since 0.1.0
 */
export const OrderSide = { Bid: 0, Ask: 1 } as const
/**
 * One of the values of {@link OrderSide}.
 *
 * @since 0.1.0
 */
export type OrderSide = (typeof OrderSide)[keyof typeof OrderSide]
/**
 * Schema of {@link OrderSide}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const OrderSideSchema = literalSchema(OrderSide)

/**
 * Order statuses of an order's `status`.
 *
 * @since 0.1.0
 */
export const OrderStatus = {
  None: 0,
  Open: 1,
  Filled: 2,
  Cancelled: 3,
  Expired: 4,
  Rejected: 5,
  Pending: 6,
  PendingCancellation: 7,
  Suspended: 8
} as const
/**
 * One of the values of {@link OrderStatus}.
 *
 * @since 0.1.0
 */
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus]
/**
 * Schema of {@link OrderStatus}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const OrderStatusSchema = literalSchema(OrderStatus)

/**
 * Terminal statuses: Filled, Cancelled, Expired, Rejected (reference section 8).
 *
 * @since 0.1.0
 */
export const isTerminalStatus = (s: OrderStatus): boolean => s === 2 || s === 3 || s === 4 || s === 5
/**
 * Working statuses: Open, Pending, PendingCancellation, Suspended.
 *
 * @since 0.1.0
 */
export const isWorkingStatus = (s: OrderStatus): boolean => s === 1 || s === 6 || s === 7 || s === 8

/**
 * Position types: `Long`, `Short`, or `Undefined` (flat).
 *
 * @since 0.1.0
 */
export const PositionType = { Undefined: 0, Long: 1, Short: 2 } as const
/**
 * One of the values of {@link PositionType}.
 *
 * @since 0.1.0
 */
export type PositionType = (typeof PositionType)[keyof typeof PositionType]
/**
 * Schema of {@link PositionType}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const PositionTypeSchema = literalSchema(PositionType)

/**
 * Bar units of `History/retrieveBars`.
 *
 * @since 0.1.0
 */
export const AggregateBarUnit = {
  Unspecified: 0,
  Second: 1,
  Minute: 2,
  Hour: 3,
  Day: 4,
  Week: 5,
  Month: 6
} as const
/**
 * One of the values of {@link AggregateBarUnit}.
 *
 * @since 0.1.0
 */
export type AggregateBarUnit = (typeof AggregateBarUnit)[keyof typeof AggregateBarUnit]
/**
 * Schema of {@link AggregateBarUnit}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const AggregateBarUnitSchema = literalSchema(AggregateBarUnit)

/**
 * The aggressor side of a market trade: `Buy` or `Sell`.
 *
 * @since 0.1.0
 */
export const MarketTradeType = { Buy: 0, Sell: 1 } as const
/**
 * One of the values of {@link MarketTradeType}.
 *
 * @since 0.1.0
 */
export type MarketTradeType = (typeof MarketTradeType)[keyof typeof MarketTradeType]
/**
 * Schema of {@link MarketTradeType}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const MarketTradeTypeSchema = literalSchema(MarketTradeType)

/**
 * Kinds of a market-depth entry (ask, bid, best ask/bid, trade, reset, ...).
 *
 * @since 0.1.0
 */
export const DepthType = {
  Unknown: 0,
  Ask: 1,
  Bid: 2,
  BestAsk: 3,
  BestBid: 4,
  Trade: 5,
  Reset: 6,
  Low: 7,
  High: 8,
  NewBestBid: 9,
  NewBestAsk: 10,
  Fill: 11
} as const
/**
 * One of the values of {@link DepthType}.
 *
 * @since 0.1.0
 */
export type DepthType = (typeof DepthType)[keyof typeof DepthType]
/**
 * Schema of {@link DepthType}: exactly its numeric values.
 *
 * @since 0.1.0
 */
export const DepthTypeSchema = literalSchema(DepthType)
