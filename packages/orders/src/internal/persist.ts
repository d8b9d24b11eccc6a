/**
 * The OrderManager's view of the store: the OrderIntents repository with its failures turned into one typed
 * error (`StoreUnavailable`), the outcome column as JSON of a RecordedOutcome, and the mapping from a
 * recorded outcome or a gateway status to the stored intent status.
 *
 * @internal
 */
import { Enums } from "@tradeguard/gateway"
import type { OrderIntents } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { IntentRequest, RecordedOutcome } from "../OrderIntent.js"
import { RecordedOutcome as RecordedOutcomeSchema } from "../OrderIntent.js"
import { StoreUnavailable } from "../OrderErrors.js"

type Repo = OrderIntents.OrderIntents

const decodeOutcome = Schema.decodeUnknownOption(Schema.parseJson(RecordedOutcomeSchema))

/** The outcome column read back (`None` when empty or not ours). */
export const outcomeOf = (row: { readonly outcome: string | null }): Option.Option<RecordedOutcome> =>
  row.outcome === null ? Option.none() : decodeOutcome(row.outcome)

/** The stored intent status an outcome stands for. */
export const statusOf = (outcome: RecordedOutcome): OrderIntents.IntentStatus => {
  switch (outcome._tag) {
    case "Placed":
      return "Working"
    case "Rejected":
      return "Rejected"
    case "Failed":
      return "Failed"
    case "Verifying":
      return "Pending"
  }
}

/** The terminal intent status a gateway order status stands for, if it is terminal. */
export const terminalStatusOf = (status: Enums.OrderStatus): "Filled" | "Cancelled" | "Expired" | "Rejected" | undefined => {
  switch (status) {
    case Enums.OrderStatus.Filled:
      return "Filled"
    case Enums.OrderStatus.Cancelled:
      return "Cancelled"
    case Enums.OrderStatus.Expired:
      return "Expired"
    case Enums.OrderStatus.Rejected:
      return "Rejected"
    default:
      return undefined
  }
}

/** The row of a new intent. */
export const newIntent = (
  key: string,
  fingerprint: string,
  request: IntentRequest,
  expiresAt?: number
): OrderIntents.NewIntent => ({
  idempotencyKey: key,
  fingerprint,
  accountId: request.accountId,
  contractId: request.contractId,
  side: request.side,
  type: request.type,
  size: request.size,
  limitPrice: request.limitPrice,
  stopPrice: request.stopPrice,
  trailPrice: request.trailPrice,
  brackets: request.stopLossBracket === undefined && request.takeProfitBracket === undefined ? undefined : {
    ...(request.stopLossBracket === undefined ? {} : { stopLoss: request.stopLossBracket }),
    ...(request.takeProfitBracket === undefined ? {} : { takeProfit: request.takeProfitBracket })
  },
  expiresAt
})

/** The request an intent row describes (for a resumed intent). */
export const requestOf = (row: OrderIntents.Intent): IntentRequest => {
  const opt = <K extends string, V>(k: K, v: V | null) => (v === null ? {} : { [k]: v } as { [P in K]: V })
  return {
    accountId: row.accountId,
    contractId: row.contractId,
    type: row.type as IntentRequest["type"],
    side: row.side as IntentRequest["side"],
    size: row.size,
    ...opt("limitPrice", row.limitPrice),
    ...opt("stopPrice", row.stopPrice),
    ...opt("trailPrice", row.trailPrice),
    ...(row.brackets?.stopLoss === undefined ? {} : { stopLossBracket: row.brackets.stopLoss as IntentRequest["stopLossBracket"] & {} }),
    ...(row.brackets?.takeProfit === undefined ? {} : { takeProfitBracket: row.brackets.takeProfit as IntentRequest["takeProfitBracket"] & {} })
  }
}

/** Turns a repository failure into `StoreUnavailable` naming the operation. */
export const guard = (operation: string) => <A, E extends { readonly message?: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, StoreUnavailable, R> =>
  Effect.mapError(effect, (e) => new StoreUnavailable({ operation, detail: describe(e) }))

const describe = (e: unknown): string => {
  if (typeof e === "object" && e !== null) {
    const tagged = e as { readonly _tag?: unknown; readonly message?: unknown; readonly cause?: unknown }
    const message = typeof tagged.message === "string" && tagged.message !== "" ? tagged.message : undefined
    const cause = tagged.cause instanceof Error ? tagged.cause.message : undefined
    return [typeof tagged._tag === "string" ? tagged._tag : undefined, message, cause].filter((p) => p !== undefined).join(": ")
  }
  return String(e)
}

/** The store operations the manager uses, each failing with `StoreUnavailable`. */
export const persistence = (repo: Repo) => ({
  find: (key: string) => guard("find intent")(repo.find(key)),
  /** The write-ahead row of a new key; `None` when the key exists (nothing written). */
  begin: (intent: OrderIntents.NewIntent, customTag: string) =>
    guard("write the intent (write-ahead)")(
      Effect.catchIf(
        Effect.map(repo.begin(intent, customTag), Option.some),
        (e) => (e as { readonly _tag?: unknown })._tag === "DuplicateIdempotencyKey",
        () => Effect.succeedNone
      )
    ),
  reopen: (intent: OrderIntents.NewIntent, customTag: string) => guard("write the intent (write-ahead)")(repo.reopen(intent, customTag)),
  addAttempt: (key: string, customTag: string) => guard("write the attempt (write-ahead)")(repo.addAttempt(key, customTag)),
  attempts: (key: string) => guard("read attempts")(repo.attempts(key)),
  findAttempt: (customTag: string) => guard("find attempt")(repo.findAttempt(customTag)),
  findAttemptByOrderId: (orderId: number) => guard("find attempt")(repo.findAttemptByOrderId(orderId)),
  updateAttempt: (customTag: string, update: OrderIntents.AttemptUpdate) => guard("update attempt")(repo.updateAttempt(customTag, update)),
  setStatus: (key: string, status: OrderIntents.IntentStatus, outcome?: RecordedOutcome) =>
    guard("update intent")(repo.setStatus(key, status, outcome === undefined ? undefined : JSON.stringify(outcome))),
  setExpiry: (key: string, expiresAt: number | null) => guard("update intent")(repo.setExpiry(key, expiresAt)),
  recordFill: (fill: OrderIntents.Fill) => guard("record fill")(repo.recordFill(fill)),
  fills: (gatewayOrderId: number) => guard("read fills")(repo.fills(gatewayOrderId)),
  nonTerminal: guard("read pending intents")(repo.nonTerminal)
})

/** The store operations of {@link persistence}. */
export type Persistence = ReturnType<typeof persistence>
