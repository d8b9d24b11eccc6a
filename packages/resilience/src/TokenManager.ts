/**
 * TokenManager: always a valid gateway token. Loads a stored token at start-up
 * or logs in, refreshes proactively `bufferSeconds` before `exp` in a
 * background fiber, single-flights concurrent refreshes, and recovers from a
 * 401 by refreshing once.
 *
 * When to use: provide {@link layer} (or {@link layerFromEnv}) once per
 * gateway user; wrap each authenticated call in {@link withAuth} so a 401 is
 * handled (invalidate, refresh once, replay once). Tests of other packages use
 * {@link layerStatic}.
 *
 * Gotchas:
 * - The layer logs in while it is built and fails with AuthenticationFailed
 *   when no token can be had (credentials refused, or the gateway unreachable
 *   after `maxRetries`).
 * - A stored token within the refresh buffer is used at once and renewed in
 *   the background (validate), so start-up does not wait for it.
 * - A stored token is reused only by the user (`Credentials.userName`) and at
 *   the gateway (the GatewayClient's `baseUrl`, i.e. `api.baseUrl`) it was
 *   issued for: a record naming another user or gateway, or none (an older
 *   file), is discarded with a warning and a fresh login follows.
 * - Config keys: `authentication.tokenRefresh.{bufferSeconds, maxRetries,
 *   retryDelayMs}`, `logging.resilience.tokenRefresh`.
 * - The token is Redacted everywhere and never logged.
 *
 * @since 0.1.0
 */
import { Endpoints, type Errors, GatewayClient } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { ResilienceConfig } from "./Config.js"
import { AuthenticationFailed } from "./Errors.js"
import { delayAt, retryAuthCall } from "./internal/authRetry.js"
import { expiryOf } from "./internal/jwt.js"
import * as TokenIdentity from "./internal/tokenIdentity.js"
import * as TokenStore from "./TokenStore.js"

/**
 * The current token and when it expires.
 *
 * @since 0.1.0
 */
export interface TokenInfo {
  readonly token: Redacted.Redacted<string>
  /** Epoch millis of the JWT's `exp` (issue time + 24 h when unreadable). */
  readonly expiresAt: number
  /** Epoch millis at which we obtained it. */
  readonly obtainedAt: number
}

/**
 * The token manager: a valid token on demand, refreshed ahead of expiry, single-flight.
 *
 * @since 0.1.0
 */
export interface Service {
  /** A token valid now. Waits only when the current one is unusable (missing, expired, invalidated). */
  readonly get: Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /** A token still valid `duration` from now: refreshes first if it would expire before a long operation ends. */
  readonly ensureValidFor: (
    duration: Duration.DurationInput
  ) => Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /**
   * Marks `token` as refused (a 401). The next `get` refreshes, once, however many callers saw the 401.
   * With scope `"session"` (the gateway ended the session `token` belongs to: a GatewayLogout), the
   * current token goes too when it is of the same session (renewed from `token` by validate).
   */
  readonly invalidate: (token: Redacted.Redacted<string>, scope?: InvalidateScope) => Effect.Effect<void>
  /** Drops the session and logs in afresh (after repeated hub failures, or a GatewayLogout). */
  readonly forceLogin: Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /** The current token's metadata, if any. */
  readonly info: Effect.Effect<TokenInfo | undefined>
  /** Every new token, as it is obtained (hubs reconnect with it). */
  readonly changes: Stream.Stream<TokenInfo>
}

/**
 * What {@link Service.invalidate} drops: the refused token only (`"token"`, the default), or every token of its
 * session (`"session"`: a token renewed from it by validate as well).
 *
 * @since 0.3.0
 */
export type InvalidateScope = "token" | "session"

/**
 * The token manager's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class TokenManager extends Context.Tag("@tradeguard/resilience/TokenManager")<TokenManager, Service>() {}

/**
 * The gateway user: `PROJECTX_USERNAME` and `PROJECTX_API_KEY` (Redacted) from the environment.
 *
 * @since 0.1.0
 */
export class Credentials extends Context.Tag("@tradeguard/resilience/Credentials")<Credentials, {
  readonly userName: string
  readonly apiKey: Redacted.Redacted<string>
}>() {
  static readonly fromEnv: Layer.Layer<Credentials, ConfigError.ConfigError> = Layer.effect(
    Credentials,
    Config.all({ userName: Config.string("PROJECTX_USERNAME"), apiKey: Config.redacted("PROJECTX_API_KEY") })
  )
  static readonly layer = (userName: string, apiKey: string | Redacted.Redacted<string>): Layer.Layer<Credentials> =>
    Layer.succeed(Credentials, { userName, apiKey: typeof apiKey === "string" ? Redacted.make(apiKey) : apiKey })
}

