/**
 * The ProjectX Gateway contract: models, enums, error codes, the endpoint
 * table, hub payloads and a raw typed client.
 *
 * @since 0.1.0
 */
/**
 * The endpoint table: path, request and reply Schemas, error enum, rate-limit class of every endpoint.
 *
 * @since 0.1.0
 */
export * as Endpoints from "./Endpoints.js"
/**
 * The gateway's enumerations (order type, side, status, ...) as constants, literal unions and Schemas.
 *
 * @since 0.1.0
 */
export * as Enums from "./Enums.js"
/**
 * The per-endpoint `errorCode` enums; `0` is always Success.
 *
 * @since 0.1.0
 */
export * as ErrorCodes from "./ErrorCodes.js"
/**
 * The typed failures of a gateway call.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"
/**
 * Hand-written decoders of the models that arrive at hub rates.
 *
 * @since 0.1.0
 */
export * as FastDecode from "./FastDecode.js"
/**
 * The raw typed client: a method per endpoint over `@effect/platform`'s HttpClient, no resilience.
 *
 * @since 0.1.0
 */
export * as GatewayClient from "./GatewayClient.js"
/**
 * Payload Schemas and method names of the two SignalR hubs.
 *
 * @since 0.1.0
 */
export * as HubEvents from "./HubEvents.js"
/**
 * The SignalR JSON hub protocol (version 1): messages, framing, handshake.
 *
 * @since 0.1.0
 */
export * as HubProtocol from "./HubProtocol.js"
/**
 * The gateway's models (Account, Contract, Order, Position, Trade, Bar) as Schemas.
 *
 * @since 0.1.0
 */
export * as Models from "./Models.js"
