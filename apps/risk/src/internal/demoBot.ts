/**
 * The demo's bot: "another front-end" (a phone app, a charting platform) trading the demo user's accounts with
 * plain REST calls straight to the simulator, with its own login, plus the simulator's loopback admin endpoints
 * the demo injects its faults through. It logs in again after a 401 (token expiry) and counts what it sent.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Models } from "@tradeguard/gateway"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

/** A step of the demo could not be carried out (the simulator refused, or did not answer). */
export class DemoStepFailed extends Schema.TaggedError<DemoStepFailed>()("DemoStepFailed", {
  message: Schema.String
}) {}

/** The simulator's ground truth of one account (`GET /admin/snapshot`). */
export const Snapshot = Schema.Struct({
  account: Models.Account,
  orders: Schema.Array(Models.Order),
  openOrders: Schema.Array(Models.Order),
  positions: Schema.Array(Models.Position),
  trades: Schema.Array(Models.Trade)
})

/** The type of {@link Snapshot}. */
export type Snapshot = typeof Snapshot.Type

/** Polls `check` every 200 ms until it holds (true) or `millis` have passed (false). */
export const waitUntil = <E, R>(check: Effect.Effect<boolean, E, R>, millis: number): Effect.Effect<boolean, E, R> =>
  Effect.gen(function*() {
    const end = (yield* Clock.currentTimeMillis) + millis
    while ((yield* Clock.currentTimeMillis) < end) {
      if (yield* check) return true
      yield* Effect.sleep("200 millis")
    }
    return yield* check
  })

/** An order the bot sends (the gateway's `Order/place` body). */
export interface BotOrder {
  readonly accountId: number
  readonly contractId: string
  /** 1 limit, 2 market. */
  readonly type: 1 | 2
  /** 0 buy, 1 sell. */
  readonly side: 0 | 1
  readonly size: number
  readonly limitPrice?: number
}

const Reply = Schema.Struct({
  success: Schema.Boolean,
  errorMessage: Schema.optionalWith(Schema.String, { nullable: true })
})
const Login = Schema.Struct({ token: Schema.String })
const Placed = Schema.Struct({ orderId: Schema.Number })
const Contracts = Schema.Struct({ contracts: Schema.Array(Schema.Struct({ id: Schema.String, symbolId: Schema.String })) })

const failed = (what: string) => (e: { readonly message: string }) => new DemoStepFailed({ message: `${what}: ${e.message}` })

/** The bot over the simulator at `baseUrl`, as the demo user. */
export const make = (baseUrl: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const token = yield* Ref.make("")
    const sent = yield* Ref.make<Array<string>>([])
    const logins = yield* Ref.make(0)

    const send = (path: string, body: unknown, bearer: string, method: "POST" | "GET" = "POST") =>
      client.execute(
        method === "GET"
          ? HttpClientRequest.get(`${baseUrl}${path}`)
          : HttpClientRequest.post(`${baseUrl}${path}`).pipe(
            HttpClientRequest.bodyUnsafeJson(body),
            bearer === "" ? (r) => r : HttpClientRequest.bearerToken(bearer)
          )
      ).pipe(
        Effect.flatMap((r) => Effect.map(r.json, (json) => ({ status: r.status, json }))),
        Effect.mapError(failed(`${method} ${path}`))
      )

    const login = Effect.gen(function*() {
      const r = yield* send("/api/Auth/loginKey", { userName: "demo", apiKey: "demo-api-key" }, "")
      const { token: t } = yield* Schema.decodeUnknown(Login)(r.json).pipe(Effect.mapError(failed("login")))
      yield* Ref.set(token, t)
      yield* Ref.update(logins, (n) => n + 1)
    })

    /** A gateway call with the bot's token: a 401 logs in again once; a business rejection fails. */
    const api = <A, I>(path: string, body: unknown, schema: Schema.Schema<A, I>) =>
      Effect.gen(function*() {
        let r = yield* send(path, body, yield* Ref.get(token))
        if (r.status === 401) {
          yield* login
          r = yield* send(path, body, yield* Ref.get(token))
        }
        const reply = yield* Schema.decodeUnknown(Reply)(r.json).pipe(Effect.mapError(failed(path)))
        if (r.status !== 200 || !reply.success) {
          return yield* new DemoStepFailed({ message: `${path}: HTTP ${r.status} ${reply.errorMessage ?? ""}`.trim() })
        }
        return yield* Schema.decodeUnknown(schema)(r.json).pipe(Effect.mapError(failed(path)))
      })

    /** A loopback admin call of the simulator (faults, hubs, prices, token expiry). */
    const admin = (path: string, body: unknown) =>
      Effect.flatMap(send(`/admin/${path}`, body, ""), (r) =>
        r.status === 200 ? Effect.succeed(r.json) : new DemoStepFailed({ message: `/admin/${path}: HTTP ${r.status}` }))

    const snapshot = (accountId: number) =>
      Effect.flatMap(
        send(`/admin/snapshot?accountId=${accountId}`, undefined, "", "GET"),
        (r) => Schema.decodeUnknown(Snapshot)(r.json).pipe(Effect.mapError(failed("snapshot")))
      )

    let next = 0
    /** Places an order with the bot's own customTag (`bot-<n>`); returns the gateway's order id and the tag. */
    const place = (order: BotOrder) =>
      Effect.gen(function*() {
        const customTag = `bot-${++next}`
        yield* Ref.update(sent, (tags) => [...tags, customTag])
        const { orderId } = yield* api("/api/Order/place", { ...order, customTag }, Placed)
        return { orderId, customTag }
      })

    const contractId = (symbolId: string) =>
      Effect.flatMap(api("/api/Contract/available", { live: false }, Contracts), ({ contracts }) => {
        const found = contracts.find((c) => c.symbolId === symbolId)
        return found === undefined ? new DemoStepFailed({ message: `no contract ${symbolId}` }) : Effect.succeed(found.id)
      })

    yield* login
    return {
      place,
      admin,
      snapshot,
      contractId,
      /** The customTags of every order the bot sent. */
      sent: Ref.get(sent),
      /** How many times the bot logged in (more than once: its token expired). */
      logins: Ref.get(logins)
    } as const
  })

/** The bot (the type of what {@link make} builds). */
export type Bot = Effect.Effect.Success<ReturnType<typeof make>>
