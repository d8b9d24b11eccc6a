/**
 * The client-to-server methods of both hubs and the subscriptions they keep
 * on one connection: argument checks (like ASP.NET Core's binding: a count
 * and a JSON type per parameter), case-insensitive method names, and the
 * routing of exchange events to the connection's subscriptions.
 *
 * @internal
 */
import type { ExchangeEvent } from "../ExchangeEvent.js"
import type { HubName } from "./HubFaults.js"

/** What one connection is subscribed to. */
export interface Subscriptions {
  accounts: boolean
  readonly orders: Set<number>
  readonly positions: Set<number>
  readonly trades: Set<number>
  readonly quotes: Set<string>
  readonly marketTrades: Set<string>
  readonly depth: Set<string>
}

export const emptySubscriptions = (): Subscriptions => ({
  accounts: false,
  orders: new Set(),
  positions: new Set(),
  trades: new Set(),
  quotes: new Set(),
  marketTrades: new Set(),
  depth: new Set()
})

/** Subscription keys by kind, for listings. */
export const describe = (s: Subscriptions): Record<string, ReadonlyArray<number | string> | boolean> => ({
  accounts: s.accounts,
  orders: [...s.orders],
  positions: [...s.positions],
  trades: [...s.trades],
  quotes: [...s.quotes],
  marketTrades: [...s.marketTrades],
  depth: [...s.depth]
})

type Kind = "accounts" | "orders" | "positions" | "trades" | "quotes" | "marketTrades" | "depth"

/** One hub method: which subscription it changes and the type of its single argument. */
export interface Method {
  /** The canonical name (as the reference spells it). */
  readonly name: string
  readonly kind: Kind
  readonly subscribe: boolean
  readonly arg: "none" | "accountId" | "contractId"
}

const table: Record<HubName, ReadonlyArray<Method>> = {
  user: [
    ["Accounts", "accounts", "none"] as const,
    ["Orders", "orders", "accountId"] as const,
    ["Positions", "positions", "accountId"] as const,
    ["Trades", "trades", "accountId"] as const
  ].flatMap(([n, kind, arg]) => [
    { name: `Subscribe${n}`, kind, subscribe: true, arg },
    { name: `Unsubscribe${n}`, kind, subscribe: false, arg }
  ]),
  market: [
    ["ContractQuotes", "quotes"] as const,
    ["ContractTrades", "marketTrades"] as const,
    ["ContractMarketDepth", "depth"] as const
  ].flatMap(([n, kind]) => [
    { name: `Subscribe${n}`, kind, subscribe: true, arg: "contractId" as const },
    { name: `Unsubscribe${n}`, kind, subscribe: false, arg: "contractId" as const }
  ])
}

const byName: Record<HubName, Map<string, Method>> = {
  user: new Map(table.user.map((m) => [m.name.toLowerCase(), m])),
  market: new Map(table.market.map((m) => [m.name.toLowerCase(), m]))
}

/** The method of `hub` named `target` (case-insensitive, as ASP.NET Core), if any. */
export const lookup = (hub: HubName, target: string): Method | undefined => byName[hub].get(target.toLowerCase())

/** The checked argument of a call, or why the arguments do not bind. */
export const bindArgs = (
  method: Method,
  args: ReadonlyArray<unknown>
): { readonly ok: true; readonly key: number | string | undefined } | { readonly ok: false; readonly error: string } => {
  const expected = method.arg === "none" ? 0 : 1
  if (args.length !== expected) {
    return { ok: false, error: `Invocation provides ${args.length} argument(s) but target expects ${expected}.` }
  }
  if (method.arg === "none") return { ok: true, key: undefined }
  const a = args[0]
  if (method.arg === "accountId") {
    return typeof a === "number" && Number.isInteger(a)
      ? { ok: true, key: a }
      : { ok: false, error: "Error binding arguments. Make sure that the types of the provided values match the types of the hub method being invoked." }
  }
  return typeof a === "string"
    ? { ok: true, key: a }
    : { ok: false, error: "Error binding arguments. Make sure that the types of the provided values match the types of the hub method being invoked." }
}

/** Applies a bound (un)subscription. */
export const apply = (s: Subscriptions, method: Method, key: number | string | undefined): void => {
  if (method.kind === "accounts") {
    s.accounts = method.subscribe
    return
  }
  const set = s[method.kind] as Set<number | string>
  if (method.subscribe) set.add(key!)
  else set.delete(key!)
}

/** Whether a connection of `userId` with subscriptions `s` gets `event`. */
export const wants = (s: Subscriptions, userId: number, event: ExchangeEvent): boolean => {
  switch (event._tag) {
    case "AccountUpdated":
      return s.accounts && event.userId === userId
    case "OrderUpserted":
      return event.userId === userId && s.orders.has(event.order.accountId)
    case "PositionUpserted":
    case "PositionClosed":
      return event.userId === userId && s.positions.has(event.position.accountId)
    case "TradeExecuted":
      return event.userId === userId && s.trades.has(event.trade.accountId)
    case "QuoteUpdated":
      return s.quotes.has(event.contractId)
    case "MarketTrades":
      return s.marketTrades.has(event.contractId)
    case "DepthUpdated":
      return s.depth.has(event.contractId)
    case "Logout":
      return false
  }
}
