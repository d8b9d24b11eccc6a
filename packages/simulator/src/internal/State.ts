/**
 * The exchange's mutable ground truth (accounts, orders, positions, trades,
 * markets) and its conversions to the gateway models. Only the exchange core
 * mutates it, one operation at a time.
 *
 * @internal
 */
import { Enums, Models } from "@tradeguard/gateway"
import * as Either from "effect/Either"
import type { ExchangeEvent } from "../ExchangeEvent.js"
import type { ContractOptions, Resolved } from "../Options.js"
import type { Direction, Side } from "./Ledger.js"
import type { Execution, Touch } from "./Matching.js"
import type { PathSpec } from "./PricePath.js"
import type { Pin } from "./Bars.js"
import { stamp } from "./Timestamps.js"

/**
 * The simulator builds its models from its own records, so their constructors' checks are skipped (a tenth of a
 * busy session's time otherwise); what it sends is encoded and checked again by every client that decodes it.
 */
export const unchecked = true

/** A business rejection, named after the error-enum member it maps to (e.g. `OrderRejected`). */
export interface Rejection {
  readonly reason: RejectReason
  readonly message: string
}

export type RejectReason =
  | "AccountNotFound"
  | "AccountRejected"
  | "AccountViolation"
  | "ContractNotFound"
  | "ContractNotActive"
  | "InsufficientFunds"
  | "InvalidCloseSize"
  | "LimitInvalid"
  | "OrderNotFound"
  | "OrderRejected"
  | "PositionNotFound"
  | "Rejected"
  | "UnitInvalid"
  | "UnitNumberInvalid"

export type Outcome<A> = Either.Either<A, Rejection>

export const reject = (reason: RejectReason, message: string): Outcome<never> => Either.left({ reason, message })

export interface AccountRec {
  readonly id: number
  readonly userId: number
  readonly name: string
  balance: number
  canTrade: boolean
  isVisible: boolean
  active: boolean
}

export type OrderRole = "entry" | "stopLoss" | "takeProfit" | "close"

export interface BracketSpec {
  readonly ticks: number
  readonly type: Enums.OrderType
}

export interface OrderRec {
  readonly id: number
  readonly accountId: number
  readonly contractId: string
  readonly symbolId: string
  readonly creationMillis: number
  updateMillis: number | undefined
  status: Enums.OrderStatus
  readonly type: Enums.OrderType
  readonly side: Side
  size: number
  limitPrice: number | undefined
  stopPrice: number | undefined
  /** Trailing stops: the distance the trigger follows the market at. */
  trailDistance: number | undefined
  fillVolume: number
  readonly fills: Array<Execution>
  readonly customTag: string | undefined
  readonly parentOrderId: number | undefined
  linkedOrderId: number | undefined
  readonly role: OrderRole
  /** Entries with brackets: the legs' specs and ids. */
  readonly stopLoss: BracketSpec | undefined
  readonly takeProfit: BracketSpec | undefined
  readonly legIds: Array<number>
  /** Stop-limit orders whose stop was reached now work as limits. */
  triggered: boolean
}

export interface PositionRec {
  readonly id: number
  readonly accountId: number
  readonly contractId: string
  readonly creationMillis: number
  type: Direction
  size: number
  averagePrice: number
}

export interface MarketRec {
  readonly contract: ContractOptions
  readonly spec: PathSpec
  touch: Touch
  lastPrice: number
  open: number
  high: number
  low: number
  volume: number
  /** A price set by a test or an operator; the path is ignored while set. */
  pinned: number | undefined
  /** Every change of `pinned`, oldest first: the bars show the price pinned at their time. */
  pins: Array<Pin>
  /** The last complete quote, to compute deltas against. */
  quote: FullQuote | undefined
  /** The touch of the last depth update. */
  publishedTouch: Touch | undefined
  /** The session low and high of the last depth update (types 7 Low, 8 High). */
  publishedLow: number | undefined
  publishedHigh: number | undefined
}

/** A complete quote: every field of HubEvents.Quote, and `contract` (the contract id, as on the live service). */
export interface FullQuote {
  readonly symbol: string
  readonly contract: string
  readonly symbolName: string
  readonly lastPrice: number
  readonly bestBid: number
  readonly bestAsk: number
  readonly change: number
  readonly changePercent: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly volume: number
  readonly lastUpdated: string
  readonly timestamp: string
}

export interface State {
  readonly config: Resolved
  readonly accounts: Map<number, AccountRec>
  readonly contracts: Map<string, ContractOptions>
  readonly orders: Map<number, OrderRec>
  readonly positions: Map<string, PositionRec>
  /** Each account's trades in the order they were made, with their time (searches read these, not all trades). */
  readonly tradesByAccount: Map<number, Array<TradeRec>>
  readonly tags: Map<number, Set<string>>
  /** Ids of the orders the market works each tick (status Open). */
  readonly live: Set<number>
  /** Ids of the orders not ended yet (Open, Pending, PendingCancellation, Suspended): what open-order searches read. */
  readonly working: Set<number>
  /** The last tick index the market was advanced to. */
  lastTick: number
  readonly markets: Map<string, MarketRec>
  nextOrderId: number
  nextTradeId: number
  nextPositionId: number
  /** Events produced by the current operation, drained and published by the shell. */
  readonly events: Array<ExchangeEvent>
}

/** A trade and its time (epoch millis), kept per account. */
export interface TradeRec {
  readonly millis: number
  readonly trade: Models.Trade
}

export const positionKey = (accountId: number, contractId: string): string => `${accountId}|${contractId}`


const opt = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

