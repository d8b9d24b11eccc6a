/**
 * The operations endpoint (`ops` section, loopback by default):
 *
 * | request | answer |
 * |---|---|
 * | `GET /healthz` | 200 `ok` while the process runs; never needs the token |
 * | `GET /readyz` | 200 `{ ready: true, reasons: [] }` once started and nothing is degraded, else 503 `{ ready: false, reasons: [{ code, detail }] }` (codes: see Readiness) |
 * | `GET /metrics` | the Prometheus text exposition (503 while it is not available) |
 * | `GET /status` | the daemon's status as JSON (see Status) |
 * | `POST /unlock` | `{ account, reason }`: ends the account's lock (logged and audited) |
 *
 * The token comes from the environment variable `ops.tokenEnv`; when it is unset and the bind is loopback it
 * is generated at start and written (mode 0600) as `ops.token` beside the database file, where
 * `tradeguard status` and `unlock` read it. A bind anywhere but loopback needs the environment token (else
 * the daemon refuses to start, naming the variable) and then every request but `/healthz` needs
 * `Authorization: Bearer <token>`; `POST /unlock` needs it whatever the address. The bearer is compared in
 * constant time.
 *
 * @since 0.3.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"
import type * as AppConfig from "./AppConfig.js"
import * as OpsToken from "./internal/opsToken.js"
import type * as Readiness from "./Readiness.js"

/**
 * Whether `host` binds loopback only (127.0.0.0/8, `::1`, `localhost`).
 *
 * @since 0.3.0
 */
export const isLoopback: (host: string) => boolean = OpsToken.isLoopback

/**
 * Whether an `Authorization` header carries `Bearer <token>`, compared in constant time (SHA-256 digests of
 * equal length, `crypto.timingSafeEqual`).
 *
 * @since 0.3.0
 */
export const authorized: (header: string | undefined, token: string) => boolean = OpsToken.authorized

/**
 * Where the generated token is kept: `ops.token` beside the database file.
 *
 * @since 0.3.0
 */
export const tokenFile: (databasePath: string) => string = OpsToken.tokenFileOf

/**
 * The endpoint cannot start: a non-loopback bind without the token, a port in use, a token file that cannot
 * be written.
 *
 * @since 0.3.0
 */
export class OpsUnavailable extends Schema.TaggedError<OpsUnavailable>()("OpsUnavailable", {
  reason: Schema.String
}) {
  /** @since 0.3.0 */
  override get message(): string {
    return `the ops endpoint: ${this.reason}`
  }
}

/**
 * The token requests are checked against, and where it came from.
 *
 * @since 0.3.0
 */
export interface Token {
  readonly token: string
  /** `env`: the variable `ops.tokenEnv`; `file`: generated and written to `file`. */
  readonly source: "env" | "file"
  readonly file: string | undefined
}

/**
 * The token of `ops`: the environment variable `ops.tokenEnv`, else (loopback only) a generated one written
 * 0600 to `ops.token` beside `databasePath`. A non-loopback bind without the variable fails, naming it.
 *
 * @since 0.3.0
 */
