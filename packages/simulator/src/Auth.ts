/**
 * Sessions and tokens like the gateway's: `loginKey` (and `loginApp`) open a
 * session and issue an HS256 JWT with an `exp` claim; `validate` issues a
 * fresh token in the same session; `logout` ends the session. Every
 * authenticated call presents a token: missing, malformed, badly signed,
 * unknown, expired or logged-out tokens are {@link Unauthenticated} (HTTP 401).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { ExchangeEvent, type LogoutReason } from "./ExchangeEvent.js"
import * as Jwt from "./internal/Jwt.js"
import type { Resolved } from "./Options.js"
import { Rejection } from "./Rejection.js"

/**
 * Why a token was refused.
 *
 * @since 0.1.0
 */
export const UnauthenticatedReason = Schema.Literal("missing", "malformed", "signature", "unknown", "expired", "loggedOut")

/**
 * A request without a valid token: missing, malformed, badly signed, unknown, expired or logged out.
 *
 * @since 0.1.0
 */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  reason: UnauthenticatedReason
}) {}

/**
 * An authenticated caller.
 *
 * @since 0.1.0
 */
export interface Session {
  readonly sessionId: string
  readonly userId: number
  readonly userName: string
  /** When the presented token expires (epoch millis). */
  readonly expiresAt: number
}

/**
 * The simulator's auth: logins, token validation and logout.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly loginKey: (userName: string, apiKey: string) => Effect.Effect<string, Rejection>
  readonly loginApp: (request: {
    readonly userName: string
    readonly password: string
    readonly deviceId: string
    readonly appId: string
    readonly verifyKey: string
  }) => Effect.Effect<string, Rejection>
  /** Checks a token (the raw JWT, without `Bearer `). */
  readonly authenticate: (token: string | undefined) => Effect.Effect<Session, Unauthenticated>
  /** A fresh token for the session (Auth/validate). */
  readonly validate: (session: Session) => Effect.Effect<string>
  /** Ends the session (Auth/logout). */
  readonly logout: (session: Session) => Effect.Effect<void>
  /** Ends every session of `userName` (all users when absent) and publishes Logout; returns how many ended. */
  readonly forceLogout: (userName?: string) => Effect.Effect<number>
  /** Expires every token of `userName` (all users when absent): they get 401, validate included. */
  readonly expireTokens: (userName?: string) => Effect.Effect<number>
}

/**
 * The simulator auth's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class Auth extends Context.Tag("@tradeguard/simulator/Auth")<Auth, Service>() {}

interface SessionRec {
  readonly userId: number
  readonly userName: string
  active: boolean
}

interface TokenRec {
  readonly sessionId: string
  readonly userName: string
  expiresAt: number
}

const rejected = (reason: string, message: string) => Effect.fail(new Rejection({ reason, message }))

/**
 * The auth service over a resolved config; `publish` announces logouts.
 *
 * @since 0.1.0
 */
