/**
 * SessionConflicts: what a `GatewayLogout` means and what follows it. The
 * gateway may keep one session per user: a `GatewayLogout` on the user hub
 * says another client logged in as the same user and ended this session, and
 * logging in again ends that client's session in turn.
 *
 * - Every conflict is counted (`state.count`, the metric
 *   {@link conflictsTotal}) and logged at ERROR, naming what happened.
 * - `authentication.sessionConflict: reclaim` (the default): logins never
 *   wait; guarding the account comes first.
 * - `backoff`: from the 3rd conflict within 10 minutes on, the next login
 *   waits 30 s, doubling with each further conflict in the window (60 s,
 *   120 s, 240 s), at most 5 minutes; `state.degraded` is true meanwhile.
 *   Conflicts older than 10 minutes no longer count, so the wait shrinks back.
 *
 * When to use: provide {@link layer} once per gateway user and decorate the
 * TokenManager with {@link gated} (every login path waits while backing off);
 * call `report` when a GatewayLogout arrives. `@tradeguard/runtime`'s Stack
 * does both by default.
 *
 * Gotchas:
 * - Report BEFORE the login that follows the logout, or that login does not
 *   wait: `unsafeReport` records synchronously (a hub's `attach` consumer runs
 *   before the hub reconnects).
 * - Only logins wait: while backing off, `get` still hands out a token that
 *   looks valid locally (a call with it may be refused with 401, and the login
 *   after that waits). The TokenManager's own background refresh ahead of
 *   expiry is not gated.
 * - A hub's connect attempt has its own timeout (`signalr.hubs.connectTimeout`):
 *   a wait longer than it fails the attempt, and the hub retries on its
 *   schedule until the wait is over.
 *
 * @since 0.3.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { ResilienceConfig } from "./Config.js"
import * as Core from "./internal/sessionConflicts.js"
import * as TokenManager from "./TokenManager.js"

/**
 * What a conflict leads to: `reclaim` (log in again at once) or `backoff`.
 *
 * @since 0.3.0
 */
export type Mode = Core.Mode

/**
 * The backoff's figures, in milliseconds (see {@link defaultPolicy}).
 *
 * @since 0.3.0
 */
export type Policy = Core.Policy

/**
 * One conflict: when it was reported (epoch millis) and what happened.
 *
 * @since 0.3.0
 */
export type Conflict = Core.Conflict

/**
 * The backoff of the issue: conflicts count for 10 minutes; from the 3rd in
 * that window logins wait 30 s, doubling per further conflict, at most 5 minutes.
 *
 * @since 0.3.0
 */
export const defaultPolicy: Policy = {
  windowMillis: 10 * 60_000,
  threshold: 3,
  firstWaitMillis: 30_000,
  maxWaitMillis: 5 * 60_000
}

/**
 * How long logins wait once `inWindow` conflicts fall within the window
 * (0 below the threshold). A pure function of the policy.
 *
 * @since 0.3.0
 */
export const waitFor: (policy: Policy, inWindow: number) => number = Core.waitFor

/**
 * What the service reports: for `/readyz`, `status` and the metrics.
 *
 * @since 0.3.0
 */
export interface State {
  readonly mode: Mode
  /** Every conflict since start. */
  readonly count: number
  /** How many fall within the window now (they decide the backoff). */
  readonly recent: number
  /** The latest conflict. */
  readonly last?: Conflict
  /** While logins wait: until when (epoch millis). */
  readonly backingOffUntil?: number
  /** True while logins wait (only under `backoff`). */
  readonly degraded: boolean
}

/**
 * The session-conflict service.
 *
 * @since 0.3.0
 */
export interface Service {
  readonly mode: Mode
  readonly policy: Policy
  /** Records a conflict (a GatewayLogout arrived; `detail` says what), logs it at ERROR and counts it. */
  readonly report: (detail: string) => Effect.Effect<void>
  /**
   * {@link Service.report} synchronously, for a callback (a hub's `attach`
   * consumer): the record and the backoff apply at once, the log line, the
   * metric and `changes` follow in the service's own fiber.
   */
  readonly unsafeReport: (detail: string) => void
  /** The state now. */
  readonly state: Effect.Effect<State>
  /** The state, starting with the current one, then every change (a conflict, the end of a wait; `recent` as of then). */
  readonly changes: Stream.Stream<State>
  /** Until when logins wait (epoch millis), or undefined when they do not. */
  readonly backingOffUntil: Effect.Effect<number | undefined>
  /** Waits while logins wait (returns at once when they do not). */
  readonly awaitLogin: Effect.Effect<void>
}

