/**
 * What the rules need besides the account picture: quotes for every contract
 * a watched account holds or works an order in (subscribed on the market hub
 * automatically, dropped when no longer needed), with their local receipt
 * time; the contracts' tick size and value (Contract/searchById, cached); the
 * REST fallback prices (the latest bar of History/retrieveBars) when quotes
 * are stale; and how long each hub has been down.
 *
 * When to use: `layer` over the stack (ResilientGateway, both hubs,
 * AccountState); the engine calls `need` with the contracts of the watched
 * accounts' positions and working orders on every change, and reads the rest
 * to build each account's view.
 *
 * Gotchas: `need` returns once the subscriptions are declared; the contract
 * lookups run in the background (a contract is missing from `contracts`
 * until its lookup succeeds; a failed one is tried again on a later `need`,
 * after a backoff). The hubs re-subscribe after a reconnect by themselves. A
 * quote's age is its local receipt time (AccountState's), not the gateway's
 * timestamp. `barPrice` answers from a short cache (a failure is cached too,
 * so a dead History endpoint is not hammered). The hub sends a quote's
 * changed fields only, so a lost delta leaves a field stale: a quote read
 * through `quotes` that contradicts itself (a crossed book, or a new last
 * price far outside a touch that did not move) is repaired in the background by subscribing the
 * contract anew, which starts with the complete quote (at most once per
 * contract per `quoteRepairCooldownMillis`; each repair is logged).
 *
 * @since 0.1.0
 */
import type { HubEvents, Models } from "@tradeguard/gateway"
import { AccountState, HubConnection, Subscription } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { BarPrice, QuoteSeen } from "./AccountView.js"
import * as Bars from "./internal/market/bars.js"
import * as Hubs from "./internal/market/hubs.js"
import * as Need from "./internal/market/need.js"
import * as Quotes from "./internal/market/quotes.js"

/**
 * The market data service.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The contracts the watched accounts need now: new ones are subscribed (quotes) and looked up, others dropped. */
  readonly need: (contractIds: ReadonlySet<string>) => Effect.Effect<void>
  /**
   * The latest quote of each subscribed contract, with its local receipt time; only a quote received since the
   * contract was (last) subscribed: one kept from an earlier subscription is not the market now.
   */
  readonly quotes: Effect.Effect<ReadonlyMap<string, QuoteSeen>>
  /** The contracts looked up so far (a failed lookup is retried on the next `need`). */
  readonly contracts: Effect.Effect<ReadonlyMap<string, Models.Contract>>
  /** The contracts whose last lookup failed (not yet found; a contract being looked up the first time is not here). */
  readonly failedLookups: Effect.Effect<ReadonlySet<string>>
  /**
   * Fetches the REST fallback price of a contract (rate-limited, cached for a short while); undefined when it cannot.
   * With `notBefore` (epoch millis), a cached answer asked for before that time is not reused: a price from before a
   * position opened says nothing of the market since.
   */
  readonly barPrice: (contractId: string, notBefore?: number) => Effect.Effect<BarPrice | undefined>
  /** How many times a self-contradicting quote was repaired by subscribing its contract anew, since the start. */
  readonly quoteRepairs: Effect.Effect<number>
  /** The REST fallback prices fetched so far. */
  readonly barPrices: Effect.Effect<ReadonlyMap<string, BarPrice>>
  /** Epoch millis since which the market hub is down (undefined: connected). */
  readonly marketHubDownSince: Effect.Effect<number | undefined>
  /** Epoch millis since which the user hub is down (undefined: connected). */
  readonly userHubDownSince: Effect.Effect<number | undefined>
}

/**
 * The market data's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class MarketData extends Context.Tag("@tradeguard/rules/MarketData")<MarketData, Service>() {}

/**
 * The contracts `accountIds` need quotes for in `snapshot`: those of their open positions and working orders.
 *
 * @since 0.1.0
 */
