/**
 * Every state change of the simulated exchange, in the order it happened.
 * User events carry the gateway model as the user hub sends it (its
 * timestamp precision and hub-only fields such as `contractDisplayName` and
 * `commissions`) and the owning user's id; market events carry the contract id. The hub servers turn these
 * into `GatewayUser*` / `Gateway*` invocations.
 *
 * @since 0.1.0
 */
import type { HubEvents, Models } from "@tradeguard/gateway"
import * as Data from "effect/Data"

/**
 * Why a session ended: a logout call, an operator (admin), or a newer login (singleSessionPerUser).
 *
 * @since 0.1.0
 */
export type LogoutReason = "logout" | "forced" | "replaced"

/**
 * A quote (or delta) as the market hub sends it: `contract` (the contract id) rides along on every message.
 *
 * @since 0.1.0
 */
export type Quote = HubEvents.Quote & { readonly contract?: string }

/**
 * A market print as the market hub sends it: with the `contractId` of the contract.
 *
 * @since 0.1.0
 */
export type MarketTrade = HubEvents.MarketTrade & { readonly contractId?: string }

/**
 * An event of the exchange (account, order, position, trade, quote, depth changes, logout), which the hubs send out.
 *
 * @since 0.1.0
 */
export type ExchangeEvent = Data.TaggedEnum<{
  /** Balance or canTrade changed. */
  AccountUpdated: { readonly userId: number; readonly account: Models.Account }
  /** An order was created or changed (status, fillVolume, prices, size). */
  OrderUpserted: { readonly userId: number; readonly order: Models.Order }
  /** A position was opened or changed. */
  PositionUpserted: { readonly userId: number; readonly position: Models.Position }
  /** A position went flat: `position.type` is 0 and `position.size` is 0. */
  PositionClosed: { readonly userId: number; readonly position: Models.Position }
  /** A half-turn fill. `trade.profitAndLoss` is absent on an opening fill. */
  TradeExecuted: { readonly userId: number; readonly trade: Models.Trade }
  /** The fields of the quote that changed (the first quote is complete), with `symbol` and `contract` always. */
  QuoteUpdated: { readonly contractId: string; readonly quote: Quote }
  /** Market prints (the simulated crowd's and our own fills), each with its `contractId`. */
  MarketTrades: { readonly contractId: string; readonly trades: ReadonlyArray<MarketTrade> }
  /**
   * Depth changed: a Reset (type 6) followed by the book's levels (3 BestAsk,
   * 1 Ask, 4 BestBid, 2 Bid) when the touch moved, then 5 Trade entries for
   * the prints and 7 Low / 8 High when the session's range widened.
   */
  DepthUpdated: { readonly contractId: string; readonly entries: ReadonlyArray<HubEvents.DepthEntry> }
  /** Sessions of a user ended; their tokens now get 401. */
  Logout: {
    readonly userId: number
    readonly userName: string
    readonly sessionIds: ReadonlyArray<string>
    readonly reason: LogoutReason
  }
}>

/**
 * Constructors and matchers of {@link ExchangeEvent}.
 *
 * @since 0.1.0
 */
export const ExchangeEvent = Data.taggedEnum<ExchangeEvent>()

/**
 * The user an event belongs to, if it is a user event.
 *
 * @since 0.1.0
 */
export const userIdOf = (event: ExchangeEvent): number | undefined =>
  "userId" in event ? event.userId : undefined

/**
 * The account an event belongs to, if it is an account-scoped user event.
 *
 * @since 0.1.0
 */
export const accountIdOf = (event: ExchangeEvent): number | undefined => {
  switch (event._tag) {
    case "AccountUpdated":
      return event.account.id
    case "OrderUpserted":
      return event.order.accountId
    case "PositionUpserted":
    case "PositionClosed":
      return event.position.accountId
    case "TradeExecuted":
      return event.trade.accountId
    default:
      return undefined
  }
}
