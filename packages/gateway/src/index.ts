/**
 * The ProjectX Gateway contract: models, enums, error codes, the endpoint
 * table, hub payloads and a raw typed client.
 *
 * @since 0.1.0
 */
export * as Endpoints from "./Endpoints.js"
export * as Enums from "./Enums.js"
export * as ErrorCodes from "./ErrorCodes.js"
export * as Errors from "./Errors.js"
export * as FastDecode from "./FastDecode.js"
export * as GatewayClient from "./GatewayClient.js"
export * as HubEvents from "./HubEvents.js"
export * as HubProtocol from "./HubProtocol.js"
export * as Models from "./Models.js"