export const make = (
  config: Resolved,
  publish: (event: ExchangeEvent) => Effect.Effect<void>
): Effect.Effect<Service> =>
  Effect.sync(() => {
    const sessions = new Map<string, SessionRec>()
    const tokens = new Map<string, TokenRec>()
    let counter = 0

    const issue = (sessionId: string, session: SessionRec, now: number): string => {
      const jti = `t${++counter}`
      const expiresAt = now + config.tokenLifetimeMillis
      tokens.set(jti, { sessionId, userName: session.userName, expiresAt })
      return Jwt.sign({
        sub: session.userName,
        uid: session.userId,
        sid: sessionId,
        jti,
        iat: Math.floor(now / 1000),
        exp: Math.floor(expiresAt / 1000)
      }, config.jwtSecret)
    }

    const end = (userName: string | undefined, reason: LogoutReason, keep?: string) =>
      Effect.gen(function*() {
        const ended = new Map<number, { userName: string; ids: Array<string> }>()
        for (const [id, s] of sessions) {
          if (!s.active || id === keep || (userName !== undefined && s.userName !== userName)) continue
          s.active = false
          const e = ended.get(s.userId) ?? { userName: s.userName, ids: [] }
          e.ids.push(id)
          ended.set(s.userId, e)
        }
        let n = 0
        for (const [userId, e] of ended) {
          n += e.ids.length
          yield* publish(ExchangeEvent.Logout({ userId, userName: e.userName, sessionIds: e.ids, reason }))
        }
        return n
      })

    const open = (user: Resolved["users"][number]) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const sessionId = `s${++counter}`
        const session = { userId: user.id, userName: user.userName, active: true }
        sessions.set(sessionId, session)
        if (config.singleSessionPerUser) yield* end(user.userName, "replaced", sessionId)
        return issue(sessionId, session, now)
      })

    const userNamed = (userName: string) => config.users.find((u) => u.userName === userName)

    const loginKey = Effect.fn("Auth.loginKey")(function*(userName: string, apiKey: string) {
      const user = userNamed(userName)
      if (user === undefined || user.apiKey !== apiKey) {
        return yield* rejected("InvalidCredentials", "The user name or API key is not valid.")
      }
      return yield* open(user)
    })

    const loginApp: Service["loginApp"] = Effect.fn("Auth.loginApp")(function*(req) {
      const app = config.apps.find((a) => a.appId === req.appId)
      if (app === undefined) return yield* rejected("AppNotFound", `App ${req.appId} is not known.`)
      if (app.verifyKey !== req.verifyKey) return yield* rejected("AppVerificationFailed", "The app verify key is not valid.")
      if (req.deviceId.trim() === "") return yield* rejected("InvalidDevice", "A device id is required.")
      const user = userNamed(req.userName)
      if (user === undefined) return yield* rejected("UserNotFound", `User ${req.userName} was not found.`)
      if (user.password === undefined || user.password !== req.password) {
        return yield* rejected("PasswordVerificationFailed", "The password is not valid.")
      }
      return yield* open(user)
    })

    const authenticate = Effect.fn("Auth.authenticate")(function*(token: string | undefined) {
      if (token === undefined || token === "") return yield* new Unauthenticated({ reason: "missing" })
      const claims = Jwt.verify(token, config.jwtSecret)
      if (Either.isLeft(claims)) return yield* new Unauthenticated({ reason: claims.left })
      const t = tokens.get(claims.right.jti)
      const s = t === undefined ? undefined : sessions.get(t.sessionId)
      if (t === undefined || s === undefined || t.sessionId !== claims.right.sid) {
        return yield* new Unauthenticated({ reason: "unknown" })
      }
      if (!s.active) return yield* new Unauthenticated({ reason: "loggedOut" })
      if ((yield* Clock.currentTimeMillis) >= t.expiresAt) return yield* new Unauthenticated({ reason: "expired" })
      return { sessionId: t.sessionId, userId: s.userId, userName: s.userName, expiresAt: t.expiresAt } satisfies Session
    })

    const validate = Effect.fn("Auth.validate")(function*(session: Session) {
      const now = yield* Clock.currentTimeMillis
      return issue(session.sessionId, sessions.get(session.sessionId)!, now)
    })

    const logout = Effect.fn("Auth.logout")(function*(session: Session) {
      const s = sessions.get(session.sessionId)
      if (s === undefined || !s.active) return
      s.active = false
      yield* publish(ExchangeEvent.Logout({
        userId: s.userId,
        userName: s.userName,
        sessionIds: [session.sessionId],
        reason: "logout"
      }))
    })

    const expireTokens = Effect.fn("Auth.expireTokens")(function*(userName?: string) {
      const now = yield* Clock.currentTimeMillis
      let n = 0
      for (const t of tokens.values()) {
        const live = sessions.get(t.sessionId)?.active === true
        if (live && (userName === undefined || t.userName === userName) && t.expiresAt > now) {
          t.expiresAt = now
          n++
        }
      }
      return n
    })

    return {
      loginKey,
      loginApp,
      authenticate,
      validate,
      logout,
      forceLogout: (userName) => end(userName, "forced"),
      expireTokens
    } satisfies Service
  })

/**
 * The auth service as a layer.
 *
 * @since 0.1.0
 */
export const layer = (
  config: Resolved,
  publish: (event: ExchangeEvent) => Effect.Effect<void>
): Layer.Layer<Auth> => Layer.effect(Auth, make(config, publish))
