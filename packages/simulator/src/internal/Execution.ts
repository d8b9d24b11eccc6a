/**
 * What happens when an order trades: half-turn trades with fees and
 * profitAndLoss, the position netted, the balance updated, the order's
 * fillVolume and average price, bracket legs activated when their entry fills,
 * OCO between legs, and working legs cancelled when the position goes flat.
 * Also how a working order meets the market (`work`), at placement or per tick.
 *
 * @internal
 */
import { Enums, Models } from "@tradeguard/gateway"
import { ExchangeEvent } from "../ExchangeEvent.js"
import { cents, net } from "./Ledger.js"
import { type Execution, isMarketable, isStopReached, sweep, trail } from "./Matching.js"
import { printExecutions } from "./MarketData.js"
import { roundToTick } from "./PricePath.js"
import {
  addTrade,
  type AccountRec,
  filledPriceOf,
  type OrderRec,
  positionKey,
  type PositionRec,
  setStatus,
  type State,
  toAccount,
  toClosedPosition,
  toHubTrade,
  toOrder,
  workingOrders,
  toPosition,
  unchecked
} from "./State.js"
import { stamp } from "./Timestamps.js"

const { OrderStatus, OrderType } = Enums

const userOf = (state: State, accountId: number): number => state.accounts.get(accountId)!.userId

/** Publishes the order's current state (as the user hub shows it). */
export const emitOrder = (state: State, order: OrderRec): void => {
  state.events.push(ExchangeEvent.OrderUpserted({ userId: userOf(state, order.accountId), order: toOrder(state, order, "hub") }))
}

const emitAccount = (state: State, account: AccountRec): void => {
  state.events.push(ExchangeEvent.AccountUpdated({ userId: account.userId, account: toAccount(account) }))
}

/** Sets a working order's status to Cancelled and publishes it. */
export const cancelOrder = (state: State, order: OrderRec, nowMillis: number): void => {
  setStatus(state, order, OrderStatus.Cancelled)
  order.updateMillis = nowMillis
  emitOrder(state, order)
}

const remainingOf = (o: OrderRec): number => o.size - o.fillVolume

/** Nets executions into the position and books the half-turn trades. */
const book = (state: State, order: OrderRec, account: AccountRec, executions: ReadonlyArray<Execution>, nowMillis: number) => {
  const contract = state.contracts.get(order.contractId)!
  const pointValue = contract.tickValue / contract.tickSize
  const key = positionKey(order.accountId, order.contractId)
  const closed: Array<PositionRec> = []
  let touched: PositionRec | undefined
  for (const e of executions) {
    const rec = state.positions.get(key)
    const holding = rec === undefined ? undefined : { type: rec.type, size: rec.size, averagePrice: rec.averagePrice }
    const netted = net(holding, order.side, e.size, e.price, pointValue)
    for (const leg of netted.legs) {
      const fees = cents(contract.feePerSide * leg.size)
      const id = state.nextTradeId++
      const trade = new Models.Trade({
        id,
        accountId: order.accountId,
        contractId: order.contractId,
        creationTimestamp: stamp(state.config.seed, "rest", nowMillis, id),
        price: e.price,
        ...(leg.profitAndLoss === undefined ? {} : { profitAndLoss: leg.profitAndLoss }),
        fees,
        side: order.side,
        size: leg.size,
        voided: false,
        orderId: order.id
      }, unchecked)
      addTrade(state, trade, nowMillis)
      state.events.push(ExchangeEvent.TradeExecuted({ userId: account.userId, trade: toHubTrade(state, trade, nowMillis) }))
      account.balance = cents(account.balance + (leg.profitAndLoss ?? 0) - fees)
    }
    const next = netted.holding
    if (next === undefined) {
      if (rec !== undefined) closed.push(rec)
      state.positions.delete(key)
      touched = undefined
    } else if (rec === undefined || rec.type !== next.type) {
      if (rec !== undefined) closed.push(rec)
      touched = {
        id: state.nextPositionId++,
        accountId: order.accountId,
        contractId: order.contractId,
        creationMillis: nowMillis,
        ...next
      }
      state.positions.set(key, touched)
    } else {
      rec.size = next.size
      rec.averagePrice = next.averagePrice
      touched = rec
    }
  }
  for (const rec of closed) {
    state.events.push(ExchangeEvent.PositionClosed({ userId: account.userId, position: toClosedPosition(state, rec) }))
  }
  if (touched !== undefined) {
    state.events.push(
      ExchangeEvent.PositionUpserted({ userId: account.userId, position: toPosition(state, touched, "hub") })
    )
  }
  emitAccount(state, account)
  return { flat: !state.positions.has(key) }
}

