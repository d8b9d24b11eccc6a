/**
 * Per-endpoint error-code enums (reference section 5). `0` is always Success.
 * A reply with `success: false` carries one of these in `errorCode`.
 *
 * @since 0.1.0
 */
import { nameOf } from "./Enums.js"

/**
 * `errorCode` values of `Auth/loginKey` and `Auth/loginApp`.
 *
 * @since 0.1.0
 */
export const Login = {
  Success: 0,
  UserNotFound: 1,
  PasswordVerificationFailed: 2,
  InvalidCredentials: 3,
  AppNotFound: 4,
  AppVerificationFailed: 5,
  InvalidDevice: 6,
  AgreementsNotSigned: 7,
  UnknownError: 8,
  ApiSubscriptionNotFound: 9,
  ApiKeyAuthenticationDisabled: 10
} as const
/**
 * `errorCode` values of `Auth/validate`.
 *
 * @since 0.1.0
 */
export const Validate = { Success: 0, InvalidSession: 1, SessionNotFound: 2, ExpiredToken: 3, UnknownError: 4 } as const
/**
 * `errorCode` values of `Auth/logout`.
 *
 * @since 0.1.0
 */
export const Logout = { Success: 0, InvalidSession: 1, UnknownError: 2 } as const
/**
 * `errorCode` values of `Account/search`.
 *
 * @since 0.1.0
 */
export const SearchAccount = { Success: 0 } as const
/**
 * `errorCode` values of `Contract/search`.
 *
 * @since 0.1.0
 */
export const SearchContract = { Success: 0 } as const
/**
 * `errorCode` values of `Contract/available`.
 *
 * @since 0.1.0
 */
export const ListAvailableContract = { Success: 0 } as const
/**
 * `errorCode` values of `Contract/searchById`.
 *
 * @since 0.1.0
 */
export const SearchContractById = { Success: 0, ContractNotFound: 1 } as const
/**
 * `errorCode` values of `History/retrieveBars`.
 *
 * @since 0.1.0
 */
export const RetrieveBar = {
  Success: 0,
  ContractNotFound: 1,
  UnitInvalid: 2,
  UnitNumberInvalid: 3,
  LimitInvalid: 4
} as const
/**
 * `errorCode` values of `Order/search` and `Order/searchOpen`.
 *
 * @since 0.1.0
 */
export const SearchOrder = { Success: 0, AccountNotFound: 1 } as const
/**
 * `errorCode` values of `Position/searchOpen`.
 *
 * @since 0.1.0
 */
export const SearchPosition = { Success: 0, AccountNotFound: 1 } as const
/**
 * `errorCode` values of `Trade/search`.
 *
 * @since 0.1.0
 */
export const SearchTrade = { Success: 0, AccountNotFound: 1 } as const
/**
 * `errorCode` values of `Order/place`.
 *
 * @since 0.1.0
 */
export const PlaceOrder = {
  Success: 0,
  AccountNotFound: 1,
  OrderRejected: 2,
  InsufficientFunds: 3,
  AccountViolation: 4,
  OutsideTradingHours: 5,
  OrderPending: 6,
  UnknownError: 7,
  ContractNotFound: 8,
  ContractNotActive: 9,
  AccountRejected: 10
} as const
/**
 * `errorCode` values of `Order/cancel`.
 *
 * @since 0.1.0
 */
export const CancelOrder = {
  Success: 0,
  AccountNotFound: 1,
  OrderNotFound: 2,
  Rejected: 3,
  Pending: 4,
  UnknownError: 5,
  AccountRejected: 6
} as const
/**
 * `errorCode` values of `Order/modify`: those of `Order/cancel` and `ContractNotFound`.
 *
 * @since 0.1.0
 */
export const ModifyOrder = { ...CancelOrder, ContractNotFound: 7 } as const
/**
 * `errorCode` values of `Position/closeContract`.
 *
 * @since 0.1.0
 */
export const ClosePosition = {
  Success: 0,
  AccountNotFound: 1,
  PositionNotFound: 2,
  ContractNotFound: 3,
  ContractNotActive: 4,
  OrderRejected: 5,
  OrderPending: 6,
  UnknownError: 7,
  AccountRejected: 8
} as const
/**
 * `errorCode` values of `Position/partialCloseContract`.
 *
 * @since 0.1.0
 */
export const PartialClosePosition = {
  Success: 0,
  AccountNotFound: 1,
  PositionNotFound: 2,
  ContractNotFound: 3,
  ContractNotActive: 4,
  InvalidCloseSize: 5,
  OrderRejected: 6,
  OrderPending: 7,
  UnknownError: 8,
  AccountRejected: 9
} as const

/**
 * Every error enum by its reference name.
 *
 * @since 0.1.0
 */
export const all = {
  Login,
  Validate,
  Logout,
  SearchAccount,
  SearchContract,
  ListAvailableContract,
  SearchContractById,
  RetrieveBar,
  SearchOrder,
  SearchPosition,
  SearchTrade,
  PlaceOrder,
  CancelOrder,
  ModifyOrder,
  ClosePosition,
  PartialClosePosition
} as const

/**
 * The name of one of the error enums (`Login`, `PlaceOrder`, ...), as an endpoint's `errors` names it.
 *
 * @since 0.1.0
 */
export type ErrorEnumName = keyof typeof all
/**
 * Any error enum: code names to numbers.
 *
 * @since 0.1.0
 */
export type ErrorEnum = Readonly<Record<string, number>>

/**
 * The name of `code` in an endpoint's enum, e.g. `name("PlaceOrder", 2) === "OrderRejected"`.
 *
 * @since 0.1.0
 */
export const name = (enumName: ErrorEnumName, code: number): string => nameOf(all[enumName], code)
