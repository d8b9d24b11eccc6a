/**
 * What the runtime does with each gateway errorCode (an HTTP 200 reply with
 * `success: false`), per error enum of the reference (section 5). Every code of
 * every enum has an explicit row here: a test walks `ErrorCodes.all` and fails
 * on a missing one.
 *
 * Ground rules behind the rows:
 * - A `success: false` reply is a definite answer: the gateway did not do what
 *   was asked. Retrying it is safe; it is only useful when the code means
 *   "try again later" (an UnknownError on a read, a Pending on cancel/modify).
 * - On a mutation, a code that leaves open whether something happened
 *   (UnknownError, OrderPending on place/close) is `outcomeUnknown`: the order
 *   layer looks (customTag search, open orders, positions) before acting again.
 *
 * @internal
 */
import { ErrorCodes } from "@tradeguard/gateway"

export type Classification = "transient" | "permanent" | "auth" | "rateLimited" | "outcomeUnknown"

export interface Decision {
  readonly classification: Classification
  /** What the runtime does. */
  readonly action: string
  /** Why. */
  readonly reason: string
}

const permanent = (reason: string, action = "fail the call; never retried"): Decision => ({
  classification: "permanent",
  action,
  reason
})
const transient = (reason: string, action = "retried with backoff (reads and provably-unapplied calls)"): Decision => ({
  classification: "transient",
  action,
  reason
})
const unknown = (reason: string): Decision => ({
  classification: "outcomeUnknown",
  action: "OutcomeUnknown: never retried; the order layer verifies (customTag, open orders, positions)",
  reason
})
const auth = (reason: string, action: string): Decision => ({ classification: "auth", action, reason })

const success: Decision = permanent(
  "code 0 is Success; a `success: false` reply carrying 0 is contradictory and is treated as a rejection",
  "success; as a rejection: fail the call, never retried"
)
const accountNotFound = permanent("the account id is wrong or not ours; retrying cannot change that")
const accountRejected = permanent("the account is not allowed to trade (rule breach, locked); a human decides")
const contractNotFound = permanent("the contract id does not exist")
const contractNotActive = permanent("the contract is expired or not tradable now")
const positionNotFound = permanent(
  "no open position in this contract: already flat",
  "fail the call; never retried (the caller treats the position as flat and reconciles)"
)
const loginRejected = (what: string) =>
  permanent(what, "AuthenticationFailed: fix the credentials or the account; never retried")

type Table = { readonly [E in ErrorCodes.ErrorEnumName]: { readonly [K in keyof typeof ErrorCodes.all[E]]: Decision } }

