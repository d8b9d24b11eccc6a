/**
 * The exchange core: builds the state from the options, advances the market
 * one tick, and answers the read endpoints. Synchronous and deterministic;
 * the Effect shell (Exchange) owns time, the lock and publication.
 *
 * @internal
 */
import { Enums, Models } from "@tradeguard/gateway"
import * as Either from "effect/Either"
import type { Resolved } from "../Options.js"
import { type BarQuery, bars } from "./Bars.js"
import { work } from "./Execution.js"
import { makeMarket, moveTo, publishMarket } from "./MarketData.js"
import { accountOf } from "./Orders.js"
import {
  isListedOpen,
  type Outcome,
  reject,
  type State,
  toAccount,
  toContract,
  toOrder,
  toPosition,
  workingOrders
} from "./State.js"
import { stamp } from "./Timestamps.js"

export const makeState = (config: Resolved, nowMillis: number): State => {
  const state: State = {
    config,
    accounts: new Map(),
    contracts: new Map(config.contracts.map((c) => [c.id, c])),
    orders: new Map(),
    positions: new Map(),
    tags: new Map(),
    live: new Set(),
    working: new Set(),
    tradesByAccount: new Map(),
    lastTick: Math.floor(nowMillis / config.tickMillis) - 1,
    markets: new Map(),
    nextOrderId: config.firstOrderId,
    nextTradeId: config.firstTradeId,
    nextPositionId: 700_001,
    events: []
  }
  for (const u of config.users) {
    for (const a of u.accounts) state.accounts.set(a.id, { ...a, userId: u.id })
  }
  for (const c of config.contracts) state.markets.set(c.id, makeMarket(c, config.seed, nowMillis))
  return state
}

/** At most this many ticks are stepped through in one catch-up (older ones are skipped). */
export const maxSteppedTicks = 200_000

/**
 * Brings the market to `nowMillis`. Markets with live orders step through
 * every tick on the way (orders fill at the tick they would have, with that
 * tick's timestamp); the others jump. Market data is then published once, for
 * the last tick.
 */
export const catchUp = (state: State, nowMillis: number): void => {
  const tickMillis = state.config.tickMillis
  const target = Math.floor(nowMillis / tickMillis)
  if (target <= state.lastTick) return
  for (let k = Math.max(state.lastTick + 1, target - maxSteppedTicks + 1); k <= target && state.live.size > 0; k++) {
    const t = k * tickMillis
    const busy = new Set<string>()
    for (const id of state.live) busy.add(state.orders.get(id)!.contractId)
    for (const contractId of busy) {
      moveTo(state.markets.get(contractId)!, t)
      workAll(state, t, contractId)
    }
  }
  state.lastTick = target
  const t = target * tickMillis
  for (const m of state.markets.values()) {
    moveTo(m, t)
    publishMarket(state, m, t)
  }
}

/** Live orders (of one contract) meet the current prices, oldest first. */
export const workAll = (state: State, nowMillis: number, contractId?: string): void => {
  const ids = [...state.live].sort((a, b) => a - b)
  for (const id of ids) {
    const o = state.orders.get(id)!
    if (o.status === Enums.OrderStatus.Open && (contractId === undefined || o.contractId === contractId)) {
      work(state, o, nowMillis, false)
    }
  }
}

export const accountsOf = (state: State, userId: number, onlyActive: boolean): Array<Models.Account> =>
  [...state.accounts.values()].filter((a) => a.userId === userId && (!onlyActive || a.active)).map(toAccount)

export const searchContracts = (state: State, text: string | undefined): Array<Models.Contract> => {
  const needle = (text ?? "").trim().toLowerCase()
  return [...state.contracts.values()]
    .filter((c) =>
      needle === "" ||
      [c.id, c.name, c.description, c.symbolId].some((s) => s.toLowerCase().includes(needle))
    )
    .slice(0, 20)
    .map(toContract)
}

export const contractById = (state: State, id: string): Outcome<Models.Contract> => {
  const c = state.contracts.get(id)
  return c === undefined ? reject("ContractNotFound", `Contract ${id} was not found.`) : Either.right(toContract(c))
}

export const availableContracts = (state: State): Array<Models.Contract> =>
  [...state.contracts.values()].filter((c) => c.activeContract).map(toContract)

const inRange = (millis: number, from: number, to: number | undefined) => millis >= from && (to === undefined || millis <= to)

export const ordersOf = (
  state: State,
  userId: number,
  accountId: number,
  range: { readonly from: number; readonly to?: number | undefined } | "open"
): Outcome<Array<Models.Order>> =>
  Either.map(accountOf(state, userId, accountId), (a) =>
    (range === "open" ? workingOrders(state) : [...state.orders.values()])
      .filter((o) =>
        o.accountId === a.id && (range === "open" ? isListedOpen(o) : inRange(o.creationMillis, range.from, range.to))
      )
      .map((o) => toOrder(state, o)))

export const positionsOf = (state: State, userId: number, accountId: number): Outcome<Array<Models.Position>> =>
  Either.map(accountOf(state, userId, accountId), (a) =>
    [...state.positions.values()].filter((p) => p.accountId === a.id).map((p) => toPosition(state, p)))

export const tradesOf = (
  state: State,
  userId: number,
  accountId: number,
  from: number,
  to: number | undefined
): Outcome<Array<Models.Trade>> =>
  Either.map(accountOf(state, userId, accountId), (a) =>
    (state.tradesByAccount.get(a.id) ?? []).filter((t) => inRange(t.millis, from, to)).map((t) => t.trade))

export const barsOf = (
  state: State,
  contractId: string,
  query: Omit<BarQuery, "unit"> & { readonly unit: number }
): Outcome<Array<Models.Bar>> => {
  const market = state.markets.get(contractId)
  if (market === undefined) return reject("ContractNotFound", `Contract ${contractId} was not found.`)
  if (!(query.unit >= 1 && query.unit <= 6)) return reject("UnitInvalid", `Unit ${query.unit} is not valid.`)
  if (!(query.unitNumber >= 1)) return reject("UnitNumberInvalid", `unitNumber ${query.unitNumber} must be at least 1.`)
  if (!(query.limit >= 1)) return reject("LimitInvalid", `limit ${query.limit} must be at least 1.`)
  const raw = bars(market.spec, market.contract.tickSize, state.config.tickMillis, {
    ...query,
    unit: query.unit as BarQuery["unit"]
  }, market.pins)
  return Either.right(raw.map((b) => new Models.Bar({ ...b, t: stamp(state.config.seed, "bar", b.t) })))
}

/** The ground truth of one account (no user check): for tests and operators. */
export const snapshotOf = (state: State, accountId: number) => {
  const a = state.accounts.get(accountId)
  if (a === undefined) return undefined
  const orders = [...state.orders.values()].filter((o) => o.accountId === accountId)
  return {
    account: toAccount(a),
    orders: orders.map((o) => toOrder(state, o)),
    openOrders: orders.filter(isListedOpen).map((o) => toOrder(state, o)),
    positions: [...state.positions.values()].filter((p) => p.accountId === accountId).map((p) => toPosition(state, p)),
    trades: (state.tradesByAccount.get(accountId) ?? []).map((t) => t.trade)
  }
}