export const toAccount = (a: AccountRec): Models.Account =>
  new Models.Account({
    id: a.id,
    name: a.name,
    balance: a.balance,
    canTrade: a.canTrade,
    isVisible: a.isVisible,
    simulated: true
  }, unchecked)

export const toContract = (c: ContractOptions): Models.Contract =>
  new Models.Contract({
    id: c.id,
    name: c.name,
    description: c.description,
    tickSize: c.tickSize,
    tickValue: c.tickValue,
    activeContract: c.activeContract,
    symbolId: c.symbolId
  })

/** Where a model is sent: REST replies (and snapshots) or user-hub events, which differ in shape. */
export type Channel = "rest" | "hub"

/**
 * An order as `channel` shows it. On the hub the take-profit leg of a
 * bracket also carries `trailPrice` (its target once it works, 0 while
 * suspended) and `trailDistance` (the target's distance from the fill), as
 * recorded on the live service. Timestamps have the channel's precision.
 */
export const toOrder = (state: State, o: OrderRec, channel: Channel = "rest"): Models.Order => {
  const t = (millis: number) => stamp(state.config.seed, channel, millis, o.id)
  const target = channel === "hub" && o.role === "takeProfit"
  return new Models.Order({
    id: o.id,
    accountId: o.accountId,
    contractId: o.contractId,
    symbolId: o.symbolId,
    creationTimestamp: t(o.creationMillis),
    ...opt("updateTimestamp", o.updateMillis === undefined ? undefined : t(o.updateMillis)),
    status: o.status,
    type: o.type,
    side: o.side,
    size: o.size,
    ...opt("limitPrice", o.limitPrice),
    ...opt("stopPrice", o.stopPrice),
    fillVolume: o.fillVolume,
    ...opt("filledPrice", filledPriceOf(o)),
    ...opt("customTag", o.customTag),
    ...opt("parentOrderId", o.parentOrderId),
    ...opt("linkedOrderId", o.linkedOrderId),
    ...opt("trailPrice", target ? o.limitPrice ?? 0 : o.type === Enums.OrderType.TrailingStop ? o.stopPrice : undefined),
    ...opt("trailDistance", target ? targetDistance(state, o) : o.trailDistance)
  }, unchecked)
}

/** The average price of an order's fills (undefined before the first). */
export const filledPriceOf = (o: OrderRec): number | undefined => o.fills.length === 0 ? undefined : averageOf(o.fills)

/** A take-profit leg's distance from the entry's fill, in price. */
const targetDistance = (state: State, leg: OrderRec): number => {
  const spec = leg.parentOrderId === undefined ? undefined : state.orders.get(leg.parentOrderId)?.takeProfit
  const tick = state.contracts.get(leg.contractId)!.tickSize
  return spec === undefined ? 0 : Number((Math.abs(spec.ticks) * tick).toFixed(6))
}

const averageOf = (fills: ReadonlyArray<Execution>): number => {
  let n = 0, s = 0
  for (const f of fills) {
    n += f.price * f.size
    s += f.size
  }
  return Number((n / s).toFixed(6))
}

/** A position as `channel` shows it; hub events also carry `contractDisplayName` (the contract's name). */
export const toPosition = (state: State, p: PositionRec, channel: Channel = "rest"): Models.Position =>
  new Models.Position({
    id: p.id,
    accountId: p.accountId,
    contractId: p.contractId,
    creationTimestamp: stamp(state.config.seed, channel, p.creationMillis, p.id),
    type: p.type,
    size: p.size,
    averagePrice: Number(p.averagePrice.toFixed(6)),
    ...opt("contractDisplayName", channel === "hub" ? state.contracts.get(p.contractId)?.name : undefined)
  }, unchecked)

/**
 * A position that went flat, as the hub reports it: type 0, size 0, and the
 * last `averagePrice` kept (as the live service does).
 */
export const toClosedPosition = (state: State, p: PositionRec): Models.Position =>
  new Models.Position({ ...toPosition(state, p, "hub"), type: 0, size: 0 }, unchecked)

/** A trade as the user hub sends it: the hub's timestamp precision and `commissions` (0: fees are charged apart). */
export const toHubTrade = (state: State, trade: Models.Trade, millis: number): Models.Trade =>
  new Models.Trade({ ...trade, creationTimestamp: stamp(state.config.seed, "hub", millis, trade.id), commissions: 0 }, unchecked)

/** Working orders that `Order/searchOpen` lists: bracket legs stay hidden while suspended. */
export const isListedOpen = (o: OrderRec): boolean =>
  o.status === Enums.OrderStatus.Open || o.status === Enums.OrderStatus.Pending ||
  o.status === Enums.OrderStatus.PendingCancellation

/** Records a trade made at `millis`. */
export const addTrade = (state: State, trade: Models.Trade, millis: number): void => {
  let list = state.tradesByAccount.get(trade.accountId)
  if (list === undefined) state.tradesByAccount.set(trade.accountId, list = [])
  list.push({ millis, trade })
}

/** The orders not ended yet, oldest first (by id). */
export const workingOrders = (state: State): Array<OrderRec> =>
  [...state.working].sort((a, b) => a - b).map((id) => state.orders.get(id)!)

/** Changes an order's status, keeping the set of live orders in step. */
export const setStatus = (state: State, order: OrderRec, status: Enums.OrderStatus): void => {
  order.status = status
  if (status === Enums.OrderStatus.Open) state.live.add(order.id)
  else state.live.delete(order.id)
  if (Enums.isWorkingStatus(status)) state.working.add(order.id)
  else state.working.delete(order.id)
}