const isUnauthorized = (e: unknown): e is Errors.Unauthorized => Predicate.isTagged(e, "Unauthorized")
const sameToken = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>) =>
  a === b || Redacted.value(a) === Redacted.value(b)

/**
 * When the background fiber renews `info`: `bufferSeconds` before `exp`, but
 * not before half the token's life has passed (a token shorter-lived than the
 * buffer would otherwise be renewed in a tight loop).
 *
 * @since 0.1.0
 */
export const refreshDueAt = (info: TokenInfo, bufferMillis: number): number =>
  Math.max(info.expiresAt - bufferMillis, info.obtainedAt + (info.expiresAt - info.obtainedAt) / 2)

/**
 * The TokenManager service; its background refresh fiber lives as long as the Scope.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  Service,
  AuthenticationFailed,
  GatewayClient.GatewayClient | TokenStore.TokenStore | ResilienceConfig | Credentials | Scope.Scope
> = Effect.gen(function*() {
  const client = yield* GatewayClient.GatewayClient
  const store = yield* TokenStore.TokenStore
  const config = yield* ResilienceConfig
  const credentials = yield* Credentials
  /** Whose tokens these are: saved with each token, required of a stored one. */
  const identity = TokenIdentity.make(credentials.userName, client.options.baseUrl)
  const { bufferSeconds, maxRetries, retryDelayMs } = config.authentication.tokenRefresh
  const bufferMillis = bufferSeconds * 1000
  const logInfo = (message: string) => (config.logging.resilience.tokenRefresh ? Effect.logInfo(message) : Effect.void)
  const ref = yield* SubscriptionRef.make<TokenInfo | undefined>(undefined)
  const gate = yield* Effect.makeSemaphore(1)
  /** The gateway session of each token handed out: a login opens one, validate stays in it. */
  const sessionOf = new WeakMap<Redacted.Redacted<string>, number>()
  let sessions = 0

  const withRetries = <A>(what: string, endpoint: Endpoints.AnyEndpoint, call: Effect.Effect<A, Errors.GatewayError>) =>
    retryAuthCall(what, endpoint, call, maxRetries, retryDelayMs)

  const adopt = (token: Redacted.Redacted<string>, source: "login" | "validate", from?: TokenInfo) =>
    Effect.gen(function*() {
      sessionOf.set(token, (from === undefined ? undefined : sessionOf.get(from.token)) ?? ++sessions)
      const now = yield* Clock.currentTimeMillis
      const info: TokenInfo = { token, expiresAt: expiryOf(Redacted.value(token), now), obtainedAt: now }
      yield* SubscriptionRef.set(ref, info)
      yield* logInfo(`token obtained via ${source}; expires ${new Date(info.expiresAt).toISOString()}`)
      yield* store.save({ ...info, identity }).pipe(
        Effect.catchAll((e) => Effect.logWarning(`could not save the token (${e.reason}): ${e.detail}`))
      )
      return info
    })

  const login = withRetries(
    "loginKey",
    Endpoints.authLoginKey,
    client.authLoginKey({ userName: credentials.userName, apiKey: Redacted.value(credentials.apiKey) })
  ).pipe(
    Effect.mapError((e) =>
      new AuthenticationFailed(
        e._tag === "Rejected"
          ? { reason: "loginKey rejected", errorName: e.errorName }
          : { reason: `loginKey failed: ${e._tag}${"status" in e ? ` ${e.status}` : ""}` }
      )
    ),
    Effect.tapError((e) => Effect.logWarning(e.message)),
    Effect.flatMap((reply) => adopt(reply.token, "login"))
  )

  /** validate (with retries), falling back to a fresh login. */
  const renew = (current: TokenInfo) =>
    withRetries("validate", Endpoints.authValidate, client.authValidate({}, current.token)).pipe(
      Effect.flatMap((reply) => adopt(reply.newToken, "validate", current)),
      Effect.catchAll((e) =>
        Effect.zipRight(Effect.logWarning(`validate failed (${e._tag}); falling back to loginKey`), login)
      )
    )

  /**
   * Single-flight: under the gate, re-reads the current token and does the
   * work only if `needed` still says so; waiters then find the fresh token.
   */
  const refreshIf = (needed: (current: TokenInfo, now: number) => boolean, how: "renew" | "login") =>
    gate.withPermits(1)(Effect.gen(function*() {
      const current = yield* SubscriptionRef.get(ref)
      const now = yield* Clock.currentTimeMillis
      if (current !== undefined && !needed(current, now)) return current
      const usable = current !== undefined && now < current.expiresAt
      return yield* (how === "renew" && usable ? renew(current) : login)
    })).pipe(Effect.annotateLogs({ module: "resilience/TokenManager" }), Effect.withSpan("TokenManager.refresh"))

  const slowGet = Effect.map(refreshIf((c, now) => now >= c.expiresAt, "login"), (i) => i.token)

  // The hot path: a Ref read and a clock read, no span, no lock.
  const get: Service["get"] = Effect.flatMap(SubscriptionRef.get(ref), (current) =>
    current === undefined
      ? slowGet
      : Effect.flatMap(Clock.currentTimeMillis, (now) => (now < current.expiresAt ? Effect.succeed(current.token) : slowGet)))

  const ensureValidFor = Effect.fn("TokenManager.ensureValidFor")(function*(duration: Duration.DurationInput) {
    const millis = Duration.toMillis(duration)
    const info = yield* refreshIf((c, now) => c.expiresAt - now < millis, "renew")
    const now = yield* Clock.currentTimeMillis
    if (info.expiresAt - now < millis) {
      yield* Effect.logWarning(`no token lives ${Duration.format(duration)}; the operation will need a refresh`)
    }
    return info.token
  })

  const invalidate = Effect.fn("TokenManager.invalidate")(function*(
    token: Redacted.Redacted<string>,
    scope: InvalidateScope = "token"
  ) {
    const session = scope === "session" ? sessionOf.get(token) : undefined
    const refused = (c: TokenInfo) =>
      sameToken(c.token, token) || (session !== undefined && sessionOf.get(c.token) === session)
    const dropped = yield* SubscriptionRef.modify(ref, (c) =>
      c !== undefined && refused(c) ? [true, undefined] : [false, c])
    if (dropped) yield* logInfo("token refused (401): the next call logs in again")
  })

  const forceLogin: Service["forceLogin"] = Effect.flatMap(SubscriptionRef.get(ref), (snapshot) =>
    Effect.map(refreshIf((c) => c === snapshot, "login"), (i) => i.token))

  // ---------------------------------------------------------------- start-up
  const stored = yield* store.load.pipe(
    Effect.catchAll((e) =>
      Effect.as(Effect.logWarning(`stored token unusable (${e.reason}): ${e.detail}; logging in afresh`), Option.none())
    )
  )
  // Another user's or another gateway's token is never used, nor sent anywhere.
  const foreign = Option.isSome(stored) ? TokenIdentity.mismatch(stored.value.identity, identity) : undefined
  if (foreign !== undefined) {
    yield* Effect.logWarning(`stored token discarded: ${foreign}; logging in afresh`)
    yield* store.clear.pipe(Effect.catchAll((e) => Effect.logWarning(`could not clear the stored token (${e.reason})`)))
  }
  const startedAt = yield* Clock.currentTimeMillis
  if (foreign === undefined && Option.isSome(stored) && startedAt < stored.value.expiresAt) {
    const { expiresAt, obtainedAt, token } = stored.value
    sessionOf.set(token, ++sessions)
    yield* SubscriptionRef.set(ref, { token, expiresAt, obtainedAt })
    yield* logInfo(`using the stored token; expires ${new Date(expiresAt).toISOString()}`)
  } else {
    yield* login
  }

  // ---------------------------------------------------------------- background refresh
  const changedFrom = (info: TokenInfo | undefined) =>
    ref.changes.pipe(Stream.filter((c) => c !== info), Stream.runHead)
  let failures = 0
  const loop: Effect.Effect<never> = Effect.gen(function*() {
    const current = yield* SubscriptionRef.get(ref)
    if (current === undefined) return yield* changedFrom(undefined)
    const now = yield* Clock.currentTimeMillis
    const wait = Math.max(0, refreshDueAt(current, bufferMillis) - now)
    const due = yield* Effect.raceFirst(Effect.as(Effect.sleep(wait), true), Effect.as(changedFrom(current), false))
    if (!due) return
    const error = yield* Effect.flip(refreshIf((c) => c === current, "renew")).pipe(Effect.option)
    if (Option.isNone(error)) {
      failures = 0
      return
    }
    // Back off while the gateway or the credentials keep failing (15 s, 30 s, ... 5 min).
    const pause = Math.min(delayAt(retryDelayMs, retryDelayMs.length - 1) * 2 ** failures++, 300_000)
    yield* Effect.logWarning(`background refresh failed: ${error.value.message}; next try in ${pause} ms`)
    yield* Effect.raceFirst(Effect.sleep(pause), changedFrom(current))
  }).pipe(Effect.annotateLogs({ module: "resilience/TokenManager" }), Effect.forever)
  yield* Effect.forkScoped(loop)

  return {
    get,
    ensureValidFor,
    invalidate,
    forceLogin,
    info: SubscriptionRef.get(ref),
    changes: ref.changes.pipe(Stream.filter(Predicate.isNotUndefined), Stream.changes)
  } satisfies Service
}).pipe(Effect.annotateLogs({ module: "resilience/TokenManager" }))