export const contractsOf = (snapshot: AccountState.Snapshot, accountIds: Iterable<number>): Set<string> => {
  const ids = new Set(accountIds)
  const out = new Set<string>()
  for (const p of HashMap.values(snapshot.positions)) if (ids.has(p.accountId)) out.add(p.contractId)
  for (const o of HashMap.values(snapshot.orders)) if (ids.has(o.accountId)) out.add(o.contractId)
  return out
}

/**
 * Options of {@link make}; every one has a default.
 *
 * @since 0.1.0
 */
export interface Options {
  /** How long a REST fallback price (or a failure to get one) is reused, in millis (default 5000). */
  readonly barCacheMillis?: number
  /** The delays before a failed contract lookup is tried again, after 1, 2, ... failures (the last repeats). */
  readonly lookupBackoffMillis?: ReadonlyArray<number>
  /**
   * How far (in ticks) a new last price may lie outside an unchanged touch before the quote counts as inconsistent
   * and is repaired (default 20).
   */
  readonly quoteToleranceTicks?: number
  /** The least time between two repairs of one contract's quote, in millis (default 30000). */
  readonly quoteRepairCooldownMillis?: number
}

/** The default of `Options.barCacheMillis`. */
const defaultBarCacheMillis = 5_000

/** Follows a hub's state for as long as the scope lives, stamping when it goes down; returns the reader. */
const followHub = (hub: HubConnection.Service<Subscription.Subscription>) =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    let since = Hubs.downSince(undefined, yield* hub.state.get, clock.unsafeCurrentTimeMillis())
    const seen = (state: HubConnection.ConnectionState) => {
      since = Hubs.downSince(since, state, clock.unsafeCurrentTimeMillis())
    }
    yield* Effect.forkScoped(Stream.runForEach(hub.state.changes, (state) => Effect.sync(() => seen(state))))
    // Reading also looks at the state now, so a change the follower has not taken yet counts.
    return Effect.map(hub.state.get, (state) => {
      seen(state)
      return since
    })
  })

/**
 * MarketData over the stack: quotes subscribed on the MarketHub and read from AccountState, contracts and bars
 * through ResilientGateway, both hubs' downtime. Lives as long as the scope (background lookups included).
 *
 * @since 0.1.0
 */
export const make = (
  options: Options = {}
): Effect.Effect<
  Service,
  never,
  | ResilientGateway.ResilientGateway
  | HubConnection.MarketHub
  | HubConnection.UserHub
  | AccountState.AccountState
  | Scope.Scope
