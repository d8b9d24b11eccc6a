/**
 * A faithful local ProjectX gateway: an in-memory exchange with a seeded
 * price process, auth with JWTs, the gateway's rate limits, every endpoint of
 * the contract's table, the two SignalR hubs (JSON hub protocol over
 * WebSocket), and a typed fault plan. Runs in-process (an HttpClient layer and
 * an in-process hub API, for TestClock tests) or on a socket.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"
export * as Exchange from "./Exchange.js"
export * as ExchangeEvent from "./ExchangeEvent.js"
export * as FaultInjector from "./FaultInjector.js"
export * as FaultPlan from "./FaultPlan.js"
export * as Hubs from "./Hubs.js"
export * as HubServer from "./HubServer.js"
export * as Options from "./Options.js"
export * as RateLimiter from "./RateLimiter.js"
export * as Rejection from "./Rejection.js"
export * as RestApi from "./RestApi.js"
export * as Server from "./Server.js"
export * as Simulator from "./Simulator.js"
