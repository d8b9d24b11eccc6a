/**
 * Readiness: whether the daemon can be trusted to guard its accounts now, and if not, why, as a closed set of
 * reason codes. `GET /readyz` and `tradeguard status` report it.
 *
 * - {@link evaluate} is pure: a {@link Snapshot} of the daemon (phase, hubs, circuits, the engine's health, the
 *   token, escalated enforcements, the database, extra sources) in, `{ ready, reasons }` out.
 * - {@link observe} takes the snapshot from the running daemon's services.
 *
 * | code | meaning |
 * |---|---|
 * | `starting` | the start-up sequence is not done (the detail names the step), or the daemon is stopping |
 * | `hub_down` | a hub (user, market) is not connected |
 * | `subscription_failing` | a hub refuses a declared subscription (retried with backoff meanwhile) |
 * | `breaker_open` | an endpoint group's circuit is open or half-open: calls of that group are refused |
 * | `quotes_stale` | an account's figures rest on data that cannot be trusted: a quote older than the limit, no quote, a contract not found, the balance unknown |
 * | `token_refresh_failing` | no valid session token, or its renewal is overdue |
 * | `session_conflict` | another client logged in as the same user (see `authentication.sessionConflict`) |
 * | `enforcement_escalated` | an enforcement could not make its account flat and was escalated: act by hand |
 * | `database_unavailable` | the SQLite database does not answer |
 *
 * @since 0.3.0
 */
import { HubConnection } from "@tradeguard/realtime"
import { CircuitBreaker, Config as ResilienceConfig, TokenManager } from "@tradeguard/resilience"
import { RiskEngine } from "@tradeguard/rules"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

/**
 * Every reason code, in the order reasons are listed.
 *
 * @since 0.3.0
 */
export const codes = [
  "starting",
  "hub_down",
  "subscription_failing",
  "breaker_open",
  "quotes_stale",
  "token_refresh_failing",
  "session_conflict",
  "enforcement_escalated",
  "database_unavailable"
] as const

/**
 * A reason code (see the module's table).
 *
 * @since 0.3.0
 */
export type Code = typeof codes[number]

/**
 * One reason the daemon is not ready: its code and a line for a human.
 *
 * @since 0.3.0
 */
export interface Reason {
  readonly code: Code
  readonly detail: string
}

/**
 * The verdict: ready when there is no reason.
 *
 * @since 0.3.0
 */
export interface Readiness {
  readonly ready: boolean
  readonly reasons: ReadonlyArray<Reason>
}

/**
 * The daemon's phase: the start-up sequence at a step, running, or stopping.
 *
 * @since 0.3.0
 */
export type Phase =
  | { readonly _tag: "Starting"; readonly step: string }
  | { readonly _tag: "Running" }
  | { readonly _tag: "Stopping" }

/**
 * One hub as readiness sees it.
 *
 * @since 0.3.0
 */
export interface HubSnapshot {
  readonly hub: string
  /** `Connected`, `Connecting`, `Reconnecting`, `Disconnected`, `Closed`. */
  readonly state: string
  /** The subscriptions the hub refuses now (method and arguments). */
  readonly failingSubscriptions: ReadonlyArray<string>
  readonly lastError: string | undefined
}

/**
 * One endpoint group's circuit.
 *
 * @since 0.3.0
 */
export interface BreakerSnapshot {
  readonly group: string
  readonly state: "Closed" | "Open" | "HalfOpen"
  /** When Open: epoch millis at which it half-opens. */
  readonly halfOpensAt: number | undefined
}

/**
 * The session token: when it expires and when its renewal was due (epoch millis); undefined fields: no token.
 *
 * @since 0.3.0
 */
export interface TokenSnapshot {
  readonly expiresAt: number | undefined
  readonly refreshDueAt: number | undefined
}

/**
 * An enforcement that was escalated and not verified since.
 *
 * @since 0.3.0
 */
export interface Escalation {
  readonly accountId: number
  readonly at: number
  readonly remaining: string
}

/**
 * Everything readiness looks at. Sources the daemon does not have yet (during start-up) are empty.
 *
 * @since 0.3.0
 */
export interface Snapshot {
  readonly phase: Phase
  /** Epoch millis (Effect's Clock). */
  readonly now: number
  readonly hubs: ReadonlyArray<HubSnapshot>
  readonly breakers: ReadonlyArray<BreakerSnapshot>
  readonly engine: RiskEngine.Health | undefined
  readonly token: TokenSnapshot | undefined
  readonly escalations: ReadonlyArray<Escalation>
  /** undefined: not probed; else whether `SELECT 1` answered, and the error when not. */
  readonly database: { readonly available: boolean; readonly error?: string } | undefined
  /** Reasons from other sources (the session-conflict watcher), passed through. */
  readonly extra: ReadonlyArray<Reason>
}

/**
 * How long past its due time a token renewal may be late before `token_refresh_failing` (a renewal in
 * progress, retried with backoff, is not yet failing).
 *
 * @since 0.3.0
 */
export const refreshGraceMillis = 60_000

/** `12345: market hub down since ...` (the engine's reasons carry the account id). */
const hubDownReason = /hub down since/

const iso = (millis: number) => new Date(millis).toISOString()

/**
 * The verdict on a snapshot: every reason, in the order of {@link codes}; ready when there is none. While the
 * daemon is starting (or stopping) that is the only reason given.
 *
 * @since 0.3.0
 */
