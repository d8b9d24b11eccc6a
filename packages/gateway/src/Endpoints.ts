/**
 * The endpoint table: one row per gateway endpoint with its path, request and
 * reply-payload Schemas, error enum, rate-limit class and whether it changes
 * state. GatewayClient calls from it; the simulator serves from it.
 *
 * Requests are strict (we send exactly what the gateway documents); replies are
 * decoded tolerantly (see Models). The reply Schema covers the payload only: the
 * `success / errorCode / errorMessage` envelope is {@link Envelope}.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { AggregateBarUnitSchema, OrderSideSchema, OrderTypeSchema } from "./Enums.js"
import type { ErrorEnumName } from "./ErrorCodes.js"
import { Account, Bar, Bracket, Contract, Id, Order, Position, Timestamp, Trade } from "./Models.js"

/**
 * `history` for retrieveBars (50 / 30 s), `general` for the rest (200 / 60 s).
 *
 * @since 0.1.0
 */
export type RateLimitClass = "history" | "general"

/**
 * One row of the endpoint table: path, request and reply Schemas, error enum, rate-limit class, and whether the call changes state, sends a token, or has no body.
 *
 * @since 0.1.0
 */
export interface Endpoint<
  Name extends string = string,
  Req = unknown,
  ReqI = unknown,
  Rep = unknown,
  RepI = unknown
> {
  readonly name: Name
  readonly path: string
  readonly request: Schema.Schema<Req, ReqI>
  readonly reply: Schema.Schema<Rep, RepI>
  readonly errors: ErrorEnumName
  readonly rateLimit: RateLimitClass
  /** Changes state on the gateway: never blindly retried after an ambiguous failure. */
  readonly mutating: boolean
  /** Sends `Authorization: Bearer <token>`. */
  readonly authenticated: boolean
  /** The request has no body (validate, logout). */
  readonly emptyBody: boolean
}

/**
 * Any row of the endpoint table, whatever its request and reply types.
 *
 * @since 0.1.0
 */
export type AnyEndpoint = Endpoint<string, any, any, any, any> // eslint-disable-line @typescript-eslint/no-explicit-any
/**
 * The decoded request type of an endpoint.
 *
 * @since 0.1.0
 */
export type RequestOf<E> = E extends Endpoint<string, infer R, infer _I, infer _P, infer _PI> ? R : never
/**
 * The decoded reply-payload type of an endpoint.
 *
 * @since 0.1.0
 */
export type ReplyOf<E> = E extends Endpoint<string, infer _R, infer _I, infer P, infer _PI> ? P : never

const endpoint = <const Name extends string, Req, ReqI, Rep, RepI>(e: {
  readonly name: Name
  readonly path: string
  readonly request: Schema.Schema<Req, ReqI>
  readonly reply: Schema.Schema<Rep, RepI>
  readonly errors: ErrorEnumName
  readonly rateLimit?: RateLimitClass
  readonly mutating?: boolean
  readonly authenticated?: boolean
  readonly emptyBody?: boolean
}): Endpoint<Name, Req, ReqI, Rep, RepI> => ({
  rateLimit: "general",
  mutating: false,
  authenticated: true,
  emptyBody: false,
  ...e
})

/**
 * The `success / errorCode / errorMessage` part of every JSON reply.
 *
 * @since 0.1.0
 */
export const Envelope = Schema.Struct({
  success: Schema.Boolean,
  errorCode: Schema.Number,
  errorMessage: Schema.optionalWith(Schema.String, { nullable: true })
})
/**
 * The decoded type of {@link Envelope}.
 *
 * @since 0.1.0
 */
export type Envelope = typeof Envelope.Type

const NoPayload = Schema.Struct({})
const NoBody = Schema.Struct({})

// ---------------------------------------------------------------- requests

/**
 * Request of `Auth/loginKey`: the user name and its API key.
 *
 * @since 0.1.0
 */