> =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    const market = yield* HubConnection.MarketHub
    const user = yield* HubConnection.UserHub
    const state = yield* AccountState.AccountState
    const background = yield* FiberSet.make()
    const gate = yield* Effect.makeSemaphore(1)
    const barCacheMillis = options.barCacheMillis ?? defaultBarCacheMillis
    const backoff = options.lookupBackoffMillis ?? Need.defaultLookupBackoff

    const subscribed = new Set<string>()
    /** When each subscribed contract (the keys of `subscribed`) was declared: a quote received before is from an earlier subscription. */
    const subscribedAt = new Map<string, number>()
    const contracts = new Map<string, Models.Contract>()
    const failures = new Map<string, Need.Failure>()
    const inFlight = new Set<string>()
    const bars = new Map<string, BarPrice>()
    /** The last fetch of each contract's fallback price (its result, undefined when it failed). */
    const attempts = new Map<string, { readonly at: number; readonly price: BarPrice | undefined }>()
    const fetching = new Map<string, Fiber.RuntimeFiber<BarPrice | undefined>>()
    /** When each contract's quote was last repaired. */
    const repairedAt = new Map<string, number>()
    /** Each contract's quote as last judged (to see which of its fields moved since). */
    const judged = new Map<string, HubEvents.Quote>()
    let repairs = 0
    /** What the readers get: copies made again only after a change (an evaluation reads them all, many times a second). */
    const copies: {
      contracts?: ReadonlyMap<string, Models.Contract> | undefined
      failedLookups?: ReadonlySet<string> | undefined
      barPrices?: ReadonlyMap<string, BarPrice> | undefined
    } = {}
    const toleranceTicks = options.quoteToleranceTicks ?? Quotes.defaultToleranceTicks
    const repairCooldown = options.quoteRepairCooldownMillis ?? Quotes.defaultRepairCooldownMillis
    const log = Effect.annotateLogs({ module: "rules/MarketData" })

    const lookUp = (contractId: string) =>
      gateway.contractSearchById({ contractId }).pipe(
        Effect.flatMap(({ contract }) =>
          Effect.sync(() => {
            contracts.set(contractId, contract)
            failures.delete(contractId)
            copies.contracts = copies.failedLookups = undefined
          })
        ),
        Effect.catchAll((error) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const failure = Need.failed(failures.get(contractId), now, backoff)
            failures.set(contractId, failure)
            copies.failedLookups = undefined
            return Effect.logWarning(
              `contract ${contractId}: lookup failed (${failure.failures} in a row), tried again after ${
                failure.retryAt - now
              } ms: ${error.message}`
            )
          })
        ),
        Effect.ensuring(Effect.sync(() => inFlight.delete(contractId))),
        log
      )

    const need = Effect.fn("MarketData.need")(function*(contractIds: ReadonlySet<string>) {
      yield* gate.withPermits(1)(Effect.gen(function*() {
        const { add, drop } = Need.diff(subscribed, contractIds)
        const now = yield* Clock.currentTimeMillis
        for (const id of drop) {
          subscribed.delete(id)
          subscribedAt.delete(id)
          repairedAt.delete(id)
          judged.delete(id)
          yield* market.unsubscribe(Subscription.contractQuotes(id)).pipe(
            Effect.catchAll((e) => Effect.logDebug(`quotes of ${id}: unsubscribe failed: ${e.message}`)),
            log
          )
        }
        for (const id of add) {
          subscribed.add(id)
          subscribedAt.set(id, now)
          // A failed invocation keeps the declaration: the hub retries it with backoff.
          yield* market.subscribe(Subscription.contractQuotes(id)).pipe(
            Effect.catchAll((e) => Effect.logWarning(`quotes of ${id}: subscribe failed (the hub retries): ${e.message}`)),
            log
          )
        }
        for (const id of contractIds) {
          if (contracts.has(id) || inFlight.has(id) || !Need.isDue(failures.get(id), now)) continue
          inFlight.add(id)
          yield* FiberSet.run(background, lookUp(id))
        }
      }))
    })

    /**
     * Subscribes a contract's quotes anew, for the complete quote a new subscription starts with (unless the
     * contract was dropped meanwhile). The declaration is kept either way: a failed invocation is retried by the hub.
     */
    const repair = (contractId: string, why: string) =>
      gate.withPermits(1)(Effect.gen(function*() {
        if (!subscribed.has(contractId)) return
        repairs++
        yield* Effect.logWarning(
          `quotes of ${contractId}: the merged quote contradicts itself (${why}), a delta was lost; subscribing anew for the complete quote`
        )
        const quotes = Subscription.contractQuotes(contractId)
        yield* market.unsubscribe(quotes).pipe(
          Effect.catchAll((e) => Effect.logDebug(`quotes of ${contractId}: unsubscribe failed: ${e.message}`))
        )
        yield* market.subscribe(quotes).pipe(
          Effect.catchAll((e) => Effect.logWarning(`quotes of ${contractId}: subscribe failed (the hub retries): ${e.message}`))
        )
      })).pipe(log)

    const quotes = Effect.flatMap(state.get, (snapshot) => {
      const out = new Map<string, QuoteSeen>()
      let broken: Array<readonly [string, HubEvents.Quote, string]> | undefined
      for (const [id, since] of subscribedAt) {
        const seen = AccountState.quoteOf(snapshot, id)
        if (seen === undefined || seen.receivedAt < since) continue
        out.set(id, seen)
        const previous = judged.get(id)
        if (previous === seen.quote) continue
        const why = Quotes.inconsistency(previous, seen.quote, contracts.get(id)?.tickSize, toleranceTicks)
        if (why === undefined) judged.set(id, seen.quote)
        else (broken ??= []).push([id, seen.quote, why])
      }
      if (broken === undefined) return Effect.succeed(out as ReadonlyMap<string, QuoteSeen>)
      const found = broken
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.as(
          Effect.forEach(found, ([id, quote, why]) => {
            // Within the cooldown the quote stays unjudged: it is judged again on a later read.
            if (!Quotes.isRepairDue(repairedAt.get(id), now, repairCooldown)) return Effect.void
            judged.set(id, quote)
            repairedAt.set(id, now)
            return FiberSet.run(background, repair(id, why))
          }, { discard: true }),
          out as ReadonlyMap<string, QuoteSeen>
        ))
    })

    /** Fetches a fallback price and records it (never fails: undefined when it cannot). */
    const fetchBarPrice = (contractId: string, now: number) =>
      Effect.gen(function*() {
        const reply = yield* Effect.either(gateway.historyRetrieveBars(Bars.latestBarsRequest(contractId, now)))
        const close = Either.isRight(reply) ? Bars.latestClose(reply.right.bars) : undefined
        const fetchedAt = yield* Clock.currentTimeMillis
        const price: BarPrice | undefined = close === undefined ? undefined : { price: close, fetchedAt }
        attempts.set(contractId, { at: now, price })
        if (price !== undefined) {
          bars.set(contractId, price)
          copies.barPrices = undefined
        } else {
          const why = Either.isLeft(reply) ? reply.left.message : "no bar in the last minutes"
          yield* log(Effect.logWarning(`contract ${contractId}: no REST fallback price: ${why}`))
        }
        return price
      }).pipe(Effect.ensuring(Effect.sync(() => fetching.delete(contractId))))

    const barPrice = Effect.fn("MarketData.barPrice")(function*(contractId: string, notBefore?: number) {
      const now = yield* Clock.currentTimeMillis
      const last = attempts.get(contractId)
      if (last !== undefined && now - last.at < barCacheMillis && (notBefore === undefined || last.at >= notBefore)) {
        return last.price
      }
      // One fetch per contract at a time, in the background: callers join it, and one leaving does not stop it.
      let fiber = fetching.get(contractId)
      if (fiber === undefined) {
        fiber = yield* FiberSet.run(background, fetchBarPrice(contractId, now))
        fetching.set(contractId, fiber)
      }
      return yield* Fiber.join(fiber)
    })

    return {
      need,
      quotes,
      contracts: Effect.sync(() => copies.contracts ??= new Map(contracts)),
      failedLookups: Effect.sync(() => copies.failedLookups ??= new Set(failures.keys())),
      barPrice,
      quoteRepairs: Effect.sync(() => repairs),
      barPrices: Effect.sync(() => copies.barPrices ??= new Map(bars)),
      marketHubDownSince: yield* followHub(market),
      userHubDownSince: yield* followHub(user)
    } satisfies Service
  })

/**
 * MarketData over the stack, with the given options.
 *
 * @since 0.1.0
 */
export const layerWith = (
  options: Options
): Layer.Layer<
  MarketData,
  never,
  ResilientGateway.ResilientGateway | HubConnection.MarketHub | HubConnection.UserHub | AccountState.AccountState
> => Layer.scoped(MarketData, make(options))

/**
 * MarketData over the stack, with the defaults (bar prices cached 5 s; lookups retried after 1 s, 2 s, 5 s, 15 s,
 * 30 s, then every minute).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  MarketData,
  never,
  ResilientGateway.ResilientGateway | HubConnection.MarketHub | HubConnection.UserHub | AccountState.AccountState
> = layerWith({})
