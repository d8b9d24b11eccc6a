/**
 * The simulator's REST API as an `@effect/platform` HttpApp, served from the
 * gateway's endpoint table: each request is decoded with `endpoint.request`,
 * each reply encoded with `endpoint.reply` plus the envelope, absent optional
 * fields written as `null`. In front of the endpoints, in this order: the
 * fault plan (latency, 5xx, 429 bursts), auth (401), the rate limiter (429
 * with Retry-After), body validation (400 naming the field). Logins are
 * limited per user name in a window of their own, so they do not eat into the
 * user's budget for the other calls. After a mutating
 * endpoint the plan may drop the reply: the app then fails with
 * {@link ReplyDropped}, which the in-process client reports as a transport
 * failure and the socket server as a destroyed connection.
 *
 * Also `GET /api/Status/ping` (text `pong`), loopback-only `/admin/*`, and
 * the hubs' `POST /hubs/<hub>/negotiate`.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Endpoints } from "@tradeguard/gateway"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type { Service as AuthService, Session } from "./Auth.js"
import type { Service as ExchangeService } from "./Exchange.js"
import type { Service as FaultService } from "./FaultInjector.js"
import type { Service as HubsService } from "./Hubs.js"
import { admin } from "./internal/Admin.js"
import * as Handlers from "./internal/Handlers.js"
import { failure, nullPayload, problem, problemOf, success, withNulls } from "./internal/Wire.js"
import type { Service as RateLimiterService } from "./RateLimiter.js"
import { codeFor } from "./Rejection.js"

/**
 * The fault plan dropped the reply of a request it applied.
 *
 * @since 0.1.0
 */
export class ReplyDropped extends Schema.TaggedError<ReplyDropped>()("ReplyDropped", {
  endpoint: Schema.String
}) {}

/**
 * What the REST routes serve from.
 *
 * @since 0.1.0
 */
export interface Services {
  readonly exchange: ExchangeService
  readonly auth: AuthService
  readonly rateLimiter: RateLimiterService
  readonly faults: FaultService
  /** The hubs: `POST /hubs/<hub>/negotiate` and `/admin/hub/*` (absent: 404). */
  readonly hubs?: HubsService | undefined
}

interface Codec {
  readonly decode: (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>
  readonly encode: (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>
  readonly encodedAst: SchemaAST.AST
  readonly nulls: Record<string, null>
}

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

/**
 * `Authorization: Bearer <token>` → the token.
 *
 * @since 0.1.0
 */
export const bearer = (header: string | undefined): string | undefined => {
  const m = header === undefined ? null : /^\s*Bearer\s+(\S+)\s*$/i.exec(header)
  return m === null ? undefined : m[1]
}

/**
 * The 401 reply (with `www-authenticate: Bearer`).
 *
 * @since 0.1.0
 */
export const unauthorized = HttpServerResponse.empty({ status: 401, headers: { "www-authenticate": "Bearer" } })
/**
 * The 429 reply, with `retry-after` in seconds.
 *
 * @since 0.1.0
 */
export const tooManyRequests = (retryAfterSeconds: number) =>
  HttpServerResponse.text("Too Many Requests", { status: 429, headers: { "retry-after": String(retryAfterSeconds) } })
const serverError = (status: number) => HttpServerResponse.text(`simulated fault: HTTP ${status}`, { status })

const negotiatePath = /^\/hubs\/(user|market)\/negotiate$/

/**
 * `POST /hubs/<hub>/negotiate?negotiateVersion=1` (token as for the
 * WebSocket: `access_token` or Bearer). Other plain HTTP requests to a hub
 * are 400: the hubs speak WebSocket only (the upgrade is served by HubServer).
 */
const hubRequest = (hubs: HubsService | undefined, request: HttpServerRequest.HttpServerRequest, path: string) =>
  Effect.gen(function*() {
    const m = negotiatePath.exec(path)
    const hub = path.replace(/\/+$/, "")
    if (hubs === undefined || (m === null && hub !== "/hubs/user" && hub !== "/hubs/market")) {
      return HttpServerResponse.empty({ status: 404 })
    }
    if (m === null) return HttpServerResponse.text("Connection ID required", { status: 400 })
    if (request.method !== "POST") return HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } })
    const query = new URLSearchParams(request.url.split("?")[1] ?? "")
    const token = query.get("access_token") ?? bearer(request.headers["authorization"])
    return yield* hubs.negotiate(m[1] as "user" | "market", token).pipe(
      Effect.map((reply) => json(reply)),
      Effect.catchTag("Unauthenticated", () => Effect.succeed(unauthorized))
    )
  })