export const LoginKeyRequest = Schema.Struct({ userName: Schema.String, apiKey: Schema.String })
/**
 * Request of `Auth/loginApp`: user, password, device, app id and verify key.
 *
 * @since 0.1.0
 */
export const LoginAppRequest = Schema.Struct({
  userName: Schema.String,
  password: Schema.String,
  deviceId: Schema.String,
  appId: Schema.String,
  verifyKey: Schema.String
})
/**
 * Request of `Account/search`.
 *
 * @since 0.1.0
 */
export const AccountSearchRequest = Schema.Struct({ onlyActiveAccounts: Schema.Boolean })
/**
 * Request of `Contract/search`: free text (optional) and live or sim data.
 *
 * @since 0.1.0
 */
export const ContractSearchRequest = Schema.Struct({
  searchText: Schema.optional(Schema.String),
  live: Schema.Boolean
})
/**
 * Request of `Contract/searchById`.
 *
 * @since 0.1.0
 */
export const ContractSearchByIdRequest = Schema.Struct({ contractId: Schema.String })
/**
 * Request of `Contract/available`.
 *
 * @since 0.1.0
 */
export const ContractAvailableRequest = Schema.Struct({ live: Schema.Boolean })
/**
 * Request of `History/retrieveBars`: contract, time range, bar unit and size, limit.
 *
 * @since 0.1.0
 */
export const RetrieveBarsRequest = Schema.Struct({
  contractId: Schema.String,
  live: Schema.Boolean,
  startTime: Timestamp,
  endTime: Timestamp,
  unit: AggregateBarUnitSchema,
  unitNumber: Schema.Number.pipe(Schema.int()),
  limit: Schema.Number.pipe(Schema.int()),
  includePartialBar: Schema.Boolean
})
/**
 * Request of `Order/search` and `Trade/search`: an account and a time range.
 *
 * @since 0.1.0
 */
export const OrderSearchRequest = Schema.Struct({
  accountId: Id,
  startTimestamp: Timestamp,
  endTimestamp: Schema.optional(Timestamp)
})
/**
 * Request of the calls that take only an account id (`Order/searchOpen`, `Position/searchOpen`).
 *
 * @since 0.1.0
 */
export const AccountIdRequest = Schema.Struct({ accountId: Id })
/**
 * Request of `Order/place`.
 *
 * @since 0.1.0
 */
export const PlaceOrderRequest = Schema.Struct({
  accountId: Id,
  contractId: Schema.String,
  type: OrderTypeSchema,
  side: OrderSideSchema,
  size: Schema.Number.pipe(Schema.int()),
  limitPrice: Schema.optional(Schema.Number),
  stopPrice: Schema.optional(Schema.Number),
  trailPrice: Schema.optional(Schema.Number),
  customTag: Schema.optional(Schema.String),
  stopLossBracket: Schema.optional(Bracket),
  takeProfitBracket: Schema.optional(Bracket)
})
/**
 * The decoded type of {@link PlaceOrderRequest}.
 *
 * @since 0.1.0
 */
export type PlaceOrderRequest = typeof PlaceOrderRequest.Type
/**
 * Request of `Order/cancel`.
 *
 * @since 0.1.0
 */
export const CancelOrderRequest = Schema.Struct({ accountId: Id, orderId: Id })
/**
 * Request of `Order/modify`: the fields to change (size, prices).
 *
 * @since 0.1.0
 */
export const ModifyOrderRequest = Schema.Struct({
  accountId: Id,
  orderId: Id,
  size: Schema.optional(Schema.Number.pipe(Schema.int())),
  limitPrice: Schema.optional(Schema.Number),
  stopPrice: Schema.optional(Schema.Number),
  trailPrice: Schema.optional(Schema.Number)
})
/**
 * Request of `Position/closeContract`.
 *
 * @since 0.1.0
 */
export const CloseContractRequest = Schema.Struct({ accountId: Id, contractId: Schema.String })
/**
 * Request of `Position/partialCloseContract`: the contracts to close.
 *
 * @since 0.1.0
 */
