/**
 * The RiskEngine: evaluates the rules of every watched account and carries
 * out their decisions.
 *
 * - Every watched account (`Accounts.changes`: an account added while
 *   running gets its own fiber at once) is evaluated on EVERY change of its
 *   slice of AccountState (balance, positions, working orders, today's
 *   trades, the quotes of the contracts it holds a position in; no event-type
 *   list) and every second (`interval`), so an unknown event can never mean
 *   "pass". A quote of a contract the account only has working orders in
 *   changes no figure: it wakes nothing, and the next evaluation sees it. One
 *   subscription to AccountState serves every account: each change is looked
 *   at once and compares each account's slice in place.
 * - The view is assembled from AccountState, MarketData (quotes with receipt
 *   time, contracts, the REST fallback price of a position whose quote is
 *   stale or missing), `Locks.active`, the trading day of RealtimeConfig and
 *   the Clock. After each evaluation, `MarketData.need` gets the contracts of
 *   every account's positions and working orders (from one fiber, conflated:
 *   no evaluation waits for it): the quote subscriptions follow the accounts.
 * - The rules' memory is loaded from the store's RuleState (key `rules`) at
 *   an account's start and saved whenever `evaluate` returns a new object.
 * - Decisions (a breached verdict with actions, once per decision; an active
 *   lock that finds an order or a position): in `enforce` mode the lock is
 *   set first (flatten-and-lock rules), then the Enforcer runs, forked (the
 *   evaluation never waits for it; one account's enforcement never delays
 *   another's). In `monitor` mode nothing is sent: each decision is a WARN
 *   log and an audit record (action `monitor`) in the enforcement log.
 * - `status` / `changes`: each account's figures, verdicts, lock, degraded
 *   reasons and last evaluation; `health` is DEGRADED (with the reasons)
 *   while any account's data is stale, never silently OK.
 *
 * When to use: `RiskEngine.layer` in the daemon, over the stack, the store
 * and the rules' services; `layerWith({ evaluate })` to drive it with other
 * rules (tests).
 *
 * @since 0.1.0
 */
import { AccountState, Config as RealtimeConfigModule } from "@tradeguard/realtime"
import { RuleState } from "@tradeguard/store"
import { Audit } from "./Audit.js"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Accounts } from "./Accounts.js"
import type { ActiveLock } from "./AccountView.js"
import { Enforcer } from "./Enforcer.js"
import * as AccountFiber from "./internal/engine/account.js"
import { sameItems } from "./internal/engine/slice.js"
import { healthOf } from "./internal/engine/view.js"
import { Wakeup } from "./internal/engine/wakeup.js"
import { Locks } from "./Locks.js"
import { MarketData } from "./MarketData.js"
import { type RuleName, RiskConfigTag } from "./RiskConfig.js"
import * as Rules from "./Rules.js"

/**
 * One rule's verdict as the status shows it.
 *
 * @since 0.1.0
 */
export interface RuleStatus {
  readonly rule: RuleName
  readonly figure: number | undefined
  readonly limit: number | undefined
  readonly breached: boolean
  readonly reason: string
}

/**
 * One watched account as the status shows it, after its last evaluation.
 *
 * @since 0.1.0
 */
export interface AccountStatus {
  readonly accountId: number
  readonly mode: "enforce" | "monitor"
  /** Equity, day PnL, ... (undefined when the rules failed). */
  readonly figures: Rules.Figures | undefined
  /** Each configured rule's figure and limit, in the order of `RiskConfig.ruleNames`. */
  readonly rules: ReadonlyArray<RuleStatus>
  readonly lock: ActiveLock | undefined
  /** Why the data cannot be trusted now (hub down, stale quotes, a contract lookup failing, ...); empty: it can. */
  readonly degraded: ReadonlyArray<string>
  /** Whether an enforcement the engine started on the account is still running. */
  readonly enforcing: boolean
  /** Epoch millis of the last evaluation. */
  readonly evaluatedAt: number
}

/**
 * The engine's health: DEGRADED with every account's reasons (prefixed by the account id) while any is degraded.
 *
 * @since 0.1.0
 */
export type Health =
  | { readonly _tag: "Ok" }
  | { readonly _tag: "Degraded"; readonly reasons: ReadonlyArray<string> }

/**
 * The engine.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Every evaluated account's status, by account id ascending. */
  readonly status: Effect.Effect<ReadonlyArray<AccountStatus>>
  /** The statuses now, then after every evaluation (conflating). */
  readonly changes: Stream.Stream<ReadonlyArray<AccountStatus>>
  /** OK, or DEGRADED with the reasons. */
  readonly health: Effect.Effect<Health>
}

/**
 * The engine's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class RiskEngine extends Context.Tag("@tradeguard/rules/RiskEngine")<RiskEngine, Service>() {}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The rules (default `Rules.evaluate`). */
  readonly evaluate?: typeof Rules.evaluate
  /** The RuleState key of the rules' memory (default `rules`). */
  readonly memoryKey?: string
  /**
   * The timer between two evaluations of an account that does not change (default 1 second). Whatever it is, an
   * account holding a position is also evaluated the moment that position's quote turns stale and every 5 s while
   * it stays stale (its price then comes from the REST fallback, which may have moved).
   */
  readonly interval?: Duration.DurationInput
  /**
   * The least time between two evaluations of an account (default 0: every change of its slice is evaluated as
   * soon as the fiber gets to it). Under a quote stream (thousands a second) each evaluation is
   * work and garbage for nothing new: with, say, 20 ms, changes coming faster are coalesced and the evaluation
   * after the pause reads the newest snapshot (the last price is never missed; a breach is seen at most that much
   * later). The daemon uses 20 ms (apps/risk Runtime).
   *
   * @since 0.3.0
   */
  readonly coalesce?: Duration.DurationInput
  /**
   * How long an evaluation waits for the REST fallback price of a position whose quote is stale (default 1 second);
   * past it the evaluation goes on without that price (the fetch goes on in the background, the next evaluation
   * takes its result), so a fetch held up by the rate limiter or a breaker never holds up the rules.
   */
  readonly barPriceWait?: Duration.DurationInput
}