export const resolveToken = (
  ops: AppConfig.AppConfig["ops"],
  databasePath: string,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<Token, OpsUnavailable> =>
  Effect.suspend(() => {
    const fromEnv = (env[ops.tokenEnv] ?? "").trim()
    if (fromEnv !== "") return Effect.succeed<Token>({ token: fromEnv, source: "env", file: undefined })
    if (!isLoopback(ops.host)) {
      return Effect.fail(
        new OpsUnavailable({
          reason: `ops.host ${ops.host} is not loopback: set the environment variable ${ops.tokenEnv} to the ` +
            `token every request must carry (\`openssl rand -hex 32\`)`
        })
      )
    }
    const file = tokenFile(databasePath)
    const token = OpsToken.generate()
    return Effect.try({
      try: (): Token => {
        OpsToken.write(file, token)
        return { token, source: "file", file }
      },
      catch: (e) => new OpsUnavailable({ reason: `cannot write the token file ${file}: ${(e as Error).message}` })
    })
  })

/**
 * The metrics exposition as `/metrics` serves it.
 *
 * @since 0.3.0
 */
export interface Exposition {
  readonly contentType: string
  readonly body: string
}

/**
 * What unlocking answers: whether a lock was in force and was ended.
 *
 * @since 0.3.0
 */
export interface UnlockResult {
  readonly account: number
  readonly unlocked: boolean
}

/**
 * What the endpoint serves.
 *
 * @since 0.3.0
 */
export interface Handlers {
  readonly readiness: Effect.Effect<Readiness.Readiness>
  readonly status: Effect.Effect<unknown>
  /** undefined (or an effect giving undefined: not available yet): `/metrics` answers 503 `metrics not wired`. */
  readonly metrics?: Effect.Effect<Exposition | undefined> | undefined
  readonly unlock: (account: number, reason: string) => Effect.Effect<UnlockResult, OpsUnavailable>
}

/**
 * `/metrics` until metrics are wired.
 *
 * @since 0.3.0
 */
export const metricsNotWired: Effect.Effect<HttpServerResponse.HttpServerResponse> = Effect.succeed(
  HttpServerResponse.text("metrics not wired\n", { status: 503 })
)

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

const unauthorized = json({ error: "unauthorized: send Authorization: Bearer <token>" }, 401)

const UnlockBody = Schema.Struct({
  account: Schema.Int.pipe(Schema.positive()),
  reason: Schema.String.pipe(Schema.filter((s) => s.trim() !== "" || "a reason is required"))
})

/**
 * The endpoint's routes over `handlers`. `loopback`: whether reads may go without the token.
 *
 * @since 0.3.0
 */
export const router = (handlers: Handlers, token: string, loopback: boolean) => {
  const check = <E, R>(
    always: boolean,
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      (!always && loopback) || authorized(request.headers["authorization"], token)
        ? handler
        : Effect.succeed(unauthorized))
  return HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", Effect.succeed(HttpServerResponse.text("ok\n"))),
    HttpRouter.get(
      "/readyz",
      check(false, Effect.map(handlers.readiness, (r) => json(r, r.ready ? 200 : 503)))
    ),
    HttpRouter.get(
      "/metrics",
      check(
        false,
        handlers.metrics === undefined
          ? metricsNotWired
          : Effect.flatMap(handlers.metrics, (m) =>
            m === undefined
              ? metricsNotWired
              : Effect.succeed(HttpServerResponse.text(m.body, { status: 200, contentType: m.contentType })))
      )
    ),
    HttpRouter.get("/status", check(false, Effect.map(handlers.status, (s) => json(s)))),
    HttpRouter.post(
      "/unlock",
      check(
        true,
        HttpServerRequest.schemaBodyJson(UnlockBody).pipe(
          Effect.matchEffect({
            onFailure: () =>
              Effect.succeed(json({ error: "expected a JSON body { account: <id>, reason: \"...\" }" }, 400)),
            onSuccess: (body) =>
              handlers.unlock(body.account, body.reason.trim()).pipe(
                Effect.map((r) => json(r, r.unlocked ? 200 : 404)),
                Effect.catchAll((e) => Effect.succeed(json({ error: e.message }, 503)))
              )
          })
        )
      )
    )
  )
}

/**
 * The endpoint as an app: {@link router}, an unknown path answered 404.
 *
 * @since 0.3.0
 */
export const app = (handlers: Handlers, token: string, loopback: boolean) =>
  router(handlers, token, loopback).pipe(
    Effect.catchTag("RouteNotFound", () => Effect.succeed(json({ error: "not found" }, 404)))
  )

/**
 * Where the endpoint listens.
 *
 * @since 0.3.0
 */
export interface Listening {
  readonly host: string
  readonly port: number
  /** `http://<host>:<port>` (IPv6 in brackets). */
  readonly url: string
}

/**
 * The URL of `host:port`.
 *
 * @since 0.3.0
 */
export const urlOf = (host: string, port: number): string =>
  `http://${host.includes(":") ? `[${host}]` : host}:${port}`

/**
 * Serves `handlers` on `host:port` (0: any free port) for as long as the scope lives, with `token`.
 *
 * @since 0.3.0
 */
export const serve = (
  options: { readonly host: string; readonly port: number },
  handlers: Handlers,
  token: string
): Effect.Effect<Listening, OpsUnavailable, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(NodeHttpServer.layer(() => createServer(), options)).pipe(
      Effect.mapError((e) =>
        new OpsUnavailable({ reason: `cannot listen on ${urlOf(options.host, options.port)}: ${errorText(e)}` })
      )
    )
    const server = Context.get(context, HttpServer.HttpServer)
    yield* server.serve(app(handlers, token, isLoopback(options.host)))
    const port = server.address._tag === "TcpAddress" ? server.address.port : options.port
    return { host: options.host, port, url: urlOf(options.host, port) }
  })

const errorText = (e: { readonly cause?: unknown; readonly message: string }): string =>
  e.cause instanceof Error ? e.cause.message : e.message