/**
 * The REST app.
 *
 * @since 0.1.0
 */
export const make = (services: Services): HttpApp.Default<ReplyDropped> => {
  const { auth, faults, rateLimiter } = services
  const handlers = Handlers.make(services.exchange, auth) as Record<string, Handlers.Handler<Endpoints.AnyEndpoint>>
  const codecs = new Map<string, Codec>()
  for (const e of Object.values(Endpoints.all) as Array<Endpoints.AnyEndpoint>) {
    codecs.set(e.name, {
      decode: Schema.decodeUnknown(e.request, { errors: "all", onExcessProperty: "ignore" }),
      encode: Schema.encode(e.reply),
      encodedAst: Schema.encodedSchema(e.reply).ast,
      nulls: nullPayload(e.reply)
    })
  }

  const serve = (e: Endpoints.AnyEndpoint, request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function*() {
      const codec = codecs.get(e.name)!
      const decision = yield* faults.decide(e)
      if (decision.delayMillis > 0) yield* Effect.sleep(decision.delayMillis)
      if (decision.early?._tag === "RateLimited") return tooManyRequests(decision.early.retryAfterSeconds)
      if (decision.early?._tag === "ServerError") return serverError(decision.early.status)
      let session: Session | undefined
      if (e.authenticated) {
        const r = yield* Effect.either(auth.authenticate(bearer(request.headers["authorization"])))
        if (Either.isLeft(r)) return unauthorized
        session = r.right
        const wait = yield* rateLimiter.admit(session.userName, e.rateLimit)
        if (Option.isSome(wait)) return tooManyRequests(wait.value)
      }
      const text = yield* Effect.orElseSucceed(request.text, () => "")
      let body: unknown = {}
      if (text.trim() !== "") {
        const parsed = Either.try(() => JSON.parse(text) as unknown)
        if (Either.isLeft(parsed)) {
          return json(problem({ $: [`The request body is not valid JSON: ${String(parsed.left).slice(0, 200)}`] }), 400)
        }
        body = parsed.right
      } else if (!e.emptyBody) {
        return json(problem({ "": ["A non-empty request body is required."] }), 400)
      }
      const decoded = yield* Effect.either(codec.decode(body))
      if (Either.isLeft(decoded)) return json(problemOf(decoded.left), 400)
      if (!e.authenticated) {
        const name = (decoded.right as { readonly userName?: unknown }).userName
        const wait = yield* rateLimiter.admit(`login:${typeof name === "string" ? name : ""}`, e.rateLimit)
        if (Option.isSome(wait)) return tooManyRequests(wait.value)
      }
      const result = yield* Effect.either(handlers[e.name]!(session, decoded.right))
      if (decision.dropReply) return yield* new ReplyDropped({ endpoint: e.name })
      if (decision.lateServerError !== undefined) return serverError(decision.lateServerError)
      if (Either.isLeft(result)) {
        const { message, reason } = result.left
        return json(failure(codec.nulls, codeFor(e.errors, reason), message))
      }
      const encoded = yield* Effect.orDie(codec.encode(result.right))
      return json(success(withNulls(codec.encodedAst, encoded)))
    }).pipe(Effect.withSpan(`Simulator.${e.name}`))

  const app = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0]!.toLowerCase()
    if (path === Endpoints.pingPath.toLowerCase()) {
      return request.method === "GET" || request.method === "HEAD"
        ? HttpServerResponse.text("pong")
        : HttpServerResponse.empty({ status: 405, headers: { allow: "GET" } })
    }
    if (path.startsWith("/admin/")) return yield* admin(services, request, path)
    if (path.startsWith("/hubs/")) return yield* hubRequest(services.hubs, request, path)
    const endpoint = Endpoints.byPath.get(path)
    if (endpoint === undefined) return HttpServerResponse.empty({ status: 404 })
    if (request.method !== "POST") return HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } })
    return yield* serve(endpoint, request)
  })

  return app.pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Option.match(Cause.failureOption(cause), {
          onSome: (dropped) => Effect.fail(dropped),
          onNone: () =>
            Effect.as(
              Effect.logError("simulator: unexpected failure", cause),
              HttpServerResponse.text("Internal Server Error", { status: 500 })
            )
        })
    )
  )
}
