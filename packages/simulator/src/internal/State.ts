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
  /** The last complete quote, to compute deltas against. */
  quote: FullQuote | undefined
  /** The touch of the last depth update. */
  publishedTouch: Touch | undefined
}

/** A complete quote (every field of HubEvents.Quote present). */
export interface FullQuote {
  readonly symbol: string
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
  readonly trades: Array<Models.Trade>
  readonly tags: Map<number, Set<string>>
  /** Ids of the orders the market works each tick (status Open). */
  readonly live: Set<number>
  /** The last tick index the market was advanced to. */
  lastTick: number
  readonly markets: Map<string, MarketRec>
  nextOrderId: number
  nextTradeId: number
  nextPositionId: number
  /** Events produced by the current operation, drained and published by the shell. */
  readonly events: Array<ExchangeEvent>
}

export const positionKey = (accountId: number, contractId: string): string => `${accountId}|${contractId}`

export const ts = Models.timestampFromMillis

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
  })

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

export const toOrder = (o: OrderRec): Models.Order =>
  new Models.Order({
    id: o.id,
    accountId: o.accountId,
    contractId: o.contractId,
    symbolId: o.symbolId,
    creationTimestamp: ts(o.creationMillis),
    ...opt("updateTimestamp", o.updateMillis === undefined ? undefined : ts(o.updateMillis)),
    status: o.status,
    type: o.type,
    side: o.side,
    size: o.size,
    ...opt("limitPrice", o.limitPrice),
    ...opt("stopPrice", o.stopPrice),
    fillVolume: o.fillVolume,
    ...opt("filledPrice", o.fills.length === 0 ? undefined : averageOf(o.fills)),
    ...opt("customTag", o.customTag),
    ...opt("parentOrderId", o.parentOrderId),
    ...opt("linkedOrderId", o.linkedOrderId),
    ...opt("trailPrice", o.type === Enums.OrderType.TrailingStop ? o.stopPrice : undefined),
    ...opt("trailDistance", o.trailDistance)
  })

const averageOf = (fills: ReadonlyArray<Execution>): number => {
  let n = 0, s = 0
  for (const f of fills) {
    n += f.price * f.size
    s += f.size
  }
  return Number((n / s).toFixed(6))
}

export const toPosition = (p: PositionRec): Models.Position =>
  new Models.Position({
    id: p.id,
    accountId: p.accountId,
    contractId: p.contractId,
    creationTimestamp: ts(p.creationMillis),
    type: p.type,
    size: p.size,
    averagePrice: Number(p.averagePrice.toFixed(6))
  })

/** A position that went flat, as the hub reports it: type 0, size 0. */
export const toClosedPosition = (p: PositionRec): Models.Position =>
  new Models.Position({
    id: p.id,
    accountId: p.accountId,
    contractId: p.contractId,
    creationTimestamp: ts(p.creationMillis),
    type: 0,
    size: 0,
    averagePrice: 0
  })

/** Working orders that `Order/searchOpen` lists: bracket legs stay hidden while suspended. */
export const isListedOpen = (o: OrderRec): boolean =>
  o.status === Enums.OrderStatus.Open || o.status === Enums.OrderStatus.Pending ||
  o.status === Enums.OrderStatus.PendingCancellation

/** Changes an order's status, keeping the set of live orders in step. */
export const setStatus = (state: State, order: OrderRec, status: Enums.OrderStatus): void => {
  order.status = status
  if (status === Enums.OrderStatus.Open) state.live.add(order.id)
  else state.live.delete(order.id)
}
