/**
 * The mutating operations of the exchange (Order/place, cancel, modify,
 * Position/closeContract, partialCloseContract) with the gateway's rules and
 * rejection reasons. Each validates first and changes nothing when it rejects.
 *
 * @internal
 */
import type { Endpoints } from "@tradeguard/gateway"
import { Enums } from "@tradeguard/gateway"
import * as Either from "effect/Either"
import { activateLegs, cancelOrder, emitOrder, work } from "./Execution.js"
import type { Side } from "./Ledger.js"
import { isStopReached } from "./Matching.js"
import { isOnTick, roundToTick } from "./PricePath.js"
import {
  type AccountRec,
  type BracketSpec,
  type OrderRec,
  type OrderRole,
  type Outcome,
  positionKey,
  reject,
  setStatus,
  type State
} from "./State.js"

const { OrderStatus, OrderType } = Enums
type PlaceRequest = Endpoints.PlaceOrderRequest
type ModifyRequest = typeof Endpoints.ModifyOrderRequest.Type

/** The account, if it exists and belongs to the user. */
export const accountOf = (state: State, userId: number, accountId: number): Outcome<AccountRec> => {
  const a = state.accounts.get(accountId)
  return a !== undefined && a.userId === userId
    ? Either.right(a)
    : reject("AccountNotFound", `Account ${accountId} was not found.`)
}

const priceError = (name: string, price: number | undefined, tick: number): string | undefined =>
  price === undefined
    ? `${name} is required for this order type.`
    : !(price > 0) || !isOnTick(price, tick)
    ? `${name} ${price} is not a positive multiple of the tick size ${tick}.`
    : undefined

const bracketError = (side: Side, name: string, spec: BracketSpec | undefined, loss: boolean): string | undefined => {
  if (spec === undefined) return undefined
  const allowed: ReadonlyArray<number> = loss ? [OrderType.Stop, OrderType.TrailingStop] : [OrderType.Limit]
  if (!allowed.includes(spec.type)) return `${name} type ${Enums.nameOf(Enums.OrderType, spec.type)} is not supported.`
  const sign = (side === 0 ? 1 : -1) * (loss ? -1 : 1)
  if (!Number.isInteger(spec.ticks) || spec.ticks === 0 || Math.sign(spec.ticks) !== sign) {
    return `${name} ticks ${spec.ticks} must be a non-zero whole number on the ${loss ? "losing" : "winning"} side of the fill.`
  }
  return undefined
}

const newOrder = (
  state: State,
  fields: Pick<OrderRec, "accountId" | "contractId" | "type" | "side" | "size" | "role"> & Partial<OrderRec>,
  nowMillis: number
): OrderRec => {
  const order: OrderRec = {
    id: state.nextOrderId++,
    symbolId: state.contracts.get(fields.contractId)!.symbolId,
    creationMillis: nowMillis,
    updateMillis: undefined,
    status: OrderStatus.Open,
    limitPrice: undefined,
    stopPrice: undefined,
    trailDistance: undefined,
    fillVolume: 0,
    fills: [],
    customTag: undefined,
    parentOrderId: undefined,
    linkedOrderId: undefined,
    stopLoss: undefined,
    takeProfit: undefined,
    legIds: [],
    triggered: false,
    ...fields
  }
  state.orders.set(order.id, order)
  setStatus(state, order, order.status)
  return order
}

/**
 * Order/place: returns the new order's id. A request rejected on one of the
 * user's accounts still uses its `customTag` up, as on the live service: a
 * retry with the same tag is refused as a duplicate (errorCode 2).
 */
export const place = (state: State, userId: number, req: PlaceRequest, nowMillis: number): Outcome<number> =>
  Either.flatMap(accountOf(state, userId, req.accountId), (account) => {
    const placed = placeOn(state, account, req, nowMillis)
    if (Either.isLeft(placed) && req.customTag !== undefined) tagsOf(state, account.id).add(req.customTag)
    return placed
  })

const tagsOf = (state: State, accountId: number): Set<string> => {
  let tags = state.tags.get(accountId)
  if (tags === undefined) state.tags.set(accountId, tags = new Set())
  return tags
}