/**
 * TokenManager from a GatewayClient, a TokenStore, the config and the credentials.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  TokenManager,
  AuthenticationFailed,
  GatewayClient.GatewayClient | TokenStore.TokenStore | ResilienceConfig | Credentials
> = Layer.scoped(TokenManager, make)

/**
 * {@link layer} with the store from `authentication.storage` and the credentials from the environment.
 *
 * @since 0.1.0
 */
export const layerFromEnv: Layer.Layer<
  TokenManager,
  AuthenticationFailed | TokenStore.TokenStoreConfigError | ConfigError.ConfigError,
  GatewayClient.GatewayClient | ResilienceConfig
> = layer.pipe(Layer.provide(Layer.merge(TokenStore.layer, Credentials.fromEnv)))

/**
 * A TokenManager that always hands out `token` (for other packages' tests):
 * `exp` is read from the JWT, else it never expires; invalidate does nothing.
 *
 * @since 0.1.0
 */
export const layerStatic = (token: string | Redacted.Redacted<string>): Layer.Layer<TokenManager> => {
  const redacted = typeof token === "string" ? Redacted.make(token) : token
  const info: TokenInfo = { token: redacted, expiresAt: expiryOf(Redacted.value(redacted), 8.64e15 - 1), obtainedAt: 0 }
  return Layer.succeed(TokenManager, {
    get: Effect.succeed(redacted),
    ensureValidFor: () => Effect.succeed(redacted),
    invalidate: () => Effect.void,
    forceLogin: Effect.succeed(redacted),
    info: Effect.succeed(info),
    changes: Stream.make(info)
  })
}

