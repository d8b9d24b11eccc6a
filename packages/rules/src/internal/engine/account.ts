/**
 * One watched account's fiber: its memory loaded from the store, an
 * evaluation at every change of its slice and every `interval` (and, when
 * the interval is longer, when a position's quote turns stale and every few
 * seconds while it stays stale), the memory
 * saved when the rules change it, the decisions carried out (enforce mode:
 * lock first, then the Enforcer, forked so the loop never waits for it;
 * monitor mode: a WARN log and an audit record, nothing sent) and its status
 * published.
 *
 * @internal
 */
import { AccountState, TradingDay } from "@tradeguard/realtime"
import type { RuleState } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { BarPrice, Memory } from "../../AccountView.js"
import type * as Audit from "../../Audit.js"
import type * as Enforcer from "../../Enforcer.js"
import type * as Locks from "../../Locks.js"
import type * as MarketData from "../../MarketData.js"
import { type RiskConfig, rulesFor } from "../../RiskConfig.js"
import type { AccountStatus } from "../../RiskEngine.js"
import type { Evaluation } from "../../Rules.js"
import { createdAt } from "../figures.js"
import { type Decision, decide, exposureOf, type Tracked } from "./decisions.js"
import { type Slice, sameSlice, sliceOf } from "./slice.js"
import { cached as cachedTradingDay } from "./tradingDay.js"
import { Wakeup } from "./wakeup.js"
import { degradedReasons, maxQuoteAgeOf, pricesDueAt, staleContracts, statusOf, viewOf } from "./view.js"

/** What an account's fiber works with. */
export interface Deps {
  readonly config: RiskConfig
  readonly tradingDay: TradingDay.Config
  readonly state: AccountState.Service
  readonly enforcer: Enforcer.Service
  readonly locks: Locks.Service
  readonly market: MarketData.Service
  readonly ruleState: RuleState.RuleState
  readonly audit: Audit.Service
  readonly evaluate: (
    config: RiskConfig,
    rules: ReturnType<typeof rulesFor>,
    view: ReturnType<typeof viewOf>,
    memory: Memory | undefined
  ) => Evaluation
  readonly memoryKey: string
  readonly interval: Duration.Duration
  /**
   * The least time between two evaluations (0: none). Changes coming faster (a quote stream) are coalesced: the
   * evaluation after the pause reads the newest snapshot, so the last price is never missed.
   */
  readonly coalesce: Duration.Duration
  /** How long an evaluation waits for a fallback price (past it: evaluated without it; the fetch goes on). */
  readonly barPriceWait: Duration.Duration
  /** The account's status after each evaluation. */
  readonly publish: (status: AccountStatus) => Effect.Effect<void>
  /** The contracts of the account's positions and working orders after each evaluation (the engine tells MarketData). */
  readonly needs: (accountId: number, contracts: ReadonlyArray<string>) => Effect.Effect<void>
  /**
   * Calls `listener` with the state now and at each change of it, until the scope closes (in the engine's one
   * subscription to AccountState: synchronously, so it must be quick and must not throw).
   */
  readonly watch: (listener: (snapshot: AccountState.Snapshot) => void) => Effect.Effect<void, never, Scope.Scope>
  /** Where the forked enforcements live (the engine's scope). */
  readonly scope: Scope.Scope
}

const asMemory = (u: unknown): Memory | undefined =>
  typeof u === "object" && u !== null && !Array.isArray(u) ? (u as Memory) : undefined

/** When the newest position in `contractId` opened (a fallback price asked for before then does not price it). */
const openedAt = (positions: ReadonlyArray<{ readonly contractId: string; readonly creationTimestamp: string }>, contractId: string) =>
  positions.reduce((at, p) => p.contractId === contractId ? Math.max(at, createdAt(p)) : at, 0)

const message = (e: unknown) => e instanceof Error ? e.message : String(e)

