/**
 * The watched accounts: `risk.accounts` as a list, or with `all` every active
 * account (Account/search, onlyActiveAccounts: true) and every account that
 * appears while running (a GatewayUserAccount event, or the periodic
 * reconciliation). Each watched account is subscribed on the user hub
 * (orders, positions, trades).
 *
 * When to use: `layer(risk)` over the stack; the engine follows `changes` to
 * start guarding an account as soon as it is watched.
 *
 * Gotchas: with `all`, an account is added as soon as AccountState knows it
 * (a live account event, or a reconciliation that found it) or the user hub
 * sends an account event for it; the start-up Account/search is retried in
 * the background with backoff when it fails (the accounts AccountState knows
 * are watched meanwhile). Accounts are never removed while running. A
 * subscription the hub fails to invoke stays declared and is retried by the
 * hub.
 *
 * @since 0.1.0
 */
import { AccountState, HubConnection, type HubEvent, Subscription } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { RiskConfig } from "./RiskConfig.js"

/**
 * The watched accounts.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The account ids watched now, ascending. */
  readonly watched: Effect.Effect<ReadonlyArray<number>>
  /** The watched ids now, then each time an account is added. */
  readonly changes: Stream.Stream<ReadonlyArray<number>>
}

/**
 * The watched accounts' tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Accounts extends Context.Tag("@tradeguard/rules/Accounts")<Accounts, Service>() {}

/**
 * The retries of a failed start-up Account/search: 1 s, doubling, at most a minute apart.
 *
 * @since 0.1.0
 */
export const searchRetries: Schedule.Schedule<unknown> = Schedule.exponential("1 second").pipe(
  Schedule.union(Schedule.spaced("1 minute"))
)

/**
 * The part of the `risk:` section this service reads: `accounts` (`all` or a list of ids).
 *
 * @since 0.1.0
 */
export type Selection = Pick<RiskConfig, "accounts">

/**
 * The watched accounts per `risk.accounts`, subscribed on the user hub, for as long as the scope lives.
 *
 * @since 0.1.0
 */
export const make = (
  config: Selection
): Effect.Effect<
  Service,
  never,
  ResilientGateway.ResilientGateway | HubConnection.UserHub | AccountState.AccountState | Scope.Scope
> =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    const user = yield* HubConnection.UserHub
    const state = yield* AccountState.AccountState
    const ref = yield* SubscriptionRef.make<ReadonlyArray<number>>([])
    const gate = yield* Effect.makeSemaphore(1)
    const log = Effect.annotateLogs({ module: "rules/Accounts" })

    const declare = (s: Subscription.UserSubscription) =>
      user.subscribe(s).pipe(
        Effect.catchAll((e) => Effect.logWarning(`${s.method}(${s.args.join(", ")}) failed (the hub retries): ${e.message}`)),
        log
      )

    /** Watches the ids not watched yet: subscribed first, then published on `changes`. */
    const add = (ids: Iterable<number>) =>
      gate.withPermits(1)(Effect.gen(function*() {
        const watched = yield* SubscriptionRef.get(ref)
        const known = new Set(watched)
        const fresh = [...new Set(ids)].filter((id) => !known.has(id))
        if (fresh.length === 0) return
        for (const id of fresh) {
          for (const s of [Subscription.orders(id), Subscription.positions(id), Subscription.trades(id)]) yield* declare(s)
        }
        yield* SubscriptionRef.set(ref, [...watched, ...fresh].sort((a, b) => a - b))
        yield* log(Effect.logInfo(`watching account(s) ${fresh.join(", ")}`))
      }))

    yield* declare(Subscription.accounts())
    if (config.accounts !== "all") {
      yield* add(config.accounts)
    } else {
      const known = (snapshot: AccountState.Snapshot) => HashMap.keys(snapshot.accounts)
      const search = Effect.flatMap(gateway.accountSearch({ onlyActiveAccounts: true }), ({ accounts }) =>
        add(accounts.map((a) => a.id)))
      const first = yield* Effect.either(search)
      yield* add(known(yield* state.get))
      if (Either.isLeft(first)) {
        yield* log(Effect.logWarning(`Account/search failed, retried in the background: ${first.left.message}`))
        yield* Effect.forkScoped(Effect.retry(search, searchRetries))
      }
      // An account AccountState gets (a live account event, a reconciliation) is watched from then on.
      // Quote-only changes keep the same `accounts` map (structural sharing): nothing to look at then.
      const changes = yield* state.subscribe
      let seen: AccountState.Snapshot["accounts"] | undefined
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(changes.take, (snapshot) => {
        if (snapshot.accounts === seen) return Effect.void
        seen = snapshot.accounts
        return add(known(snapshot))
      })))
      // The user hub's account events, also those not applied to AccountState.
      yield* Effect.forkScoped(Stream.runForEach(
        Stream.filter(user.events, (e): e is HubEvent.Account => e._tag === "Account"),
        (e) => add([e.account.id])
      ))
    }

    return { watched: SubscriptionRef.get(ref), changes: ref.changes } satisfies Service
  })

/**
 * The watched accounts per `risk.accounts` (`all` or a list of ids), over the stack.
 *
 * @since 0.1.0
 */
export const layer = (
  config: Selection
): Layer.Layer<Accounts, never, ResilientGateway.ResilientGateway | HubConnection.UserHub | AccountState.AccountState> =>
  Layer.scoped(Accounts, make(config))
