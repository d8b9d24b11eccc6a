/**
 * A synchronous view of TokenManager's current token for ResilientGateway's
 * hot path: `peek(now)` is a field read and a comparison, where
 * `TokenManager.get` costs a Ref read, a Clock read and two flatMaps.
 *
 * The view follows `TokenManager.changes` (a background fiber) and what
 * `TokenManager.get` returns on the slow path. After a 401 the caller `drop`s
 * the refused token so that no further call uses it; `peek` then returns
 * undefined and callers go through `get` (which refreshes, single-flight)
 * until the new token arrives.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AuthenticationFailed } from "../Errors.js"
import type * as TokenManager from "../TokenManager.js"

export interface TokenCache {
  /** The current token if it is still valid at `now`; undefined: ask `get`. */
  readonly peek: (now: number) => Redacted.Redacted<string> | undefined
  /** TokenManager.get, and the view updated with what it returns. */
  readonly get: Effect.Effect<Redacted.Redacted<string>, AuthenticationFailed>
  /** Forgets `token` if it is the one in view (it was refused). */
  readonly drop: (token: Redacted.Redacted<string>) => void
}

const same = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>) =>
  a === b || Redacted.value(a) === Redacted.value(b)

export const make = (tokens: TokenManager.Service): Effect.Effect<TokenCache, never, Scope.Scope> =>
  Effect.gen(function*() {
    let current: TokenManager.TokenInfo | undefined = yield* tokens.info
    /** Tokens refused with 401: never put back in view (a late change event could carry one). */
    let refused: Redacted.Redacted<string> | undefined
    const adopt = (info: TokenManager.TokenInfo | undefined) => {
      if (info === undefined || (refused !== undefined && same(info.token, refused))) return
      if (current === undefined || info.obtainedAt >= current.obtainedAt) current = info
    }
    yield* Stream.runForEach(tokens.changes, (info) => Effect.sync(() => adopt(info))).pipe(Effect.forkScoped)
    return {
      peek: (now) => (current !== undefined && now < current.expiresAt ? current.token : undefined),
      get: Effect.tap(tokens.get, (token) =>
        current !== undefined && same(current.token, token)
          ? Effect.void
          : Effect.map(tokens.info, (info) => adopt(info?.token !== undefined && same(info.token, token) ? info : undefined))),
      drop: (token) => {
        refused = token
        if (current !== undefined && same(current.token, token)) current = undefined
      }
    }
  })