/**
 * The service's tag (its shape is {@link Service}).
 *
 * @since 0.3.0
 */
export class SessionConflicts extends Context.Tag("@tradeguard/resilience/SessionConflicts")<
  SessionConflicts,
  Service
>() {}

/**
 * Counter of the session conflicts (GatewayLogouts) reported.
 *
 * @since 0.3.0
 */
export const conflictsTotal = Metric.counter("tradeguard_session_conflicts_total", {
  description: "GatewayLogouts: another client logged in as the same user and ended this session",
  incremental: true
})

/**
 * Options of {@link make}.
 *
 * @since 0.3.0
 */
export interface Options {
  /** Default `reclaim`. */
  readonly mode?: Mode
  /** Overrides of {@link defaultPolicy}. */
  readonly policy?: Partial<Policy>
}

const seconds = (millis: number) => Duration.format(Duration.millis(millis))

/** The ERROR line of a conflict: what happened, and what follows. */
const describe = (mode: Mode, policy: Policy, outcome: Core.Outcome): string => {
  const { detail } = outcome.record.last!
  const head = `session conflict #${outcome.record.count} (${detail}): another client logged in as this user and ended ` +
    `this session`
  const window = seconds(policy.windowMillis)
  if (mode === "reclaim") return `${head}; reclaiming it: logging in again, which ends the other client's session`
  if (outcome.waitMillis === 0) {
    return `${head}; ${outcome.inWindow} in ${window}: logging in again, which ends the other client's session ` +
      `(from ${policy.threshold} in ${window} logins wait)`
  }
  return `${head}; ${outcome.inWindow} in ${window}: backing off, the next login waits ${seconds(outcome.waitMillis)} ` +
    `(degraded meanwhile)`
}

/**
 * The service; its fiber (log lines and `changes` of `unsafeReport`, the end
 * of a wait) lives as long as the Scope. Times come from the Clock.
 *
 * @since 0.3.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const mode = options.mode ?? "reclaim"
    const policy: Policy = { ...defaultPolicy, ...options.policy }
    const clock = yield* Effect.clock
    let current: Core.Record = Core.empty

    const view = (now: number): State => {
      const until = Core.backingOff(current, now)
      return {
        mode,
        count: current.count,
        recent: Core.within(policy, current.recent, now).length,
        ...(current.last === undefined ? {} : { last: current.last }),
        ...(until === undefined ? {} : { backingOffUntil: until }),
        degraded: until !== undefined
      }
    }
    const ref = yield* SubscriptionRef.make(view(clock.unsafeCurrentTimeMillis()))
    const same = (a: State, b: State) =>
      a.count === b.count && a.recent === b.recent && a.degraded === b.degraded && a.backingOffUntil === b.backingOffUntil
    /** Publishes the state on `changes` when it differs from the last one published. */
    const publish = Effect.gen(function*() {
      const next = view(yield* Clock.currentTimeMillis)
      if (!same(yield* SubscriptionRef.get(ref), next)) yield* SubscriptionRef.set(ref, next)
    })

    /** Records synchronously; what follows (log, metric, changes) is `announce`. */
    const record = (detail: string): Core.Outcome => {
      const outcome = Core.record(policy, mode, current, clock.unsafeCurrentTimeMillis(), detail)
      current = outcome.record
      return outcome
    }
    const announce = (outcome: Core.Outcome) =>
      Effect.logError(describe(mode, policy, outcome)).pipe(
        Effect.annotateLogs({ sessionConflicts: outcome.record.count, sessionConflictMode: mode }),
        Effect.zipRight(Metric.increment(conflictsTotal)),
        Effect.zipRight(publish)
      )

    /** `Some(outcome)`: announce it; `Some(undefined)`: state changed; the wait's end: publish. */
    const inbox = yield* Queue.unbounded<Core.Outcome | undefined>()
    const worker = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const until = Core.backingOff(current, now)
      const next = until === undefined
        ? yield* Effect.map(Queue.take(inbox), Option.some)
        : yield* Effect.raceFirst(Effect.map(Queue.take(inbox), Option.some), Effect.as(Effect.sleep(until - now), Option.none()))
      if (Option.isSome(next)) return yield* (next.value === undefined ? publish : announce(next.value))
      yield* Effect.logWarning("session conflict backoff over: logins go ahead again")
      yield* publish
    }).pipe(Effect.forever, Effect.annotateLogs({ module: "resilience/SessionConflicts" }))
    yield* Effect.forkScoped(worker)

    const backingOffUntil = Effect.map(Clock.currentTimeMillis, (now) => Core.backingOff(current, now))

    const awaitLogin: Effect.Effect<void> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const until = Core.backingOff(current, now)
      return until === undefined ? Effect.void : Effect.zipRight(Effect.sleep(until - now), awaitLogin)
    })

    return {
      mode,
      policy,
      report: Effect.fn("SessionConflicts.report")(function*(detail: string) {
        const outcome = record(detail)
        yield* announce(outcome)
        yield* Queue.offer(inbox, undefined)
      }, Effect.annotateLogs({ module: "resilience/SessionConflicts" })),
      unsafeReport: (detail) => {
        Queue.unsafeOffer(inbox, record(detail))
      },
      state: Effect.map(Clock.currentTimeMillis, view),
      changes: ref.changes,
      backingOffUntil,
      awaitLogin
    } satisfies Service
  })

