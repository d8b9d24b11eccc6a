/**
 * Realtime: the two SignalR hubs of the ProjectX gateway as typed, self-healing
 * event streams (HubTransport, HubConnection), the cached account picture
 * they feed (AccountState), and the REST catch-up after every reconnect
 * (StateReconciler).
 *
 * @since 0.1.0
 */
/**
 * The cached account picture the hubs feed: accounts, orders, positions, trades, quotes.
 *
 * @since 0.1.0
 */
export * as AccountState from "./AccountState.js"
/**
 * One account in a plain, comparable shape (the cached picture against a REST snapshot or a ground truth) and the differences.
 *
 * @since 0.2.0
 */
export * as AccountPicture from "./AccountPicture.js"
/**
 * The realtime config sections (`signalr`, `stateReconciliation`, `tradingDay`) as Schemas with the seed's defaults.
 *
 * @since 0.1.0
 */
export * as Config from "./Config.js"
/**
 * A self-healing connection to one hub: reconnects, pings, replays subscriptions, typed events.
 *
 * @since 0.1.0
 */
export * as HubConnection from "./HubConnection.js"
/**
 * The tagged union of what comes out of either hub.
 *
 * @since 0.1.0
 */
export * as HubEvent from "./HubEvent.js"
/**
 * The port between HubConnection and a SignalR hub (real client or in-process).
 *
 * @since 0.1.0
 */
export * as HubTransport from "./HubTransport.js"
/**
 * The REST catch-up of what a hub missed while disconnected.
 *
 * @since 0.1.0
 */
export * as StateReconciler from "./StateReconciler.js"
/**
 * Typed hub subscriptions (`Subscription.orders(accountId)`) for `subscribe` / `unsubscribe`.
 *
 * @since 0.2.0
 */
export * as Subscription from "./Subscription.js"
/**
 * When a trading day starts (default 17:00 America/Chicago).
 *
 * @since 0.1.0
 */
export * as TradingDay from "./TradingDay.js"
/**
 * The HubTransport over the simulator's in-process hubs, for tests.
 *
 * @since 0.1.0
 */
export * as InProcessTransport from "./InProcessTransport.js"
/**
 * The HubTransport over the real `@microsoft/signalr` client.
 *
 * @since 0.1.0
 */
export * as SignalRTransport from "./SignalRTransport.js"
