/**
 * The system under test of the enforcement-latency bench, behind ONE
 * function: {@link startGuard}. The harness builds the client stack, the
 * OrderManager and the simulator around it and times what it sends; nothing
 * else of the bench depends on how the guard works inside.
 *
 * For now the body is the real pieces already on main: AccountState's change
 * path (`subscribe`: conflated snapshots), a trivial inline check of the
 * `positionMaxLoss` rule (each long marked at the best bid, each short at the
 * best ask, in dollars by the contract's tick size and value from
 * Contract/searchById) and `OrderManager.closeContract` for the breached
 * position. When the RiskEngine lands, this body is replaced by starting it
 * (same config, same services); the harness stays as it is.
 *
 * @internal
 */
import type { Models } from "@tradeguard/gateway"
import { OrderConfig, OrderManager } from "@tradeguard/orders"
import { AccountState, HubConnection, Subscription } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import type { Stack } from "@tradeguard/runtime"
import { Database, OrderIntents } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as RiskConfig from "../src/RiskConfig.js"

/** What the guard runs on: the stack's services and the OrderManager. */
export type GuardServices =
  | AccountState.AccountState
  | HubConnection.MarketHub
  | ResilientGateway.ResilientGateway
  | OrderManager.OrderManager

/**
 * The services {@link startGuard} runs on, over the client `stack` the harness
 * builds (one login, both hubs on the real SignalR transport): here the
 * OrderManager with its default config and an in-memory store.
 */
export const layer = <E, R>(stack: Layer.Layer<Stack.Services, E, R>) =>
  OrderManager.layer.pipe(
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(OrderIntents.layer.pipe(Layer.provide(Database.layerMemory()))),
    Layer.provideMerge(stack)
  )

/** Tick size and tick value of a contract, as Contract/searchById gives them. */
interface Spec {
  readonly tickSize: number
  readonly tickValue: number
}

/** One position's unrealized PnL in dollars at the liquidation side of `quote` (undefined: no price for that side). */
const unrealized = (p: Models.Position, spec: Spec, bid: number | undefined, ask: number | undefined) => {
  const mark = p.type === 1 ? bid : ask
  if (mark === undefined) return undefined
  // prices sit on ticks: a whole number of ticks (in floats, 600 ticks of 0.1 can come out as 599.99999...)
  const ticks = Math.round((p.type === 1 ? mark - p.averagePrice : p.averagePrice - mark) / spec.tickSize)
  return ticks * spec.tickValue * p.size
}

/**
 * Starts guarding the accounts of `config` (a list of ids) for as long as the
 * scope lives: subscribes the market hub to the quotes of every contract in
 * which a watched account has a position (read once, at the start: the
 * bench's set of contracts does not change), then follows AccountState and,
 * when a position breaches its account's `positionMaxLoss`, closes it with
 * `OrderManager.closeContract` (one close in flight per position). Returns
 * once the guard is running.
 */
export const startGuard = (
  config: RiskConfig.RiskConfig
): Effect.Effect<void, never, Scope.Scope | GuardServices> =>
  Effect.gen(function*() {
    const state = yield* AccountState.AccountState
    const market = yield* HubConnection.MarketHub
    const gateway = yield* ResilientGateway.ResilientGateway
    const manager = yield* OrderManager.OrderManager
    const watched = new Set(config.accounts === "all" ? [] : config.accounts)
    const limits = new Map<number, number>()
    for (const id of watched) {
      const rule = RiskConfig.rulesFor(config, id).positionMaxLoss
      if (rule !== undefined) limits.set(id, rule.amount)
    }

    const first = yield* state.get
    const contractIds = new Set<string>()
    for (const p of HashMap.values(first.positions)) if (watched.has(p.accountId)) contractIds.add(p.contractId)
    const specs = new Map<string, Spec>()
    for (const contractId of contractIds) {
      const { contract } = yield* Effect.orDie(gateway.contractSearchById({ contractId }))
      specs.set(contractId, { tickSize: contract.tickSize, tickValue: contract.tickValue })
      yield* Effect.orDie(market.subscribe(Subscription.contractQuotes(contractId)))
    }

    /** Positions (account:contract) whose close is in flight or done and not yet gone from the snapshot. */
    const closing = new Set<string>()
    const close = (p: Models.Position) =>
      Effect.forkScoped(Effect.ignore(manager.closeContract(p.accountId, p.contractId)))

    const changes = yield* state.subscribe
    let positions: AccountState.Snapshot["positions"] | undefined
    let byContract = new Map<string, Array<Models.Position>>()
    const seen = new Map<string, unknown>()
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const s = yield* changes.take
      if (s.positions !== positions) {
        positions = s.positions
        byContract = new Map()
        for (const p of HashMap.values(s.positions)) {
          if (!watched.has(p.accountId) || p.size === 0) continue
          const list = byContract.get(p.contractId) ?? []
          list.push(p)
          byContract.set(p.contractId, list)
        }
        for (const key of closing) if (!HashMap.has(s.positions, key)) closing.delete(key)
        seen.clear() // positions changed: check every contract again
      }
      for (const [contractId, list] of byContract) {
        const q = HashMap.get(s.quotes, contractId)
        if (q._tag === "None" || seen.get(contractId) === q.value) continue
        seen.set(contractId, q.value)
        const spec = specs.get(contractId)
        if (spec === undefined) continue
        for (const p of list) {
          const limit = limits.get(p.accountId)
          const key = AccountState.positionKey(p.accountId, p.contractId)
          if (limit === undefined || closing.has(key)) continue
          const pnl = unrealized(p, spec, q.value.bestBid ?? undefined, q.value.bestAsk ?? undefined)
          if (pnl !== undefined && pnl <= -limit) {
            closing.add(key)
            yield* close(p)
          }
        }
      }
    })))
  })
