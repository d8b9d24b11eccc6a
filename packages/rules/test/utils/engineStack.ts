/**
 * The RiskEngine over the fakes of test/utils/engineFakes.ts, an in-memory store, and either a detached
 * AccountState (events applied by the test) or the in-process simulator's whole stack (TestStack), plus the rules a
 * test drives the engine with and the models it feeds it.
 */
import { Enums, Models } from "@tradeguard/gateway"
import { Config as RealtimeConfig, AccountState, HubEvent } from "@tradeguard/realtime"
import { Database, EnforcementLog, RuleState } from "@tradeguard/store"
import * as Audit from "../../src/Audit.js"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { AccountView, Memory } from "../../src/AccountView.js"
import { type RiskConfig, RiskConfigSchema, RiskConfigTag, type RuleName } from "../../src/RiskConfig.js"
import * as RiskEngine from "../../src/RiskEngine.js"
import type { Evaluation } from "../../src/Rules.js"
import type { Action, Verdict } from "../../src/Verdict.js"
import * as EngineFakes from "./engineFakes.js"

export const ACCOUNT = TestStack.demoAccountId
export const OTHER = 100002
export const MNQ = "CON.F.US.MNQ.Z26"
export const MES = "CON.F.US.MES.Z26"

/** The store the engine uses (provide it outside to keep it across a rebuild). */
export const storeLayer = Layer.mergeAll(RuleState.layer, Audit.layer.pipe(Layer.provideMerge(EnforcementLog.layer))).pipe(
  Layer.provideMerge(Database.layerMemory())
)

/** Every call of a test's rules: the view it saw and the memory it was given. */
export interface Recorder {
  readonly calls: Array<{ readonly view: AccountView; readonly memory: Memory | undefined }>
  readonly of: (accountId: number) => ReadonlyArray<{ readonly view: AccountView; readonly memory: Memory | undefined }>
}

/** A recorder for {@link rules}. */
export const recorder = (): Recorder => {
  const calls: Recorder["calls"] = []
  return { calls, of: (accountId) => calls.filter((c) => c.view.accountId === accountId) }
}

/** One verdict of `rule`, breached or not. */
export const verdict = (rule: RuleName, breached: boolean, actions: ReadonlyArray<Action>, figure = 0): Verdict => ({
  rule,
  figure,
  limit: 1,
  breached,
  reason: breached ? `${rule} breached (${figure})` : `${rule} within its limit`,
  figures: { figure },
  actions: breached ? actions : []
})

/** Rules that record each call and answer `decide(view, memory)`'s verdicts and memory (default: the same memory). */
export const rules = (
  record: Recorder,
  decide: (view: AccountView, memory: Memory | undefined) => {
    readonly verdicts?: ReadonlyArray<Verdict>
    readonly memory?: Memory
  } = () => ({})
) =>
(_config: RiskConfig, _rules: unknown, view: AccountView, memory: Memory | undefined): Evaluation => {
  record.calls.push({ view, memory })
  const out = decide(view, memory)
  return {
    figures: {
      balance: view.balance,
      equity: view.balance,
      unrealized: 0,
      realized: 0,
      dayPnl: 0,
      dayStartEquity: view.balance,
      dayStartFirstSight: false,
      positions: [],
      estimates: [],
      degraded: []
    },
    verdicts: out.verdicts ?? [],
    lock: [],
    memory: out.memory ?? memory ?? empty
  }
}
const empty: Memory = {}

/** Options of the stacks. */
export interface Options {
  readonly risk?: typeof RiskConfigSchema.Encoded
  readonly engine?: RiskEngine.Options
  readonly accounts?: ReadonlyArray<number>
}

const common = (options: Options) =>
  RiskEngine.layerWith(options.engine ?? {}).pipe(
    Layer.provideMerge(Layer.succeed(RiskConfigTag, Schema.decodeUnknownSync(RiskConfigSchema)(options.risk ?? {}))),
    Layer.provideMerge(EngineFakes.layer(options.accounts ?? [ACCOUNT]))
  )

/** The engine over a detached AccountState (the test applies events); the store is the caller's. */
export const detachedWithoutStore = (options: Options = {}) =>
  common(options).pipe(
    Layer.provideMerge(AccountState.layerDetached),
    Layer.provideMerge(RealtimeConfig.RealtimeConfig.layer())
  )

/** The engine over a detached AccountState (the test applies events) and the store of {@link storeLayer}. */
export const detached = (options: Options = {}) => detachedWithoutStore(options).pipe(Layer.provideMerge(storeLayer))

/** The engine over the in-process simulator's stack (TestStack, seed 7) and the store of {@link storeLayer}. */
export const simulated = (options: Options = {}) =>
  common(options).pipe(
    Layer.provideMerge(TestStack.layer({ simulator: { seed: 7 } })),
    Layer.provideMerge(storeLayer)
  )

// ------------------------------------------------------------------ models

const ts = "2026-12-02T15:00:00Z"

/** An account event. */
export const account = (id: number, balance: number) =>
  HubEvent.account(new Models.Account({ id, name: `acct-${id}`, balance, canTrade: true, isVisible: true }))

/** A long position event (size 0 closes it). */
export const position = (accountId: number, contractId: string, size: number, id = 1) =>
  HubEvent.position(new Models.Position({
    id,
    accountId,
    contractId,
    creationTimestamp: ts,
    type: size === 0 ? Enums.PositionType.Undefined : Enums.PositionType.Long,
    size,
    averagePrice: 21_000
  }))

/** A working (open) limit buy event; `status` to end it. */
export const order = (accountId: number, id: number, contractId: string, status: Enums.OrderStatus = Enums.OrderStatus.Open) =>
  HubEvent.order(new Models.Order({
    id,
    accountId,
    contractId,
    creationTimestamp: ts,
    updateTimestamp: ts,
    status,
    type: Enums.OrderType.Limit,
    side: Enums.OrderSide.Bid,
    size: 1,
    limitPrice: 20_000,
    fillVolume: 0
  }))

/** A quote event. */
export const quote = (contractId: string, lastPrice: number) =>
  HubEvent.quote(contractId, { symbol: contractId, lastPrice, bestBid: lastPrice - 0.25, bestAsk: lastPrice + 0.25 })

/** Lets the engine's fibers run (no clock moves). */
export const settle = TestStack.settle

/** The engine's status of one account. */
export const statusOf = (accountId: number) =>
  Effect.flatMap(RiskEngine.RiskEngine, (e) => Effect.map(e.status, (s) => s.find((x) => x.accountId === accountId)))

export { EngineFakes }