const placeOn = (state: State, account: AccountRec, req: PlaceRequest, nowMillis: number): Outcome<number> =>
  Either.gen(function*() {
    const contract = state.contracts.get(req.contractId)
    if (contract === undefined) return yield* reject("ContractNotFound", `Contract ${req.contractId} was not found.`)
    if (!contract.activeContract) return yield* reject("ContractNotActive", `Contract ${req.contractId} is not active.`)
    if (!account.canTrade) return yield* reject("AccountViolation", `Account ${account.id} cannot trade.`)
    if (account.balance <= 0) return yield* reject("InsufficientFunds", `Account ${account.id} has no funds.`)
    if (!(req.size >= 1)) return yield* reject("OrderRejected", `Size ${req.size} must be at least 1.`)
    const tick = contract.tickSize
    const touch = state.markets.get(contract.id)!.touch
    let limitPrice = req.limitPrice
    let stopPrice = req.stopPrice
    let trailDistance: number | undefined
    const problem = ((): string | undefined => {
      switch (req.type) {
        case OrderType.Market:
          limitPrice = stopPrice = undefined
          return undefined
        case OrderType.Limit:
          stopPrice = undefined
          return priceError("limitPrice", limitPrice, tick)
        case OrderType.StopLimit:
          return priceError("limitPrice", limitPrice, tick) ?? priceError("stopPrice", stopPrice, tick) ??
            stopSideError(req.side, stopPrice!, touch)
        case OrderType.Stop:
          limitPrice = undefined
          return priceError("stopPrice", stopPrice, tick) ?? stopSideError(req.side, stopPrice!, touch)
        case OrderType.TrailingStop:
          limitPrice = undefined
          if (!(req.trailPrice !== undefined && req.trailPrice > 0)) return "trailPrice (the trail distance) must be positive."
          trailDistance = roundToTick(req.trailPrice, tick)
          stopPrice = roundToTick(req.side === 1 ? touch.bid - trailDistance : touch.ask + trailDistance, tick)
          return undefined
        case OrderType.JoinBid:
        case OrderType.JoinAsk:
          limitPrice = req.type === OrderType.JoinBid ? touch.bid : touch.ask
          stopPrice = undefined
          return undefined
        default:
          return `Order type ${Enums.nameOf(Enums.OrderType, req.type)} is not supported.`
      }
    })() ?? bracketError(req.side, "stopLossBracket", req.stopLossBracket, true) ??
      bracketError(req.side, "takeProfitBracket", req.takeProfitBracket, false)
    if (problem !== undefined) return yield* reject("OrderRejected", problem)
    const tag = req.customTag
    if (tag !== undefined) {
      const tags = tagsOf(state, account.id)
      const wanted = [tag, ...(req.stopLossBracket ? [`${tag}-SL`] : []), ...(req.takeProfitBracket ? [`${tag}-TP`] : [])]
      const used = wanted.find((t) => tags.has(t))
      if (used !== undefined) {
        return yield* reject("OrderRejected", `An order with the custom tag '${used}' already exists on account ${account.id}.`)
      }
      wanted.forEach((t) => tags.add(t))
    }
    const entry = newOrder(state, {
      accountId: account.id,
      contractId: contract.id,
      type: req.type,
      side: req.side,
      size: req.size,
      role: "entry",
      status: req.type === OrderType.Market ? OrderStatus.Pending : OrderStatus.Open,
      limitPrice,
      stopPrice,
      trailDistance,
      customTag: tag,
      stopLoss: req.stopLossBracket,
      takeProfit: req.takeProfitBracket
    }, nowMillis)
    emitOrder(state, entry)
    const leg = (role: OrderRole, spec: BracketSpec, suffix: string) =>
      newOrder(state, {
        accountId: account.id,
        contractId: contract.id,
        type: spec.type === OrderType.Limit ? OrderType.Limit : spec.type,
        side: req.side === 0 ? 1 : 0,
        size: req.size,
        role,
        status: OrderStatus.Suspended,
        customTag: tag === undefined ? undefined : `${tag}-${suffix}`,
        parentOrderId: entry.id
      }, nowMillis)
    const legs = [
      ...(req.stopLossBracket ? [leg("stopLoss", req.stopLossBracket, "SL")] : []),
      ...(req.takeProfitBracket ? [leg("takeProfit", req.takeProfitBracket, "TP")] : [])
    ]
    // Only the take-profit leg names the other (as on the live service); OCO goes through the entry's legIds.
    if (legs.length === 2) legs[1]!.linkedOrderId = legs[0]!.id
    for (const l of legs) {
      entry.legIds.push(l.id)
      emitOrder(state, l)
    }
    work(state, entry, nowMillis, true)
    return entry.id
  })

const stopSideError = (side: Side, stopPrice: number, touch: { bid: number; ask: number }): string | undefined =>
  isStopReached(side, stopPrice, touch)
    ? `stopPrice ${stopPrice} is on the wrong side of the market (bid ${touch.bid}, ask ${touch.ask}).`
    : undefined

const workingOrderOf = (state: State, account: AccountRec, orderId: number): Outcome<OrderRec> => {
  const o = state.orders.get(orderId)
  if (o === undefined || o.accountId !== account.id) return reject("OrderNotFound", `Order ${orderId} was not found.`)
  if (!Enums.isWorkingStatus(o.status)) {
    return reject("Rejected", `Order ${orderId} is ${Enums.nameOf(Enums.OrderStatus, o.status)}, not working.`)
  }
  return Either.right(o)
}