export const PartialCloseContractRequest = Schema.Struct({
  accountId: Id,
  contractId: Schema.String,
  size: Schema.Number.pipe(Schema.int())
})

// ---------------------------------------------------------------- table

/**
 * The `/api/Auth/loginKey` endpoint.
 *
 * @since 0.1.0
 */
export const authLoginKey = endpoint({
  name: "authLoginKey",
  path: "/api/Auth/loginKey",
  request: LoginKeyRequest,
  reply: Schema.Struct({ token: Schema.Redacted(Schema.String) }),
  errors: "Login",
  authenticated: false
})
/**
 * The `/api/Auth/loginApp` endpoint.
 *
 * @since 0.1.0
 */
export const authLoginApp = endpoint({
  name: "authLoginApp",
  path: "/api/Auth/loginApp",
  request: LoginAppRequest,
  reply: Schema.Struct({ token: Schema.Redacted(Schema.String) }),
  errors: "Login",
  authenticated: false
})
/**
 * The `/api/Auth/validate` endpoint.
 *
 * @since 0.1.0
 */
export const authValidate = endpoint({
  name: "authValidate",
  path: "/api/Auth/validate",
  request: NoBody,
  reply: Schema.Struct({ newToken: Schema.Redacted(Schema.String) }),
  errors: "Validate",
  emptyBody: true
})
/**
 * The `/api/Auth/logout` endpoint.
 *
 * @since 0.1.0
 */
export const authLogout = endpoint({
  name: "authLogout",
  path: "/api/Auth/logout",
  request: NoBody,
  reply: NoPayload,
  errors: "Logout",
  emptyBody: true
})
/**
 * The `/api/Account/search` endpoint.
 *
 * @since 0.1.0
 */
export const accountSearch = endpoint({
  name: "accountSearch",
  path: "/api/Account/search",
  request: AccountSearchRequest,
  reply: Schema.Struct({ accounts: Schema.Array(Account) }),
  errors: "SearchAccount"
})
/**
 * The `/api/Contract/search` endpoint.
 *
 * @since 0.1.0
 */
export const contractSearch = endpoint({
  name: "contractSearch",
  path: "/api/Contract/search",
  request: ContractSearchRequest,
  reply: Schema.Struct({ contracts: Schema.Array(Contract) }),
  errors: "SearchContract"
})
/**
 * The `/api/Contract/searchById` endpoint.
 *
 * @since 0.1.0
 */
export const contractSearchById = endpoint({
  name: "contractSearchById",
  path: "/api/Contract/searchById",
  request: ContractSearchByIdRequest,
  reply: Schema.Struct({ contract: Contract }),
  errors: "SearchContractById"
})
/**
 * The `/api/Contract/available` endpoint.
 *
 * @since 0.1.0
 */
export const contractAvailable = endpoint({
  name: "contractAvailable",
  path: "/api/Contract/available",
  request: ContractAvailableRequest,
  reply: Schema.Struct({ contracts: Schema.Array(Contract) }),
  errors: "ListAvailableContract"
})
/**
 * The `/api/History/retrieveBars` endpoint.
 *
 * @since 0.1.0
 */
export const historyRetrieveBars = endpoint({
  name: "historyRetrieveBars",
  path: "/api/History/retrieveBars",
  request: RetrieveBarsRequest,
  reply: Schema.Struct({ bars: Schema.Array(Bar) }),
  errors: "RetrieveBar",
  rateLimit: "history"
})
/**
 * The `/api/Order/search` endpoint.
 *
 * @since 0.1.0
 */
export const orderSearch = endpoint({
  name: "orderSearch",
  path: "/api/Order/search",
  request: OrderSearchRequest,
  reply: Schema.Struct({ orders: Schema.Array(Order) }),
  errors: "SearchOrder"
})
/**
 * The `/api/Order/searchOpen` endpoint.
 *
 * @since 0.1.0
 */