/** Applies executions of `order`: trades, position, balance, order state, then brackets and OCO. */
export const execute = (state: State, order: OrderRec, executions: ReadonlyArray<Execution>, nowMillis: number): void => {
  if (executions.length === 0) return
  const account = state.accounts.get(order.accountId)!
  const { flat } = book(state, order, account, executions, nowMillis)
  for (const e of executions) {
    order.fills.push(e)
    order.fillVolume += e.size
  }
  if (order.fillVolume >= order.size) setStatus(state, order, OrderStatus.Filled)
  else if (order.status === OrderStatus.Pending) setStatus(state, order, OrderStatus.Open)
  order.updateMillis = nowMillis
  emitOrder(state, order)
  printExecutions(state, state.markets.get(order.contractId)!, order.side, executions, nowMillis)
  if (order.role === "entry" && order.status === OrderStatus.Filled) activateLegs(state, order, nowMillis)
  if (order.role === "stopLoss" || order.role === "takeProfit") applyOco(state, order, nowMillis)
  if (flat) cancelLegsOnFlat(state, order.accountId, order.contractId, nowMillis)
}

/** Turns the entry's suspended legs into working orders at their tick offsets from the average fill. */
export const activateLegs = (state: State, entry: OrderRec, nowMillis: number): void => {
  const tick = state.contracts.get(entry.contractId)!.tickSize
  const fill = filledPriceOf(entry) ?? 0
  for (const id of entry.legIds) {
    const leg = state.orders.get(id)!
    if (leg.status !== OrderStatus.Suspended) continue
    if (entry.fillVolume === 0) {
      cancelOrder(state, leg, nowMillis)
      continue
    }
    const spec = leg.role === "stopLoss" ? entry.stopLoss! : entry.takeProfit!
    const price = roundToTick(fill + spec.ticks * tick, tick)
    leg.size = entry.fillVolume
    if (leg.type === OrderType.Limit) leg.limitPrice = price
    else leg.stopPrice = price
    if (leg.type === OrderType.TrailingStop) leg.trailDistance = Math.abs(spec.ticks) * tick
    setStatus(state, leg, OrderStatus.Open)
    leg.updateMillis = nowMillis
    emitOrder(state, leg)
  }
}

/**
 * One leg traded: the other shrinks to what is left, or is cancelled when
 * nothing is. The legs are found through their entry (only the take-profit
 * leg carries `linkedOrderId`, as on the live service).
 */
const applyOco = (state: State, leg: OrderRec, nowMillis: number): void => {
  const entry = leg.parentOrderId === undefined ? undefined : state.orders.get(leg.parentOrderId)
  for (const id of entry?.legIds ?? []) {
    const other = state.orders.get(id)
    if (id === leg.id || other === undefined || !Enums.isWorkingStatus(other.status)) continue
    const left = remainingOf(leg)
    if (left === 0) {
      cancelOrder(state, other, nowMillis)
      continue
    }
    other.size = other.fillVolume + left
    other.updateMillis = nowMillis
    emitOrder(state, other)
  }
}

const cancelLegsOnFlat = (state: State, accountId: number, contractId: string, nowMillis: number): void => {
  for (const o of workingOrders(state)) {
    if (
      o.accountId === accountId && o.contractId === contractId && o.status === OrderStatus.Open &&
      (o.role === "stopLoss" || o.role === "takeProfit")
    ) cancelOrder(state, o, nowMillis)
  }
}

/**
 * Lets a working order meet the market. As a taker (`taker`: at placement,
 * after a modify, or a stop just reached) it sweeps the book; resting, a
 * limit fills `perTick` at its price while the market is at or through it.
 */
export const work = (state: State, order: OrderRec, nowMillis: number, taker: boolean): void => {
  if (order.status !== OrderStatus.Open && order.status !== OrderStatus.Pending) return
  const market = state.markets.get(order.contractId)!
  const { touch, contract } = market
  const tick = contract.tickSize
  const { perLevel, perTick } = state.config.liquidity
  const remaining = remainingOf(order)
  const limitLogic = (asTaker: boolean) => {
    const limit = order.limitPrice!
    if (!isMarketable(order.side, limit, touch)) return
    execute(
      state,
      order,
      asTaker ? sweep(order.side, remaining, touch, tick, perLevel, limit) : [{ price: limit, size: Math.min(remaining, perTick) }],
      nowMillis
    )
  }
  switch (order.type) {
    case OrderType.Market:
      return execute(state, order, sweep(order.side, remaining, touch, tick, perLevel), nowMillis)
    case OrderType.Limit:
    case OrderType.JoinBid:
    case OrderType.JoinAsk:
      return limitLogic(taker)
    case OrderType.StopLimit:
      if (order.triggered) return limitLogic(taker)
      if (!isStopReached(order.side, order.stopPrice!, touch)) return
      order.triggered = true
      return limitLogic(true)
    case OrderType.TrailingStop: {
      const next = roundToTick(trail(order.side, order.stopPrice, order.trailDistance!, touch), tick)
      if (next !== order.stopPrice) {
        order.stopPrice = next
        order.updateMillis = nowMillis
        emitOrder(state, order)
      }
      break
    }
    default:
      break
  }
  if (order.type === OrderType.Stop || order.type === OrderType.TrailingStop) {
    if (isStopReached(order.side, order.stopPrice!, touch)) {
      execute(state, order, sweep(order.side, remaining, touch, tick, perLevel), nowMillis)
    }
  }
}
