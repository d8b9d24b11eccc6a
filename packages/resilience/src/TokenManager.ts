/**
 * TokenManager: always a valid gateway token. Loads a stored token at start-up
 * or logs in, refreshes proactively `bufferSeconds` before `exp` in a
 * background fiber, single-flights concurrent refreshes, and recovers from a
 * 401 by refreshing once.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type * as Stream from "effect/Stream"
import type { AuthenticationFailed } from "./Errors.js"

export interface TokenInfo {
  readonly token: Redacted.Redacted<string>
  /** Epoch millis of the JWT's `exp` (issue time + 24 h when unreadable). */
  readonly expiresAt: number
  /** Epoch millis at which we obtained it. */
  readonly obtainedAt: number
}

export interface Service {
  /** A token valid now. Waits only when the current one is unusable (missing, expired, invalidated). */
  readonly get: Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /** A token still valid `duration` from now: refreshes first if it would expire before a long operation ends. */
  readonly ensureValidFor: (
    duration: Duration.DurationInput
  ) => Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /** Marks `token` as refused (a 401). The next `get` refreshes, once, however many callers saw the 401. */
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Drops the session and logs in afresh (after repeated hub failures, or a GatewayLogout). */
  readonly forceLogin: Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /** The current token's metadata, if any. */
  readonly info: Effect.Effect<TokenInfo | undefined>
  /** Every new token, as it is obtained (hubs reconnect with it). */
  readonly changes: Stream.Stream<TokenInfo>
}

export class TokenManager extends Context.Tag("@tradeguard/resilience/TokenManager")<TokenManager, Service>() {}
