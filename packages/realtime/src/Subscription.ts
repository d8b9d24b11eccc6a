/**
 * Typed hub subscriptions: `Subscription.orders(accountId)` is the value
 * `{ method: "SubscribeOrders", args: [accountId] }`, which
 * `HubConnection.subscribe` / `unsubscribe` accept beside the string form
 * (`subscribe("SubscribeOrders", accountId)`). Both forms declare the same
 * subscription (same method and arguments), so they deduplicate against each
 * other and either unsubscribes the other.
 *
 * The user hub's constructors return a {@link UserSubscription}, the market
 * hub's a {@link MarketSubscription} (the method names of the gateway's
 * `HubEvents.UserHubMethods` / `MarketHubMethods`), so a program can keep
 * them apart in its own signatures.
 *
 * @since 0.2.0
 */
import type { HubEvents } from "@tradeguard/gateway"
import type { Subscription } from "./internal/subscriptions.js"

export type {
  /**
   * A subscription: a hub method and its arguments (`{ method, args }`).
   *
   * @since 0.2.0
   */
  Subscription
}

/**
 * The user hub's Subscribe methods (`SubscribeAccounts`, `SubscribeOrders`, ...).
 *
 * @since 0.2.0
 */
export type UserMethod = Extract<(typeof HubEvents.UserHubMethods)[number], `Subscribe${string}`>

/**
 * The market hub's Subscribe methods (`SubscribeContractQuotes`, ...).
 *
 * @since 0.2.0
 */
export type MarketMethod = Extract<(typeof HubEvents.MarketHubMethods)[number], `Subscribe${string}`>

/**
 * A subscription of the user hub (accounts, orders, positions, trades).
 *
 * @since 0.2.0
 */
export interface UserSubscription extends Subscription {
  readonly method: UserMethod
}

/**
 * A subscription of the market hub (quotes, trades, depth of a contract).
 *
 * @since 0.2.0
 */
export interface MarketSubscription extends Subscription {
  readonly method: MarketMethod
}

/**
 * The account updates of every account of the user: `SubscribeAccounts()`.
 *
 * @since 0.2.0
 */
export const accounts = (): UserSubscription => ({ method: "SubscribeAccounts", args: [] })

/**
 * The order updates of one account: `SubscribeOrders(accountId)`.
 *
 * @since 0.2.0
 */
export const orders = (accountId: number): UserSubscription => ({ method: "SubscribeOrders", args: [accountId] })

/**
 * The position updates of one account: `SubscribePositions(accountId)`.
 *
 * @since 0.2.0
 */
export const positions = (accountId: number): UserSubscription => ({ method: "SubscribePositions", args: [accountId] })

/**
 * The fills of one account: `SubscribeTrades(accountId)`.
 *
 * @since 0.2.0
 */
export const trades = (accountId: number): UserSubscription => ({ method: "SubscribeTrades", args: [accountId] })

/**
 * The quotes of one contract: `SubscribeContractQuotes(contractId)`.
 *
 * @since 0.2.0
 */
export const contractQuotes = (contractId: string): MarketSubscription => ({
  method: "SubscribeContractQuotes",
  args: [contractId]
})

/**
 * The market trades of one contract: `SubscribeContractTrades(contractId)`.
 *
 * @since 0.2.0
 */
export const contractTrades = (contractId: string): MarketSubscription => ({
  method: "SubscribeContractTrades",
  args: [contractId]
})

/**
 * The market depth (DOM) of one contract: `SubscribeContractMarketDepth(contractId)`.
 *
 * @since 0.2.0
 */
export const contractMarketDepth = (contractId: string): MarketSubscription => ({
  method: "SubscribeContractMarketDepth",
  args: [contractId]
})
