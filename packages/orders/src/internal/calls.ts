/**
 * How the manager reads a gateway call's result: a mutation's answer as what it means for verification, and
 * the lookups verification uses (an order by id, the open position of a contract), each bounded by
 * `verification.timeout`.
 *
 * @internal
 */
import { Enums, Models } from "@tradeguard/gateway"
import type { Errors, ResilientGateway } from "@tradeguard/resilience"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** A mutation's answer, as verification reads it. */
export type Answer<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  /** A business rejection (`success: false`): the gateway read the request and said no. */
  | { readonly _tag: "Refused"; readonly errorCode: number; readonly message?: string }
  /** No answer we can trust: the gateway may or may not have applied it. */
  | { readonly _tag: "Unknown"; readonly reason: string }
  /** Refused before it was sent (circuit open, queue full, login failed, an invalid request...). */
  | { readonly _tag: "NotSent"; readonly reason: string }

/** Runs a mutation and reads its answer; never fails. */
export const answer = <A>(call: Effect.Effect<A, Errors.ResilientError>): Effect.Effect<Answer<A>> =>
  Effect.match(call, {
    onSuccess: (value): Answer<A> => ({ _tag: "Ok", value }),
    onFailure: (e): Answer<A> => {
      switch (e._tag) {
        case "Rejected":
          return e.errorMessage === undefined
            ? { _tag: "Refused", errorCode: e.errorCode }
            : { _tag: "Refused", errorCode: e.errorCode, message: e.errorMessage }
        case "OutcomeUnknown":
          return { _tag: "Unknown", reason: e.reason }
        default:
          return { _tag: "NotSent", reason: e.message }
      }
    }
  })

/** How far back an order is looked for when its creation time is not known. */
export const lookBackMillis = 24 * 60 * 60 * 1000

/** A lookup that did not answer in time. */
export class LookupTimeout {
  readonly _tag = "LookupTimeout"
}

const bounded = <A, E>(timeout: number, effect: Effect.Effect<A, E>) =>
  Effect.timeoutFail(effect, { duration: timeout, onTimeout: () => new LookupTimeout() })

/** The orders of an account created since `sinceMillis` (Order/search), within `timeout`. */
export const ordersSince = (gateway: ResilientGateway.Service, accountId: number, sinceMillis: number, timeout: number) =>
  bounded(
    timeout,
    Effect.map(
      gateway.orderSearch({ accountId, startTimestamp: Models.timestampFromMillis(sinceMillis) }),
      (r) => r.orders
    )
  )

/** The order `orderId` as the gateway has it now: open orders first, then the last day's orders. */
export const findOrder = (gateway: ResilientGateway.Service, accountId: number, orderId: number, timeout: number) =>
  Effect.gen(function*() {
    const open = yield* bounded(timeout, gateway.orderSearchOpen({ accountId }))
    const working = open.orders.find((o) => o.id === orderId)
    if (working !== undefined) return Option.some(working)
    const now = yield* Clock.currentTimeMillis
    const recent = yield* ordersSince(gateway, accountId, now - lookBackMillis, timeout)
    return Option.fromNullable(recent.find((o) => o.id === orderId))
  })

/** What a close of `contractId` still has to do: the open position and the untagged working orders on it. */
export const positionOf = (gateway: ResilientGateway.Service, accountId: number, contractId: string, timeout: number) =>
  Effect.gen(function*() {
    const positions = yield* bounded(timeout, gateway.positionSearchOpen({ accountId }))
    const position = positions.positions.find((p) => p.contractId === contractId && p.size > 0)
    if (position === undefined) return { position: Option.none<Models.Position>(), closing: false }
    const open = yield* bounded(timeout, gateway.orderSearchOpen({ accountId }))
    // a close the gateway is still working on: a market order on the contract on the closing side
    const closingSide = position.type === Enums.PositionType.Long ? Enums.OrderSide.Ask : Enums.OrderSide.Bid
    const closing = open.orders.some((o) =>
      o.contractId === contractId && o.side === closingSide && o.type === Enums.OrderType.Market &&
      (o.customTag === undefined || o.customTag === null)
    )
    return { position: Option.some(position), closing }
  })
