/**
 * The whole risk guard as one layer: the RiskEngine over the Enforcer,
 * Locks, Audit, MarketData and the watched Accounts, with the store's
 * repositories they keep their state in (rule state, locks, the enforcement
 * log, pending enforcements), from one decoded `risk:` section.
 *
 * When to use: provide `Guard.layer(risk)` after the client stack (hubs,
 * AccountState, ResilientGateway), the OrderManager and a SQL client (the
 * store's `Database.layer`). Building it resumes the enforcements a previous
 * run left unfinished, loads the locks, and starts evaluating every watched
 * account.
 *
 * @example
 * ```ts
 * import { Guard, RiskConfig } from "@tradeguard/rules"
 * import * as Schema from "effect/Schema"
 *
 * const risk = Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)({ defaults: { dailyLossLimit: { amount: 1000 } } })
 * const GuardLive = Guard.layer(risk) // needs the stack, the OrderManager and a SqlClient
 * ```
 *
 * @since 0.1.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { OrderManager } from "@tradeguard/orders"
import type { AccountState, Config as RealtimeConfig, HubConnection } from "@tradeguard/realtime"
import type { ResilientGateway } from "@tradeguard/resilience"
import { AccountLocks, EnforcementLog, PendingActions, RuleState } from "@tradeguard/store"
import * as Layer from "effect/Layer"
import * as Accounts from "./Accounts.js"
import * as Audit from "./Audit.js"
import * as Enforcer from "./Enforcer.js"
import * as Locks from "./Locks.js"
import * as MarketData from "./MarketData.js"
import { type RiskConfig, RiskConfigTag } from "./RiskConfig.js"
import * as RiskEngine from "./RiskEngine.js"

/**
 * The code options of the parts (none is a config key).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly engine?: RiskEngine.Options
  readonly enforcer?: Enforcer.Options
  readonly market?: MarketData.Options
}

/**
 * What the guard provides.
 *
 * @since 0.1.0
 */
export type Services =
  | RiskEngine.RiskEngine
  | Enforcer.Enforcer
  | Locks.Locks
  | Audit.Audit
  | MarketData.MarketData
  | Accounts.Accounts
  | RiskConfigTag

/**
 * What the guard needs: the client stack's parts, the OrderManager and a SQL client.
 *
 * @since 0.1.0
 */
export type Requirements =
  | OrderManager.OrderManager
  | ResilientGateway.ResilientGateway
  | AccountState.AccountState
  | HubConnection.UserHub
  | HubConnection.MarketHub
  | RealtimeConfig.RealtimeConfig
  | SqlClient.SqlClient

/**
 * The store's repositories the guard keeps its state in.
 *
 * @since 0.1.0
 */
export const storeLayer: Layer.Layer<
  RuleState.RuleState | EnforcementLog.EnforcementLog | AccountLocks.AccountLocks | PendingActions.PendingActions,
  never,
  SqlClient.SqlClient
> = Layer.mergeAll(RuleState.layer, EnforcementLog.layer, AccountLocks.layer, PendingActions.layer)

/**
 * The guard for `risk` (the decoded `risk:` section).
 *
 * @since 0.1.0
 */
export const layer = (risk: RiskConfig, options: Options = {}): Layer.Layer<Services, never, Requirements> =>
  RiskEngine.layerWith(options.engine ?? {}).pipe(
    Layer.provideMerge(Enforcer.layer(options.enforcer ?? {})),
    Layer.provideMerge(Layer.mergeAll(
      Locks.layer,
      MarketData.layerWith(options.market ?? {}),
      Accounts.layer({ accounts: risk.accounts })
    )),
    Layer.provideMerge(Audit.layer),
    Layer.provideMerge(storeLayer),
    Layer.provideMerge(Layer.succeed(RiskConfigTag, risk))
  )