/**
 * What the engine needs.
 *
 * @since 0.1.0
 */
export type Requirements =
  | RiskConfigTag
  | RealtimeConfigModule.RealtimeConfig
  | AccountState.AccountState
  | Accounts
  | Enforcer
  | Locks
  | MarketData
  | RuleState.RuleState
  | Audit

const toArray = (m: ReadonlyMap<number, AccountStatus>) => [...m.values()].sort((a, b) => a.accountId - b.accountId)

/**
 * Starts the engine for as long as the scope lives: one fiber per watched account.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope | Requirements> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const market = yield* MarketData
    // Each account's latest status, and a version the evaluations bump: an evaluation costs a map entry, not a
    // copy of every account's status (thousands of quotes a second re-evaluate every account holding them).
    const statuses = new Map<number, AccountStatus>()
    let sorted: ReadonlyArray<AccountStatus> | undefined
    const statusesNow = () => sorted ??= toArray(statuses)
    // Bumped (in place, no lock) at each publish; `changes` readers take the newest statuses when they look.
    const bumps = yield* PubSub.sliding<void>(1)
    // The contracts each account needs; one fiber hands their union to MarketData (conflated: the evaluations never
    // wait for a subscription or a contract lookup).
    const needs = new Map<number, ReadonlyArray<string>>()
    const needWake = new Wakeup()
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(
      needWake.wait,
      Effect.suspend(() => market.need(new Set([...needs.values()].flat())))
    )))
    // One subscription to AccountState for all accounts: each change is taken once and handed to every account's
    // listener in place (an account's fiber wakes only when its own slice changed, not at every change of any one).
    const state = yield* AccountState.AccountState
    const listeners = new Set<(snapshot: AccountState.Snapshot) => void>()
    const changes = yield* state.subscribe
    yield* Effect.forkScoped(Effect.forever(Effect.map(changes.take, (snapshot) => {
      for (const listener of listeners) listener(snapshot)
    })))
    const watch = (listener: (snapshot: AccountState.Snapshot) => void) =>
      Effect.acquireRelease(
        Effect.zipRight(Effect.sync(() => listeners.add(listener)), Effect.map(state.get, listener)),
        () => Effect.sync(() => listeners.delete(listener))
      )
    const deps: AccountFiber.Deps = {
      config: yield* RiskConfigTag,
      tradingDay: (yield* RealtimeConfigModule.RealtimeConfig).tradingDay,
      state,
      enforcer: yield* Enforcer,
      locks: yield* Locks,
      market,
      ruleState: yield* RuleState.RuleState,
      audit: yield* Audit,
      evaluate: options.evaluate ?? Rules.evaluate,
      memoryKey: options.memoryKey ?? "rules",
      interval: Duration.decode(options.interval ?? "1 second"),
      coalesce: Duration.decode(options.coalesce ?? 0),
      barPriceWait: Duration.decode(options.barPriceWait ?? "1 second"),
      scope,
      watch,
      publish: (status) =>
        Effect.suspend(() => {
          statuses.set(status.accountId, status)
          sorted = undefined
          bumps.unsafeOffer(undefined)
          return Effect.void
        }),
      needs: (accountId, contracts) =>
        Effect.suspend(() => {
          const before = needs.get(accountId)
          if (before !== undefined && sameItems(before, contracts)) return Effect.void
          needs.set(accountId, contracts)
          needWake.wake()
          return Effect.void
        })
    }
    const started = new Set<number>()
    const accounts = yield* Accounts
    yield* accounts.changes.pipe(
      Stream.runForEach((ids) =>
        Effect.forEach(ids, (id) => {
          if (started.has(id)) return Effect.void
          started.add(id)
          return Effect.forkIn(Effect.scoped(AccountFiber.run(deps, id)), scope)
        }, { discard: true })
      ),
      Effect.forkScoped
    )
    return {
      status: Effect.sync(statusesNow),
      // Subscribed before the statuses now are read: a publish in between is seen, never lost.
      changes: Stream.unwrapScoped(Effect.map(PubSub.subscribe(bumps), (q) => Stream.concat(Stream.succeed(undefined), Stream.fromQueue(q))))
        .pipe(Stream.buffer({ capacity: 1, strategy: "sliding" }), Stream.map(statusesNow)),
      health: Effect.sync(() => healthOf(statuses.values()))
    } satisfies Service
  })

/**
 * The engine with `options` (e.g. other rules), for as long as the layer lives.
 *
 * @since 0.1.0
 */
export const layerWith = (options: Options): Layer.Layer<RiskEngine, never, Requirements> =>
  Layer.scoped(RiskEngine, make(options))

/**
 * The engine with the package's rules.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RiskEngine, never, Requirements> = layerWith({})