export const rejections: Table = {
  Login: {
    Success: success,
    UserNotFound: loginRejected("no such user"),
    PasswordVerificationFailed: loginRejected("wrong password"),
    InvalidCredentials: loginRejected("wrong user name or API key"),
    AppNotFound: loginRejected("unknown application id (loginApp)"),
    AppVerificationFailed: loginRejected("application verify key refused (loginApp)"),
    InvalidDevice: loginRejected("device id refused (loginApp)"),
    AgreementsNotSigned: loginRejected("the user must sign the platform agreements first"),
    UnknownError: transient(
      "a server-side failure without detail; logging in again is harmless",
      "login retried with authentication.tokenRefresh.retryDelayMs, then AuthenticationFailed"
    ),
    ApiSubscriptionNotFound: loginRejected("the user has no API subscription"),
    ApiKeyAuthenticationDisabled: loginRejected("API-key login is switched off for this user")
  },
  Validate: {
    Success: success,
    InvalidSession: auth("the session behind the token is gone; validate cannot renew it", "fresh loginKey at once"),
    SessionNotFound: auth("the session behind the token is gone; validate cannot renew it", "fresh loginKey at once"),
    ExpiredToken: auth("the token already expired; only a login helps", "fresh loginKey at once"),
    UnknownError: transient(
      "a server-side failure without detail; validate is safe to repeat",
      "validate retried with retryDelayMs up to maxRetries, then fresh loginKey"
    )
  },
  Logout: {
    Success: success,
    InvalidSession: permanent("the session is already gone: what logout wanted", "treated as logged out"),
    UnknownError: transient("a server-side failure without detail; logout is safe to repeat")
  },
  SearchAccount: { Success: success },
  SearchContract: { Success: success },
  ListAvailableContract: { Success: success },
  SearchContractById: { Success: success, ContractNotFound: contractNotFound },
  RetrieveBar: {
    Success: success,
    ContractNotFound: contractNotFound,
    UnitInvalid: permanent("the bar unit is not valid: a bug in the request"),
    UnitNumberInvalid: permanent("the unit number is not valid: a bug in the request"),
    LimitInvalid: permanent("the bar limit is out of range (at most 20,000): a bug in the request")
  },
  SearchOrder: { Success: success, AccountNotFound: accountNotFound },
  SearchPosition: { Success: success, AccountNotFound: accountNotFound },
  SearchTrade: { Success: success, AccountNotFound: accountNotFound },
  PlaceOrder: {
    Success: success,
    AccountNotFound: accountNotFound,
    OrderRejected: permanent(
      "the order was refused, also when its customTag was already used on this account",
      "fail the call; never retried (a reused customTag means the earlier order exists: look it up)"
    ),
    InsufficientFunds: permanent("not enough buying power"),
    AccountViolation: permanent("the order would breach an account rule"),
    OutsideTradingHours: permanent("the market is closed for this contract; a later, new intent may succeed"),
    OrderPending: unknown(
      "an order for this intent may already be pending at the gateway: placing again risks a duplicate"
    ),
    UnknownError: unknown("a failure without detail after the order reached the gateway: it may exist"),
    ContractNotFound: contractNotFound,
    ContractNotActive: contractNotActive,
    AccountRejected: accountRejected
  },
  CancelOrder: {
    Success: success,
    AccountNotFound: accountNotFound,
    OrderNotFound: permanent(
      "no working order with this id: already filled, cancelled or never placed",
      "fail the call; never retried (the caller reconciles: the order is likely terminal)"
    ),
    Rejected: permanent("the cancel was refused (e.g. the order is already filled)"),
    Pending: transient(
      "the order (or a cancel of it) is pending; this cancel was not applied, and cancelling is idempotent"
    ),
    UnknownError: unknown("a failure without detail: the cancel may have been applied"),
    AccountRejected: accountRejected
  },
  ModifyOrder: {
    Success: success,
    AccountNotFound: accountNotFound,
    OrderNotFound: permanent(
      "no working order with this id: already filled, cancelled or never placed",
      "fail the call; never retried (the caller reconciles: the order is likely terminal)"
    ),
    Rejected: permanent("the modification was refused (e.g. a price on the wrong side of the market)"),
    Pending: transient(
      "the order is pending; this modify was not applied, and it sets absolute values, so repeating it is idempotent"
    ),
    UnknownError: unknown("a failure without detail: the modification may have been applied"),
    AccountRejected: accountRejected,
    ContractNotFound: contractNotFound
  },
  ClosePosition: {
    Success: success,
    AccountNotFound: accountNotFound,
    PositionNotFound: positionNotFound,
    ContractNotFound: contractNotFound,
    ContractNotActive: contractNotActive,
    OrderRejected: permanent("the flattening order was refused"),
    OrderPending: unknown(
      "a closing order may already be working: closing again could over-close and flip the position"
    ),
    UnknownError: unknown("a failure without detail: the position may have been closed"),
    AccountRejected: accountRejected
  },
  PartialClosePosition: {
    Success: success,
    AccountNotFound: accountNotFound,
    PositionNotFound: positionNotFound,
    ContractNotFound: contractNotFound,
    ContractNotActive: contractNotActive,
    InvalidCloseSize: permanent("the size is zero or larger than the position"),
    OrderRejected: permanent("the reducing order was refused"),
    OrderPending: unknown("a reducing order may already be working: reducing again could over-close"),
    UnknownError: unknown("a failure without detail: the position may have been reduced"),
    AccountRejected: accountRejected
  }
}

/** A code that is not in the endpoint's enum (the gateway added one). */
export const undocumented = (mutating: boolean): Decision =>
  mutating
    ? unknown("an undocumented code on a mutation: whether it was applied is not known")
    : permanent("an undocumented code: not retried, reported with its number")

const index: ReadonlyMap<string, ReadonlyMap<number, Decision>> = new Map(
  Object.entries(ErrorCodes.all).map(([enumName, codes]) => {
    const decisions = rejections[enumName as ErrorCodes.ErrorEnumName] as Readonly<Record<string, Decision>>
    return [enumName, new Map(Object.entries(codes as ErrorCodes.ErrorEnum).map(([name, code]) => [code, decisions[name]!]))]
  })
)

/** The decision for `code` of `enumName`, by the code's number. */
export const decisionOf = (enumName: ErrorCodes.ErrorEnumName, code: number, mutating: boolean): Decision =>
  index.get(enumName)?.get(code) ?? undocumented(mutating)