export const orderSearchOpen = endpoint({
  name: "orderSearchOpen",
  path: "/api/Order/searchOpen",
  request: AccountIdRequest,
  reply: Schema.Struct({ orders: Schema.Array(Order) }),
  errors: "SearchOrder"
})
/**
 * The `/api/Order/place` endpoint.
 *
 * @since 0.1.0
 */
export const orderPlace = endpoint({
  name: "orderPlace",
  path: "/api/Order/place",
  request: PlaceOrderRequest,
  reply: Schema.Struct({ orderId: Id }),
  errors: "PlaceOrder",
  mutating: true
})
/**
 * The `/api/Order/cancel` endpoint.
 *
 * @since 0.1.0
 */
export const orderCancel = endpoint({
  name: "orderCancel",
  path: "/api/Order/cancel",
  request: CancelOrderRequest,
  reply: NoPayload,
  errors: "CancelOrder",
  mutating: true
})
/**
 * The `/api/Order/modify` endpoint.
 *
 * @since 0.1.0
 */
export const orderModify = endpoint({
  name: "orderModify",
  path: "/api/Order/modify",
  request: ModifyOrderRequest,
  reply: NoPayload,
  errors: "ModifyOrder",
  mutating: true
})
/**
 * The `/api/Position/searchOpen` endpoint.
 *
 * @since 0.1.0
 */
export const positionSearchOpen = endpoint({
  name: "positionSearchOpen",
  path: "/api/Position/searchOpen",
  request: AccountIdRequest,
  reply: Schema.Struct({ positions: Schema.Array(Position) }),
  errors: "SearchPosition"
})
/**
 * The `/api/Position/closeContract` endpoint.
 *
 * @since 0.1.0
 */
export const positionCloseContract = endpoint({
  name: "positionCloseContract",
  path: "/api/Position/closeContract",
  request: CloseContractRequest,
  reply: NoPayload,
  errors: "ClosePosition",
  mutating: true
})
/**
 * The `/api/Position/partialCloseContract` endpoint.
 *
 * @since 0.1.0
 */
export const positionPartialCloseContract = endpoint({
  name: "positionPartialCloseContract",
  path: "/api/Position/partialCloseContract",
  request: PartialCloseContractRequest,
  reply: NoPayload,
  errors: "PartialClosePosition",
  mutating: true
})
/**
 * The `/api/Trade/search` endpoint.
 *
 * @since 0.1.0
 */
export const tradeSearch = endpoint({
  name: "tradeSearch",
  path: "/api/Trade/search",
  request: OrderSearchRequest,
  reply: Schema.Struct({ trades: Schema.Array(Trade) }),
  errors: "SearchTrade"
})

/**
 * Every JSON endpoint, by name.
 *
 * @since 0.1.0
 */
export const all = {
  authLoginKey,
  authLoginApp,
  authValidate,
  authLogout,
  accountSearch,
  contractSearch,
  contractSearchById,
  contractAvailable,
  historyRetrieveBars,
  orderSearch,
  orderSearchOpen,
  orderPlace,
  orderCancel,
  orderModify,
  positionSearchOpen,
  positionCloseContract,
  positionPartialCloseContract,
  tradeSearch
} as const

/**
 * The whole endpoint table, by name.
 *
 * @since 0.1.0
 */
export type Endpoints = typeof all
/**
 * The name of an endpoint of the table (`orderPlace`, ...).
 *
 * @since 0.1.0
 */
export type EndpointName = keyof Endpoints

/**
 * `GET /api/Status/ping` answers the text `pong` (not part of the JSON table).
 *
 * @since 0.1.0
 */
export const pingPath = "/api/Status/ping"

/**
 * Looks an endpoint up by its path, e.g. for a server.
 *
 * @since 0.1.0
 */
export const byPath: ReadonlyMap<string, AnyEndpoint> = new Map(
  Object.values(all).map((e) => [e.path.toLowerCase(), e as AnyEndpoint])
)
