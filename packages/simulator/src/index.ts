/**
 * A faithful local ProjectX gateway: an in-memory exchange with a seeded
 * price process, auth with JWTs, the gateway's rate limits, every endpoint of
 * the contract's table, the two SignalR hubs (JSON hub protocol over
 * WebSocket), and a typed fault plan. Runs in-process (an HttpClient layer and
 * an in-process hub API, for TestClock tests) or on a socket.
 *
 * @since 0.1.0
 */
/**
 * Sessions and JWTs like the gateway's: logins, validate, logout.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"
/**
 * The in-memory exchange: accounts, orders, fills, positions, a seeded price process.
 *
 * @since 0.1.0
 */
export * as Exchange from "./Exchange.js"
/**
 * Every state change of the simulated exchange, in order.
 *
 * @since 0.1.0
 */
export * as ExchangeEvent from "./ExchangeEvent.js"
/**
 * Holds the fault plan in force and draws its decisions.
 *
 * @since 0.1.0
 */
export * as FaultInjector from "./FaultInjector.js"
/**
 * A typed, seeded fault plan: latency, errors, rate limits, hub faults.
 *
 * @since 0.1.0
 */
export * as FaultPlan from "./FaultPlan.js"
/**
 * The simulator's two SignalR hubs (`/hubs/user`, `/hubs/market`) as one service.
 *
 * @since 0.1.0
 */
export * as Hubs from "./Hubs.js"
/**
 * The hubs on a socket (the JSON hub protocol over WebSocket).
 *
 * @since 0.1.0
 */
export * as HubServer from "./HubServer.js"
/**
 * The simulator's options and their defaults.
 *
 * @since 0.1.0
 */
export * as Options from "./Options.js"
/**
 * The gateway's rate limits as the simulator enforces them (429 with Retry-After).
 *
 * @since 0.1.0
 */
export * as RateLimiter from "./RateLimiter.js"
/**
 * A business rejection (`success: false`) named after the endpoint's error code.
 *
 * @since 0.1.0
 */
export * as Rejection from "./Rejection.js"
/**
 * The simulator's REST API as an HttpApp, served from the endpoint table.
 *
 * @since 0.1.0
 */
export * as RestApi from "./RestApi.js"
/**
 * Serves the REST app and the hubs on one real socket.
 *
 * @since 0.1.0
 */
export * as Server from "./Server.js"
/**
 * The whole simulator as one scoped service, in-process or on a port.
 *
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.js"