/** Order/cancel. Cancelling an entry cancels its suspended legs (or arms them for what already filled). */
export const cancel = (
  state: State,
  userId: number,
  req: { readonly accountId: number; readonly orderId: number },
  nowMillis: number
): Outcome<void> =>
  Either.gen(function*() {
    const account = yield* accountOf(state, userId, req.accountId)
    const order = yield* workingOrderOf(state, account, req.orderId)
    cancelOrder(state, order, nowMillis)
    if (order.legIds.length > 0) activateLegs(state, order, nowMillis)
  })

/** Order/modify: size, limitPrice, stopPrice, trailPrice (the trail distance). */
export const modify = (state: State, userId: number, req: ModifyRequest, nowMillis: number): Outcome<void> =>
  Either.gen(function*() {
    const account = yield* accountOf(state, userId, req.accountId)
    const order = yield* workingOrderOf(state, account, req.orderId)
    if (order.status === OrderStatus.Suspended) {
      return yield* reject("Rejected", `Order ${order.id} is a bracket leg suspended until its entry fills.`)
    }
    const tick = state.contracts.get(order.contractId)!.tickSize
    const touch = state.markets.get(order.contractId)!.touch
    const usesLimit = ([OrderType.Limit, OrderType.StopLimit, OrderType.JoinBid, OrderType.JoinAsk] as ReadonlyArray<number>)
      .includes(order.type)
    const usesStop = order.type === OrderType.Stop || order.type === OrderType.StopLimit
    const problem = req.size !== undefined && !(req.size > order.fillVolume && req.size >= 1)
      ? `Size ${req.size} must be at least 1 and above the filled volume ${order.fillVolume}.`
      : req.limitPrice !== undefined && !usesLimit
      ? `A ${Enums.nameOf(Enums.OrderType, order.type)} order has no limitPrice.`
      : req.stopPrice !== undefined && !usesStop
      ? `A ${Enums.nameOf(Enums.OrderType, order.type)} order has no stopPrice.`
      : req.trailPrice !== undefined && order.type !== OrderType.TrailingStop
      ? `A ${Enums.nameOf(Enums.OrderType, order.type)} order has no trailPrice.`
      : req.trailPrice !== undefined && !(req.trailPrice > 0)
      ? "trailPrice (the trail distance) must be positive."
      : (req.limitPrice !== undefined ? priceError("limitPrice", req.limitPrice, tick) : undefined) ??
        (req.stopPrice !== undefined
          ? priceError("stopPrice", req.stopPrice, tick) ??
            (order.triggered ? undefined : stopSideError(order.side, req.stopPrice, touch))
          : undefined)
    if (problem !== undefined) return yield* reject("Rejected", problem)
    if (req.size !== undefined) order.size = req.size
    if (req.limitPrice !== undefined) order.limitPrice = req.limitPrice
    if (req.stopPrice !== undefined) order.stopPrice = req.stopPrice
    if (req.trailPrice !== undefined) {
      order.trailDistance = roundToTick(req.trailPrice, tick)
      order.stopPrice = roundToTick(order.side === 1 ? touch.bid - order.trailDistance : touch.ask + order.trailDistance, tick)
    }
    order.updateMillis = nowMillis
    emitOrder(state, order)
    if (req.size !== undefined) {
      for (const id of order.legIds) {
        const l = state.orders.get(id)!
        if (l.status === OrderStatus.Suspended) l.size = req.size
      }
    }
    work(state, order, nowMillis, true)
  })

/** Position/closeContract (size undefined) and partialCloseContract: a market order against the position. */
export const close = (
  state: State,
  userId: number,
  req: { readonly accountId: number; readonly contractId: string; readonly size?: number },
  nowMillis: number
): Outcome<void> =>
  Either.gen(function*() {
    const account = yield* accountOf(state, userId, req.accountId)
    if (!state.contracts.has(req.contractId)) {
      return yield* reject("ContractNotFound", `Contract ${req.contractId} was not found.`)
    }
    const position = state.positions.get(positionKey(account.id, req.contractId))
    if (position === undefined) {
      return yield* reject("PositionNotFound", `No open position in ${req.contractId} on account ${account.id}.`)
    }
    const size = req.size ?? position.size
    if (!Number.isInteger(size) || size < 1 || size > position.size) {
      return yield* reject("InvalidCloseSize", `Close size ${size} must be between 1 and the position size ${position.size}.`)
    }
    const order = newOrder(state, {
      accountId: account.id,
      contractId: req.contractId,
      type: OrderType.Market,
      side: position.type === 1 ? 1 : 0,
      size,
      role: "close",
      status: OrderStatus.Pending
    }, nowMillis)
    emitOrder(state, order)
    work(state, order, nowMillis, true)
  })
