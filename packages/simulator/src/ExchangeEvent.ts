/**
 * Every state change of the simulated exchange, in the order it happened.
 * User events carry the gateway model (as REST returns it) and the owning
 * user's id; market events carry the contract id. The hub servers turn these
 * into `GatewayUser*` / `Gateway*` invocations.
 *
 * @since 0.1.0
 */
import type { HubEvents, Models } from "@tradeguard/gateway"
import * as Data from "effect/Data"

/** Why a session ended: a logout call, an operator (admin), or a newer login (singleSessionPerUser). */
export type LogoutReason = "logout" | "forced" | "replaced"

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
  /** The fields of the quote that changed (the first quote is complete). */
  QuoteUpdated: { readonly contractId: string; readonly quote: HubEvents.Quote }
  /** Market prints (the simulated crowd's and our own fills). */
  MarketTrades: { readonly contractId: string; readonly trades: ReadonlyArray<HubEvents.MarketTrade> }
  /** Depth changed: a Reset (type 6) followed by the book's levels. */
  DepthUpdated: { readonly contractId: string; readonly entries: ReadonlyArray<HubEvents.DepthEntry> }
  /** Sessions of a user ended; their tokens now get 401. */
  Logout: {
    readonly userId: number
    readonly userName: string
    readonly sessionIds: ReadonlyArray<string>
    readonly reason: LogoutReason
  }
}>

export const ExchangeEvent = Data.taggedEnum<ExchangeEvent>()

/** The user an event belongs to, if it is a user event. */
export const userIdOf = (event: ExchangeEvent): number | undefined =>
  "userId" in event ? event.userId : undefined

/** The account an event belongs to, if it is an account-scoped user event. */
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