export const evaluate = (s: Snapshot): Readiness => {
  if (s.phase._tag !== "Running") {
    const detail = s.phase._tag === "Starting" ? s.phase.step : "stopping"
    return { ready: false, reasons: [{ code: "starting", detail }] }
  }
  const reasons: Array<Reason> = []
  for (const h of s.hubs) {
    if (h.state !== "Connected") {
      reasons.push({
        code: "hub_down",
        detail: `${h.hub} hub ${h.state}${h.lastError === undefined ? "" : `: ${h.lastError}`}`
      })
    }
  }
  for (const h of s.hubs) {
    if (h.failingSubscriptions.length > 0) {
      reasons.push({ code: "subscription_failing", detail: `${h.hub} hub refuses ${h.failingSubscriptions.join(", ")}` })
    }
  }
  for (const b of s.breakers) {
    if (b.state !== "Closed") {
      reasons.push({
        code: "breaker_open",
        detail: `${b.group} circuit ${b.state}${b.halfOpensAt === undefined ? "" : ` until ${iso(b.halfOpensAt)}`}`
      })
    }
  }
  if (s.engine !== undefined && s.engine._tag === "Degraded") {
    for (const r of s.engine.reasons) {
      // a hub that is down is reported from the hub's own state
      if (!hubDownReason.test(r)) reasons.push({ code: "quotes_stale", detail: r })
    }
  }
  if (s.token !== undefined) {
    if (s.token.expiresAt === undefined) {
      reasons.push({ code: "token_refresh_failing", detail: "no session token" })
    } else if (s.token.expiresAt <= s.now) {
      reasons.push({ code: "token_refresh_failing", detail: `the session token expired at ${iso(s.token.expiresAt)}` })
    } else if (s.token.refreshDueAt !== undefined && s.now > s.token.refreshDueAt + refreshGraceMillis) {
      reasons.push({
        code: "token_refresh_failing",
        detail: `the token renewal due at ${iso(s.token.refreshDueAt)} has not succeeded; it expires at ${
          iso(s.token.expiresAt)
        }`
      })
    }
  }
  reasons.push(...s.extra.filter((r) => r.code === "session_conflict"))
  for (const e of s.escalations) {
    reasons.push({
      code: "enforcement_escalated",
      detail: `account ${e.accountId} escalated at ${iso(e.at)}: ${e.remaining}`
    })
  }
  if (s.database !== undefined && !s.database.available) {
    reasons.push({ code: "database_unavailable", detail: s.database.error ?? "the database does not answer" })
  }
  const rest = s.extra.filter((r) => r.code !== "session_conflict")
  const order = (r: Reason) => codes.indexOf(r.code)
  const all = [...reasons, ...rest].map((r, i) => ({ r, i }))
  all.sort((a, b) => order(a.r) - order(b.r) || a.i - b.i)
  const sorted = all.map((x) => x.r)
  return { ready: sorted.length === 0, reasons: sorted }
}

/**
 * The hub's snapshot from its health.
 *
 * @since 0.3.0
 */
export const hubSnapshot = (health: HubConnection.Health): HubSnapshot => ({
  hub: health.hub,
  state: health.state,
  failingSubscriptions: health.failingSubscriptions.map((s) => `${s.method}(${s.args.map(String).join(", ")})`),
  lastError: health.state === "Connected" ? undefined : health.lastError
})

/**
 * Every circuit's snapshot from the breaker's health.
 *
 * @since 0.3.0
 */
export const breakerSnapshots = (health: CircuitBreaker.Health): ReadonlyArray<BreakerSnapshot> =>
  Object.entries(health.groups).map(([group, g]) => ({ group, state: g.state, halfOpensAt: g.halfOpensAt }))

/**
 * What {@link observe} reads from the running daemon.
 *
 * @since 0.3.0
 */
export type Sources =
  | HubConnection.UserHub
  | HubConnection.MarketHub
  | CircuitBreaker.CircuitBreaker
  | RiskEngine.RiskEngine
  | TokenManager.TokenManager
  | ResilienceConfig.ResilienceConfig
  | SqlClient.SqlClient

/**
 * Takes a snapshot of the running daemon (`phase`, the escalations and extra reasons given) and evaluates it.
 * The database is probed with `SELECT 1` (at most 2 s).
 *
 * @since 0.3.0
 */
export const observe = (
  phase: Phase,
  escalations: ReadonlyArray<Escalation>,
  extra: ReadonlyArray<Reason>
): Effect.Effect<Snapshot, never, Sources> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const user = yield* HubConnection.UserHub
    const market = yield* HubConnection.MarketHub
    const breaker = yield* CircuitBreaker.CircuitBreaker
    const engine = yield* RiskEngine.RiskEngine
    const tokens = yield* TokenManager.TokenManager
    const config = yield* ResilienceConfig.ResilienceConfig
    const sql = yield* SqlClient.SqlClient
    const info = yield* tokens.info
    const bufferMillis = config.authentication.tokenRefresh.bufferSeconds * 1000
    const database = yield* sql`SELECT 1`.pipe(
      Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => new Error("no answer within 2 s") }),
      Effect.as({ available: true }),
      Effect.catchAll((e) => Effect.succeed({ available: false, error: e.message }))
    )
    return {
      phase,
      now,
      hubs: [hubSnapshot(yield* user.health), hubSnapshot(yield* market.health)],
      breakers: breakerSnapshots(yield* breaker.health),
      engine: yield* engine.health,
      token: info === undefined
        ? { expiresAt: undefined, refreshDueAt: undefined }
        : { expiresAt: info.expiresAt, refreshDueAt: TokenManager.refreshDueAt(info, bufferMillis) },
      escalations,
      database,
      extra
    }
  })

/**
 * The snapshot of a daemon that has no services yet (or no more): only its phase.
 *
 * @since 0.3.0
 */
export const phaseOnly = (phase: Phase, now: number): Snapshot => ({
  phase,
  now,
  hubs: [],
  breakers: [],
  engine: undefined,
  token: undefined,
  escalations: [],
  database: undefined,
  extra: []
})
