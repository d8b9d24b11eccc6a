/**
 * HubEvent: what comes out of a hub connection, one tagged union for both
 * hubs. Live events carry `reconciled: false`; events the StateReconciler
 * synthesizes for what was missed while disconnected carry `reconciled: true`
 * and travel on the same stream.
 *
 * When to use: consume `HubConnection.events` and switch on `_tag`. Build
 * events with the constructors below (tests, the reconciler).
 *
 * @since 0.1.0
 */
import type { HubEvents, Models } from "@tradeguard/gateway"

/**
 * User hub: `GatewayUserAccount`.
 *
 * @since 0.1.0
 */
export interface Account {
  readonly _tag: "Account"
  readonly account: Models.Account
  /** The `action` of the `{action, data}` wrapper; undefined for a bare payload or a reconciled event. */
  readonly action: number | undefined
  readonly reconciled: boolean
}

/**
 * User hub: `GatewayUserOrder`. A terminal status (2..5) ends the order.
 *
 * @since 0.1.0
 */
export interface Order {
  readonly _tag: "Order"
  readonly order: Models.Order
  readonly action: number | undefined
  readonly reconciled: boolean
}

/**
 * User hub: `GatewayUserPosition`. A closed position arrives as type 0, size 0.
 *
 * @since 0.1.0
 */
export interface Position {
  readonly _tag: "Position"
  readonly position: Models.Position
  readonly action: number | undefined
  readonly reconciled: boolean
}

/**
 * User hub: `GatewayUserTrade`, a half-turn fill. Delivered exactly once per trade id.
 *
 * @since 0.1.0
 */
export interface Trade {
  readonly _tag: "Trade"
  readonly trade: Models.Trade
  readonly action: number | undefined
  readonly reconciled: boolean
}

/**
 * Market hub: `GatewayQuote`. Usually a delta: merge it (AccountState does).
 *
 * @since 0.1.0
 */
export interface Quote {
  readonly _tag: "Quote"
  readonly contractId: string
  readonly quote: HubEvents.Quote
  readonly reconciled: boolean
}

/**
 * Market hub: `GatewayTrade`, the prints of one contract.
 *
 * @since 0.1.0
 */
export interface MarketTrades {
  readonly _tag: "MarketTrades"
  readonly contractId: string
  readonly trades: ReadonlyArray<HubEvents.MarketTrade>
  readonly reconciled: boolean
}

/**
 * Market hub: `GatewayDepth`; an entry of type 6 (Reset) clears the book.
 *
 * @since 0.1.0
 */
export interface Depth {
  readonly _tag: "Depth"
  readonly contractId: string
  readonly entries: ReadonlyArray<HubEvents.DepthEntry>
  readonly reconciled: boolean
}

/**
 * User hub: `GatewayLogout`, the session was ended elsewhere. The connection logs in afresh and reconnects.
 *
 * @since 0.1.0
 */
export interface Logout {
  readonly _tag: "Logout"
  readonly arguments: ReadonlyArray<unknown>
  readonly reconciled: boolean
}

/**
 * An event of either hub, decoded and tagged (`Account`, `Order`, `Quote`, ...).
 *
 * @since 0.1.0
 */
export type HubEvent = Account | Order | Position | Trade | Quote | MarketTrades | Depth | Logout
/**
 * The tag of a hub event (`Account`, `Order`, ...).
 *
 * @since 0.1.0
 */
export type Tag = HubEvent["_tag"]

/**
 * An `Account` event (`reconciled`: it comes from the REST catch-up, not the hub).
 *
 * @since 0.1.0
 */
export const account = (a: Models.Account, reconciled = false, action?: number): Account => ({
  _tag: "Account",
  account: a,
  action,
  reconciled
})
/**
 * An `Order` event (`reconciled`: it comes from the REST catch-up, not the hub).
 *
 * @since 0.1.0
 */
export const order = (o: Models.Order, reconciled = false, action?: number): Order => ({
  _tag: "Order",
  order: o,
  action,
  reconciled
})
/**
 * A `Position` event (`reconciled`: it comes from the REST catch-up, not the hub).
 *
 * @since 0.1.0
 */
export const position = (p: Models.Position, reconciled = false, action?: number): Position => ({
  _tag: "Position",
  position: p,
  action,
  reconciled
})
/**
 * A `Trade` event (`reconciled`: it comes from the REST catch-up, not the hub).
 *
 * @since 0.1.0
 */
export const trade = (t: Models.Trade, reconciled = false, action?: number): Trade => ({
  _tag: "Trade",
  trade: t,
  action,
  reconciled
})
/**
 * A `Quote` event of a contract.
 *
 * @since 0.1.0
 */
export const quote = (contractId: string, q: HubEvents.Quote, reconciled = false): Quote => ({
  _tag: "Quote",
  contractId,
  quote: q,
  reconciled
})
/**
 * A `MarketTrades` event: the trades of a contract.
 *
 * @since 0.1.0
 */
export const marketTrades = (
  contractId: string,
  trades: ReadonlyArray<HubEvents.MarketTrade>,
  reconciled = false
): MarketTrades => ({ _tag: "MarketTrades", contractId, trades, reconciled })
/**
 * A `Depth` event: depth entries of a contract.
 *
 * @since 0.1.0
 */
export const depth = (
  contractId: string,
  entries: ReadonlyArray<HubEvents.DepthEntry>,
  reconciled = false
): Depth => ({ _tag: "Depth", contractId, entries, reconciled })
/**
 * A `Logout` event: the server ended the session.
 *
 * @since 0.1.0
 */
export const logout = (args: ReadonlyArray<unknown> = []): Logout => ({
  _tag: "Logout",
  arguments: args,
  reconciled: false
})

/**
 * Narrows an event to one tag: `Stream.filter(HubEvent.is("Order"))`.
 *
 * @since 0.1.0
 */
export const is = <T extends Tag>(tag: T) => (e: HubEvent): e is Extract<HubEvent, { _tag: T }> => e._tag === tag

/**
 * True for the user-hub events that change account state (Account, Order, Position, Trade).
 *
 * @since 0.1.0
 */
export const isUserEvent = (e: HubEvent): e is Account | Order | Position | Trade =>
  e._tag === "Account" || e._tag === "Order" || e._tag === "Position" || e._tag === "Trade"