/**
 * Runs `f` with a valid token. On a 401 it invalidates that token, gets a
 * fresh one (one refresh, however many calls saw the 401) and replays `f`
 * once — safe even for a mutation, since a 401 means the gateway did not apply
 * it. A second 401 is AuthenticationFailed.
 *
 * @since 0.1.0
 */
export const withAuth = <A, E, R>(
  tokens: Service,
  f: (token: Redacted.Redacted<string>) => Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, Errors.Unauthorized> | AuthenticationFailed, R> => {
  const on401 = <E2, R2>(
    token: Redacted.Redacted<string>,
    then: (e: Errors.Unauthorized) => Effect.Effect<A, E2, R2>
  ): Effect.Effect<A, E | E2, R | R2> =>
    Effect.catchAll(f(token), (e): Effect.Effect<A, E | E2, R2> => (isUnauthorized(e) ? then(e) : Effect.fail(e)))
  return Effect.flatMap(tokens.get, (token) =>
    on401(token, () =>
      Effect.zipRight(
        tokens.invalidate(token),
        Effect.flatMap(tokens.get, (fresh) =>
          on401(fresh, (e) =>
            Effect.zipRight(
              tokens.invalidate(fresh),
              Effect.fail(new AuthenticationFailed({ reason: `${e.endpoint}: refused with 401 twice` }))
            )))
      ))) as Effect.Effect<A, Exclude<E, Errors.Unauthorized> | AuthenticationFailed, R>
}

/**
 * {@link withAuth} with the TokenManager from the context.
 *
 * @since 0.1.0
 */
export const authenticated = <A, E, R>(
  f: (token: Redacted.Redacted<string>) => Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, Errors.Unauthorized> | AuthenticationFailed, R | TokenManager> =>
  Effect.flatMap(TokenManager, (tokens) => withAuth(tokens, f))