/**
 * The service with `authentication.sessionConflict` from the config and the {@link defaultPolicy}.
 *
 * @since 0.3.0
 */
export const layer: Layer.Layer<SessionConflicts, never, ResilienceConfig> = Layer.scoped(
  SessionConflicts,
  Effect.flatMap(ResilienceConfig, (c) => make({ mode: c.authentication.sessionConflict }))
)

/**
 * The service from options (no config): for tests and programs of their own.
 *
 * @since 0.3.0
 */
export const layerOptions = (options: Options = {}): Layer.Layer<SessionConflicts> =>
  Layer.scoped(SessionConflicts, make(options))

/**
 * The state now, from the service in the context: `{ mode, count, recent,
 * last?, backingOffUntil?, degraded }` (for `/readyz`: reason
 * `session_conflict` while `degraded`; for `status`: the count and the last).
 *
 * @since 0.3.0
 */
export const snapshot: Effect.Effect<State, never, SessionConflicts> = Effect.flatMap(SessionConflicts, (s) => s.state)

/**
 * `tokens` whose login paths wait while `conflicts` backs off: `forceLogin`
 * always; `get` and `ensureValidFor` only when they would log in (no usable
 * token). A forced login that finds, after its wait, a token obtained while it
 * waited takes that one (one login, not two). Everything else passes through.
 *
 * @since 0.3.0
 */
export const gate = (tokens: TokenManager.Service, conflicts: Service): TokenManager.Service => {
  /** Runs `run`, first waiting out a backoff when `wouldLogIn` says `run` logs in. */
  const guarded = <A, E>(
    wouldLogIn: (info: TokenManager.TokenInfo | undefined, now: number) => boolean,
    run: Effect.Effect<A, E>
  ): Effect.Effect<A, E> =>
    Effect.flatMap(conflicts.backingOffUntil, (until) =>
      until === undefined ? run : Effect.gen(function*() {
        const info = yield* tokens.info
        if (wouldLogIn(info, yield* Clock.currentTimeMillis)) yield* conflicts.awaitLogin
        return yield* run
      }))

  const forceLogin: TokenManager.Service["forceLogin"] = Effect.flatMap(conflicts.backingOffUntil, (until) =>
    until === undefined ? tokens.forceLogin : Effect.gen(function*() {
      const before = yield* tokens.info
      yield* conflicts.awaitLogin
      const after = yield* tokens.info
      if (after !== undefined && after !== before && (yield* Clock.currentTimeMillis) < after.expiresAt) return after.token
      return yield* tokens.forceLogin
    }))

  return {
    get: guarded((info, now) => info === undefined || now >= info.expiresAt, tokens.get),
    ensureValidFor: (duration) => {
      const millis = Duration.toMillis(duration)
      return guarded((info, now) => info === undefined || info.expiresAt - now < millis, tokens.ensureValidFor(duration))
    },
    invalidate: tokens.invalidate,
    forceLogin,
    info: tokens.info,
    changes: tokens.changes
  }
}

/**
 * Decorates the TokenManager in the context with {@link gate}: provide the
 * TokenManager and SessionConflicts below it, e.g.
 * `SessionConflicts.gated.pipe(Layer.provide(TokenManager.layer), Layer.provideMerge(SessionConflicts.layer))`.
 *
 * @since 0.3.0
 */
export const gated: Layer.Layer<TokenManager.TokenManager, never, TokenManager.TokenManager | SessionConflicts> =
  Layer.effect(
    TokenManager.TokenManager,
    Effect.zipWith(TokenManager.TokenManager, SessionConflicts, gate)
  )
