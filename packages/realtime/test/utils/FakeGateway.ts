/**
 * A ResilientGateway for reconciliation tests: the ground truth in memory
 * (accounts, every order with its status, positions, trades) and the five
 * read endpoints the reconciler uses, with a log of calls (TestClock time).
 */
import { Enums, Errors, Models } from "@tradeguard/gateway"
import { ResilientGateway } from "@tradeguard/resilience"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface Call {
  readonly endpoint: string
  readonly request: unknown
  readonly at: number
}

export interface FakeGateway {
  readonly service: ResilientGateway.Service
  readonly layer: Layer.Layer<ResilientGateway.ResilientGateway>
  readonly accounts: Map<number, Models.Account>
  /** Every order of the day, by id, with its current status. */
  readonly orders: Map<number, Models.Order>
  /** Open positions by `${accountId}:${contractId}`. */
  readonly positions: Map<string, Models.Position>
  readonly trades: Map<number, Models.Trade>
  readonly calls: Array<Call>
  /** Calls fail with a ServerError while true. */
  failing: boolean
  /** Runs before each reply is computed (to let live events race a fetch). */
  onCall: ((endpoint: string) => Effect.Effect<void>) | undefined
}

export const makeFakeGateway: Effect.Effect<FakeGateway> = Effect.sync(() => {
  const fake: FakeGateway = {
    service: undefined as unknown as ResilientGateway.Service,
    layer: undefined as unknown as Layer.Layer<ResilientGateway.ResilientGateway>,
    accounts: new Map(),
    orders: new Map(),
    positions: new Map(),
    trades: new Map(),
    calls: [],
    failing: false,
    onCall: undefined
  }
  const handle = <A>(endpoint: string, request: unknown, reply: () => A) =>
    Effect.gen(function*() {
      fake.calls.push({ endpoint, request, at: yield* Clock.currentTimeMillis })
      if (fake.failing) return yield* new Errors.ServerError({ endpoint, status: 503 })
      const r = reply()
      if (fake.onCall !== undefined) yield* fake.onCall(endpoint)
      return r
    })
  const since = (start: string) => Models.timestampToMillis(start)
  const methods = {
    accountSearch: (r: { readonly onlyActiveAccounts: boolean }) =>
      handle("accountSearch", r, () => ({ accounts: [...fake.accounts.values()] })),
    orderSearchOpen: (r: { readonly accountId: number }) =>
      handle("orderSearchOpen", r, () => ({
        orders: [...fake.orders.values()].filter((o) =>
          o.accountId === r.accountId && Enums.isWorkingStatus(o.status) && o.status !== 8
        )
      })),
    orderSearch: (r: { readonly accountId: number; readonly startTimestamp: string }) =>
      handle("orderSearch", r, () => ({
        orders: [...fake.orders.values()].filter((o) =>
          o.accountId === r.accountId && Models.timestampToMillis(o.creationTimestamp) >= since(r.startTimestamp)
        )
      })),
    positionSearchOpen: (r: { readonly accountId: number }) =>
      handle("positionSearchOpen", r, () => ({
        positions: [...fake.positions.values()].filter((p) => p.accountId === r.accountId)
      })),
    tradeSearch: (r: { readonly accountId: number; readonly startTimestamp: string }) =>
      handle("tradeSearch", r, () => ({
        trades: [...fake.trades.values()].filter((t) =>
          t.accountId === r.accountId && Models.timestampToMillis(t.creationTimestamp) >= since(r.startTimestamp)
        )
      }))
  }
  const service = new Proxy(methods, {
    get: (target, key) =>
      key in target ? target[key as keyof typeof target] : () => Effect.die(`FakeGateway: ${String(key)} not faked`)
  }) as unknown as ResilientGateway.Service
  Object.assign(fake, { service, layer: Layer.succeed(ResilientGateway.ResilientGateway, service) })
  return fake
})

/** Sets an order in the ground truth (a new one or a new status). */
export const putOrder = (g: FakeGateway, o: Models.Order) => g.orders.set(o.id, o)
export const putPosition = (g: FakeGateway, p: Models.Position) => {
  const key = `${p.accountId}:${p.contractId}`
  if (p.size === 0 || p.type === 0) g.positions.delete(key)
  else g.positions.set(key, p)
}
export const putTrade = (g: FakeGateway, t: Models.Trade) => g.trades.set(t.id, t)
