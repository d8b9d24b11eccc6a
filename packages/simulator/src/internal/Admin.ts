/**
 * Loopback-only operator endpoints under `/admin/`: the fault plan, forced
 * logout, token expiry, pinned prices, account changes, snapshots, the
 * rate-limit windows, and the hubs' connections (`/admin/hub/*`). In-process requests (no remote address) count as local.
 *
 * @internal
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as FaultPlan from "../FaultPlan.js"
import type { Services } from "../RestApi.js"
import { problem, problemOf } from "./Wire.js"

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export const isLoopback = (address: string): boolean =>
  /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address) || address === "::1"

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

const UserBody = Schema.Struct({ userName: Schema.optional(Schema.String) })
const PriceBody = Schema.Struct({ contractId: Schema.String, price: Schema.NullOr(Schema.Number) })
const AccountBody = Schema.Struct({
  accountId: Schema.Number,
  balance: Schema.optional(Schema.Number),
  canTrade: Schema.optional(Schema.Boolean)
})

const bodyOf = <A, I>(request: HttpServerRequest.HttpServerRequest, schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    const parsed = Either.try(() => (text.trim() === "" ? {} : JSON.parse(text)) as unknown)
    if (Either.isLeft(parsed)) return Either.left(json(problem({ $: ["The request body is not valid JSON."] }), 400))
    const decoded = yield* Effect.either(Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })(parsed.right))
    return Either.mapLeft(decoded, (e) => json(problemOf(e), 400))
  })

const notFound = (what: string) => json({ error: `${what} was not found.` }, 404)

const Hub = Schema.optional(Schema.Literal("user", "market"))
const HubFilter = { hub: Hub, userName: Schema.optional(Schema.String), connectionId: Schema.optional(Schema.String) }
const DropBody = Schema.Struct({
  ...HubFilter,
  closeFrame: Schema.optional(Schema.Boolean),
  error: Schema.optional(Schema.String)
})
const StallBody = Schema.Struct({ ...HubFilter, durationMillis: Schema.optional(Schema.Number.pipe(Schema.nonNegative())) })
const RefuseBody = Schema.Struct({
  hub: Hub,
  durationMillis: Schema.Number.pipe(Schema.nonNegative()),
  status: Schema.optional(Schema.Literal(401, 503))
})

/** `/admin/hub/*`: list, drop, stall connections and refuse new ones. */
const hubAdmin = (
  hubs: NonNullable<Services["hubs"]>,
  request: HttpServerRequest.HttpServerRequest,
  route: string
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    switch (route) {
      case "GET /admin/hub/connections":
        return json(yield* hubs.connections)
      case "POST /admin/hub/drop": {
        const b = yield* bodyOf(request, DropBody)
        return Either.isLeft(b) ? b.left : json({ dropped: yield* hubs.drop(b.right, b.right) })
      }
      case "POST /admin/hub/stall": {
        const b = yield* bodyOf(request, StallBody)
        if (Either.isLeft(b)) return b.left
        return json({ stalled: yield* hubs.stall(b.right, b.right.durationMillis) })
      }
      case "POST /admin/hub/refuse": {
        const b = yield* bodyOf(request, RefuseBody)
        if (Either.isLeft(b)) return b.left
        yield* hubs.refuse(b.right.durationMillis, b.right)
        return json({ refusing: b.right })
      }
      default:
        return HttpServerResponse.empty({ status: 404 })
    }
  })

export const admin = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  path: string
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    if (Option.isSome(request.remoteAddress) && !isLoopback(request.remoteAddress.value)) {
      return json({ error: "The admin endpoints answer loopback clients only." }, 403)
    }
    const { auth, exchange, faults, rateLimiter } = services
    const route = `${request.method} ${path}`
    switch (route) {
      case "GET /admin/faults":
        return json(yield* faults.plan)
      case "POST /admin/faults": {
        const plan = yield* bodyOf(request, FaultPlan.FaultPlan)
        if (Either.isLeft(plan)) return plan.left
        yield* faults.set(plan.right)
        return json(plan.right)
      }
      case "POST /admin/logout": {
        const b = yield* bodyOf(request, UserBody)
        return Either.isLeft(b) ? b.left : json({ ended: yield* auth.forceLogout(b.right.userName) })
      }
      case "POST /admin/expiretokens": {
        const b = yield* bodyOf(request, UserBody)
        return Either.isLeft(b) ? b.left : json({ expired: yield* auth.expireTokens(b.right.userName) })
      }
      case "POST /admin/price": {
        const b = yield* bodyOf(request, PriceBody)
        if (Either.isLeft(b)) return b.left
        return yield* exchange.setPrice(b.right.contractId, b.right.price ?? undefined).pipe(
          Effect.zipRight(exchange.quote(b.right.contractId)),
          Effect.map((quote) => json(quote)),
          Effect.catchTag("ContractNotFound", (e) => Effect.succeed(notFound(`Contract ${e.contractId}`)))
        )
      }
      case "POST /admin/account": {
        const b = yield* bodyOf(request, AccountBody)
        if (Either.isLeft(b)) return b.left
        const { accountId, ...patch } = b.right
        return yield* exchange.updateAccount(accountId, patch).pipe(
          Effect.map((account) => json(account)),
          Effect.catchTag("AccountNotFound", (e) => Effect.succeed(notFound(`Account ${e.accountId}`)))
        )
      }
      case "GET /admin/snapshot": {
        const id = Number(new URLSearchParams(request.url.split("?")[1] ?? "").get("accountId"))
        return yield* exchange.snapshot(id).pipe(
          Effect.map((snapshot) => json(snapshot)),
          Effect.catchTag("AccountNotFound", (e) => Effect.succeed(notFound(`Account ${e.accountId}`)))
        )
      }
      case "POST /admin/ratelimits/reset":
        yield* rateLimiter.reset
        return json({ reset: true })
      default:
        return services.hubs !== undefined && path.startsWith("/admin/hub/")
          ? yield* hubAdmin(services.hubs, request, route)
          : HttpServerResponse.empty({ status: 404 })
    }
  })
