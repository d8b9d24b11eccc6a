/**
 * Realtime: the two SignalR hubs of the ProjectX gateway as typed, self-healing
 * event streams (HubTransport, HubConnection), the cached account picture
 * they feed (AccountState), and the REST catch-up after every reconnect
 * (StateReconciler).
 *
 * @since 0.1.0
 */
export * as AccountState from "./AccountState.js"
export * as Config from "./Config.js"
export * as HubConnection from "./HubConnection.js"
export * as HubEvent from "./HubEvent.js"
export * as HubTransport from "./HubTransport.js"
export * as StateReconciler from "./StateReconciler.js"
export * as Subscription from "./Subscription.js"
export * as TradingDay from "./TradingDay.js"
export * as InProcessTransport from "./InProcessTransport.js"
export * as SignalRTransport from "./SignalRTransport.js"
