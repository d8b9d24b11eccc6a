/**
 * In-memory fakes of the services the RiskEngine is built from (Accounts, Enforcer, Locks, MarketData), with the
 * controls and records a test needs: what was enforced, locked and needed, in order; an account whose enforcement
 * is held until released; the quotes, contracts and fallback prices MarketData answers.
 */
import type { Models } from "@tradeguard/gateway"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Layer from "effect/Layer"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { Accounts } from "../../src/Accounts.js"
import type { ActiveLock, BarPrice, QuoteSeen } from "../../src/AccountView.js"
import { Enforcer, type Request } from "../../src/Enforcer.js"
import { Locks } from "../../src/Locks.js"
import { MarketData } from "../../src/MarketData.js"
import type { RuleName } from "../../src/RiskConfig.js"

/** The fakes' controls and records. */
export interface Controls {
  /** `lock:<account>:<rule>`, `enforce:<account>:<rule>` in the order they happened. */
  readonly events: Array<string>
  readonly requests: Array<Request>
  readonly locks: Map<number, ActiveLock>
  /** Every set of contracts given to `MarketData.need`, in order. */
  readonly needs: Array<ReadonlySet<string>>
  readonly quotes: Map<string, QuoteSeen>
  readonly contracts: Map<string, Models.Contract>
  /** What `barPrice` answers (absent: undefined); `barPriceAsked` records each call. */
  readonly barPriceOf: Map<string, BarPrice>
  readonly barPriceAsked: Array<string>
  hubs: { market: number | undefined; user: number | undefined }
  /** Holds every enforcement of `accountId` until {@link Controls.release}. */
  readonly hold: (accountId: number) => Effect.Effect<void>
  readonly release: (accountId: number) => Effect.Effect<void>
  /** Holds every `MarketData.need` until {@link Controls.releaseNeed}. */
  readonly holdNeed: Effect.Effect<void>
  readonly releaseNeed: Effect.Effect<void>
  readonly addAccount: (accountId: number) => Effect.Effect<void>
  /** The requests of one account. */
  readonly requestsOf: (accountId: number) => ReadonlyArray<Request>
}

/** The fakes' controls' tag. */
export class EngineFakes extends Context.Tag("test/rules/EngineFakes")<EngineFakes, Controls>() {}

/** The four fakes and their controls, watching `accounts` at first. */
export const layer = (accounts: ReadonlyArray<number>) =>
  Layer.effectContext(Effect.gen(function*() {
    const watched = yield* SubscriptionRef.make<ReadonlyArray<number>>([...accounts])
    const held = new Map<number, Deferred.Deferred<void>>()
    const needGate: { current: Deferred.Deferred<void> | undefined } = { current: undefined }
    const controls: Controls = {
      events: [],
      requests: [],
      locks: new Map(),
      needs: [],
      quotes: new Map(),
      contracts: new Map(),
      barPriceOf: new Map(),
      barPriceAsked: [],
      hubs: { market: undefined, user: undefined },
      hold: (accountId) => Effect.map(Deferred.make<void>(), (d) => void held.set(accountId, d)),
      release: (accountId) =>
        Effect.suspend(() => {
          const d = held.get(accountId)
          held.delete(accountId)
          return d === undefined ? Effect.void : Deferred.succeed(d, undefined)
        }),
      holdNeed: Effect.map(Deferred.make<void>(), (d) => void (needGate.current = d)),
      releaseNeed: Effect.suspend(() => {
        const d = needGate.current
        needGate.current = undefined
        return d === undefined ? Effect.void : Deferred.succeed(d, undefined)
      }),
      addAccount: (accountId) => SubscriptionRef.update(watched, (ids) => [...ids, accountId].sort((a, b) => a - b)),
      requestsOf: (accountId) => controls.requests.filter((r) => r.accountId === accountId)
    }
    let n = 0
    const enforcer: Enforcer["Type"] = {
      enforce: (request) =>
        Effect.gen(function*() {
          controls.events.push(`enforce:${request.accountId}:${request.rule}`)
          controls.requests.push(request)
          const gate = held.get(request.accountId)
          if (gate !== undefined) yield* Deferred.await(gate)
          return { _tag: "Done", id: `e${++n}`, at: 0 } as const
        }),
      running: (accountId) => Effect.succeed(held.has(accountId)),
      events: Stream.empty
    }
    const locks: Locks["Type"] = {
      lock: (accountId, rule: RuleName | "manual", reason, end) =>
        Effect.sync(() => {
          controls.events.push(`lock:${accountId}:${rule}`)
          const lock: ActiveLock = { rule, reason, since: 0, end, until: end._tag === "Until" ? end.at : undefined }
          controls.locks.set(accountId, lock)
          return lock
        }),
      unlock: (accountId) => Effect.sync(() => controls.locks.delete(accountId)),
      active: (accountId) => Effect.sync(() => controls.locks.get(accountId)),
      all: Effect.sync(() => new Map(controls.locks))
    }
    const market: MarketData["Type"] = {
      need: (contractIds) =>
        Effect.suspend(() => {
          controls.needs.push(new Set(contractIds))
          return needGate.current === undefined ? Effect.void : Deferred.await(needGate.current)
        }),
      quotes: Effect.sync(() => new Map(controls.quotes)),
      contracts: Effect.sync(() => new Map(controls.contracts)),
      failedLookups: Effect.succeed(new Set<string>()),
      quoteRepairs: Effect.succeed(0),
      barPrice: (contractId) =>
        Effect.sync(() => {
          controls.barPriceAsked.push(contractId)
          return controls.barPriceOf.get(contractId)
        }),
      barPrices: Effect.sync(() => new Map()),
      marketHubDownSince: Effect.sync(() => controls.hubs.market),
      userHubDownSince: Effect.sync(() => controls.hubs.user)
    }
    const accountsService: Accounts["Type"] = {
      watched: SubscriptionRef.get(watched),
      changes: watched.changes
    }
    return Context.make(EngineFakes, controls).pipe(
      Context.add(Enforcer, enforcer),
      Context.add(Locks, locks),
      Context.add(MarketData, market),
      Context.add(Accounts, accountsService)
    )
  }))