/** Runs the account until the scope closes. */
export const run = (deps: Deps, accountId: number): Effect.Effect<never, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { config, enforcer, locks, market, state } = deps
    const rules = rulesFor(config, accountId)
    const maxAgeMs = maxQuoteAgeOf(rules)
    const problems = new Set<string>()

    const loaded = yield* deps.ruleState.get(accountId, deps.memoryKey).pipe(
      Effect.map((o) => asMemory(Option.getOrUndefined(o))),
      Effect.catchAllCause((cause) =>
        Effect.logError("rule state could not be loaded; the rules start without memory", cause).pipe(
          Effect.tap(() => problems.add("rule state could not be loaded")),
          Effect.as(undefined)
        )
      )
    )
    const tradingDayOf = cachedTradingDay(deps.tradingDay)
    let memory: Memory | undefined = loaded
    let tracked: Tracked = new Map()
    let enforcing = 0

    const wake = new Wakeup()
    /** The slice the last evaluation started from (or, before the first, the last one looked at). */
    let slice: Slice | undefined
    /**
     * Woken and not evaluated yet: the next evaluation reads the newest snapshot, so a change coming meanwhile needs no
     * look (thousands of quotes a second cost one comparison per evaluation, not one per quote).
     */
    let woken = false
    const pause = Duration.toMillis(deps.coalesce) > 0 ? Effect.sleep(deps.coalesce) : Effect.void
    // Each change of the state is looked at in place (no fiber of its own): the account is woken when its slice changed.
    yield* deps.watch((snapshot) => {
      if (woken) return
      const next = sliceOf(snapshot, accountId, slice)
      if (slice === undefined || !sameSlice(slice, next)) {
        woken = true
        wake.wake()
      }
      slice = next
    })
    const intervalMs = Duration.toMillis(deps.interval)
    /** When the timer wakes the account next. */
    let tickAt = (yield* Clock.currentTimeMillis) + intervalMs
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(
      Effect.sleep(deps.interval),
      Effect.map(Clock.currentTimeMillis, (now) => {
        tickAt = now + intervalMs
        wake.wake()
      })
    )))
    /** The earliest wake-up set by {@link wakeAt} that has not come yet. */
    let alarmAt: number | undefined
    /**
     * Wakes the account at `at` when the timer would come later and no earlier wake-up is set: with a long `interval`,
     * a quote turning stale (or a fallback price to look at again) is still looked at in time.
     */
    const wakeAt = (at: number | undefined): Effect.Effect<void, never, Scope.Scope> =>
      at === undefined || at >= tickAt || (alarmAt !== undefined && alarmAt <= at)
        ? Effect.void
        : Effect.flatMap(Clock.currentTimeMillis, (now) => {
          alarmAt = at
          return Effect.asVoid(Effect.forkScoped(Effect.zipRight(
            Effect.sleep(Math.max(0, at - now)),
            Effect.sync(() => {
              if (alarmAt === at) alarmAt = undefined
              wake.wake()
            })
          )))
        })

    const save = (next: Memory) =>
      deps.ruleState.put(accountId, deps.memoryKey, next).pipe(
        Effect.tap(() => Effect.sync(() => problems.delete("rule state could not be saved"))),
        Effect.catchAllCause((cause) =>
          Effect.logError("rule state could not be saved", cause).pipe(
            Effect.tap(() => problems.add("rule state could not be saved"))
          )
        )
      )

    const monitor = (d: Decision) =>
      deps.audit.record({
        accountId,
        rule: d.request.rule,
        kind: "Decision",
        reason: d.request.reason,
        figures: { ...d.request.figures, actions: d.request.actions, lock: d.lock ?? null },
        action: d.request.actions.map((a) => a._tag).join("+"),
        outcome: "monitor"
      })

    const enforce = (d: Decision) =>
      Effect.gen(function*() {
        if (d.lock !== undefined) {
          yield* locks.lock(accountId, d.request.rule as Parameters<Locks.Service["lock"]>[1], d.request.reason, d.lock)
        }
        enforcing++
        yield* enforcer.enforce(d.request).pipe(
          Effect.tap((outcome) =>
            outcome._tag === "Done"
              ? Effect.logInfo(`enforcement ${outcome.id} done`)
              : Effect.logError(`enforcement ${outcome.id} escalated: ${outcome.remaining}`)
          ),
          Effect.catchAllCause((cause) => Effect.logError("enforcement failed", cause)),
          Effect.ensuring(Effect.sync(() => enforcing--)),
          Effect.annotateLogs({ accountId, rule: d.request.rule }),
          Effect.forkIn(deps.scope)
        )
      })

    const carryOut = (d: Decision) =>
      Effect.logWarning(`${config.mode === "monitor" ? "monitor: would enforce" : "enforcing"} ${d.request.rule}: ${d.request.reason}`).pipe(
        Effect.annotateLogs({
          accountId,
          rule: d.request.rule,
          mode: config.mode,
          figures: JSON.stringify(d.request.figures),
          actions: JSON.stringify(d.request.actions)
        }),
        Effect.zipRight(config.mode === "monitor" ? monitor(d) : enforce(d))
      )

    const evaluateOnce = Effect.gen(function*() {
      // Before the snapshot is read: a change after this point wakes the account again (never missed).
      woken = false
      const now = yield* Clock.currentTimeMillis
      const current = sliceOf(yield* state.get, accountId, slice)
      slice = current
      const quotes = yield* market.quotes
      const stale = staleContracts(current.positions, quotes, now, maxAgeMs)
      const fetched = new Map<string, BarPrice>()
      // (most evaluations have no stale quote: they skip the concurrent forEach's machinery)
      if (stale.length > 0) {
        yield* Effect.forEach(stale, (c) =>
          Effect.map(
            Effect.timeoutTo(market.barPrice(c, openedAt(current.positions, c)), { duration: deps.barPriceWait, onSuccess: (p) => p, onTimeout: () => undefined }),
            (p) => {
              if (p !== undefined) fetched.set(c, p)
            }
          ), { concurrency: "unbounded", discard: true })
      }
      const barPrices = fetched.size === 0 ? yield* market.barPrices : new Map([...(yield* market.barPrices), ...fetched])
      const day = tradingDayOf(now)
      const view = viewOf({
        accountId,
        now,
        dayStart: day.start,
        nextDayStart: day.next,
        slice: current,
        quotes,
        barPrices,
        contracts: yield* market.contracts,
        failedLookups: yield* market.failedLookups,
        marketHubDownSince: yield* market.marketHubDownSince,
        userHubDownSince: yield* market.userHubDownSince,
        lock: yield* locks.active(accountId)
      })
      let evaluation: Evaluation | undefined
      try {
        evaluation = deps.evaluate(config, rules, view, memory)
        problems.delete("the rules failed")
      } catch (error) {
        problems.add("the rules failed")
        yield* Effect.logError(`the rules failed: ${message(error)}`)
      }
      if (evaluation !== undefined && evaluation.memory !== memory) {
        memory = evaluation.memory
        yield* save(evaluation.memory)
      }
      const decided = decide({
        accountId,
        verdicts: evaluation?.verdicts ?? [],
        lock: view.lock,
        exposure: exposureOf(view.positions, view.workingOrders),
        tracked
      })
      tracked = decided.tracked
      for (const d of decided.decisions) yield* carryOut(d)
      yield* deps.publish(statusOf({
        view,
        mode: config.mode,
        evaluation,
        degraded: degradedReasons(view, maxAgeMs, evaluation, [...problems]),
        enforcing: enforcing > 0
      }))
      yield* deps.needs(accountId, current.contracts)
      yield* wakeAt(pricesDueAt(current.positions, quotes, now, maxAgeMs))
    })

    // After an evaluation the loop pauses `coalesce`: what changed meanwhile is read by the next one (newest snapshot).
    return yield* Effect.forever(Effect.zipRight(
      wake.wait,
      Effect.zipRight(evaluateOnce.pipe(Effect.catchAllCause((cause) => Effect.logError("evaluation failed", cause))), pause)
    ))
  }).pipe(Effect.annotateLogs({ module: "rules/RiskEngine", accountId }))

