/**
 * Raw typed calls to the gateway over `@effect/platform`'s HttpClient: one
 * method per endpoint of the table, every failure a tagged {@link GatewayError}.
 * No retries, no token management: that is the resilience package's job.
 * Every request goes to `baseUrl` + the endpoint's path (a path not starting
 * with `/` is InvalidRequest, unsent): the token never reaches another host.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Endpoints from "./Endpoints.js"
import * as ErrorCodes from "./ErrorCodes.js"
import {
  DecodeError,
  describeParseError,
  type GatewayError,
  InvalidRequest,
  OutcomeUnknown,
  RateLimited,
  Rejected,
  ServerError,
  TransportError,
  Unauthorized,
  UnexpectedStatus
} from "./Errors.js"

/**
 * Where the client calls and how long it waits.
 *
 * @since 0.1.0
 */
export interface GatewayClientOptions {
  /** e.g. `https://api.topstepx.com` (no trailing `/api`). */
  readonly baseUrl: string
  /** Per-call timeout (the seed's `api.timeout`, 30 s by default). */
  readonly timeout?: Duration.DurationInput
}

type Call<E> = (
  request: Endpoints.RequestOf<E>,
  token?: Redacted.Redacted<string>
) => Effect.Effect<Endpoints.ReplyOf<E>, GatewayError>

/**
 * One method per endpoint of the table, named as the endpoint.
 *
 * @since 0.1.0
 */
export type Methods = { readonly [K in Endpoints.EndpointName]: Call<Endpoints.Endpoints[K]> }

/**
 * The raw typed client: a method per endpoint and `call` for any; no retry, no rate limiting.
 *
 * @since 0.1.0
 */
export interface Service extends Methods {
  /** Calls any endpoint of the table. */
  readonly call: <E extends Endpoints.AnyEndpoint>(
    endpoint: E,
    request: Endpoints.RequestOf<E>,
    token?: Redacted.Redacted<string>
  ) => Effect.Effect<Endpoints.ReplyOf<E>, GatewayError>
  /** `GET /api/Status/ping`: the text `pong`. */
  readonly ping: Effect.Effect<string, GatewayError>
  readonly options: GatewayClientOptions
}

/**
 * The raw client's tag (its shape is {@link Service}).
 *
 * @since 0.1.0
 */
export class GatewayClient extends Context.Tag("@tradeguard/gateway/GatewayClient")<GatewayClient, Service>() {}

/**
 * Parses a Retry-After header: delay-seconds or an HTTP date (relative to `nowMillis`).
 *
 * @since 0.1.0
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): Duration.Duration | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Duration.seconds(seconds)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Duration.millis(Math.max(0, at - nowMillis))
}

interface Codec {
  readonly encode: (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>
  readonly decode: (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>
}

const decodeEnvelope = Schema.decodeUnknown(Endpoints.Envelope)

/**
 * Builds the client over an `HttpClient`: encodes the request, decodes the envelope and the reply, maps failures to GatewayError.
 *
 * @since 0.1.0
 */
export const make = (options: GatewayClientOptions) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const base = options.baseUrl.replace(/\/+$/, "")
    const timeout = Duration.decode(options.timeout ?? "30 seconds")
    const codecs = new Map<string, Codec>()
    const codecOf = (e: Endpoints.AnyEndpoint): Codec => {
      let c = codecs.get(e.name)
      if (c === undefined) {
        c = {
          encode: Schema.encodeUnknown(e.request, { onExcessProperty: "error" }),
          decode: Schema.decodeUnknown(e.reply)
        }
        codecs.set(e.name, c)
      }
      return c
    }

    const noReply = (e: Endpoints.AnyEndpoint, request: unknown, reason: "Timeout" | "Network", detail: string) =>
      e.mutating
        ? new OutcomeUnknown({
          endpoint: e.name,
          reason: `${reason}: ${detail}`,
          request,
          ...(customTagOf(request) !== undefined ? { customTag: customTagOf(request)! } : {})
        })
        : new TransportError({ endpoint: e.name, reason, detail })

    const readBody = (e: Endpoints.AnyEndpoint, request: unknown, res: HttpClientResponse.HttpClientResponse) =>
      res.text.pipe(Effect.mapError((err) => noReply(e, request, "Network", err.message)))

    const call = <E extends Endpoints.AnyEndpoint>(
      e: E,
      request: Endpoints.RequestOf<E>,
      token?: Redacted.Redacted<string>
    ): Effect.Effect<Endpoints.ReplyOf<E>, GatewayError> =>
      Effect.gen(function*() {
        // The token and the API key go to the base URL's host only: a path not starting with "/" could change it.
        if (!e.path.startsWith("/")) {
          return yield* new InvalidRequest({ endpoint: e.name, path: "", detail: `path "${e.path}" leaves the base URL` })
        }
        const codec = codecOf(e)
        let req = HttpClientRequest.post(base + e.path).pipe(HttpClientRequest.acceptJson)
        if (!e.emptyBody) {
          const body = yield* codec.encode(request).pipe(
            Effect.mapError((err) => new InvalidRequest({ endpoint: e.name, ...describeParseError(err) }))
          )
          req = HttpClientRequest.bodyUnsafeJson(req, body)
        }
        if (e.authenticated) {
          if (token === undefined) return yield* new Unauthorized({ endpoint: e.name })
          req = HttpClientRequest.setHeader(req, "authorization", `Bearer ${Redacted.value(token)}`)
        }
        const exchange = Effect.flatMap(
          http.execute(req).pipe(Effect.mapError((err) => noReply(e, request, "Network", err.message))),
          (res) => Effect.map(readBody(e, request, res), (text) => [res, text] as const)
        )
        const [res, text] = yield* exchange.pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => noReply(e, request, "Timeout", `no reply within ${Duration.format(timeout)}`)
          })
        )
        if (res.status === 401) return yield* new Unauthorized({ endpoint: e.name })
        if (res.status === 429) {
          const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
          const retryAfter = parseRetryAfter(res.headers["retry-after"], now)
          return yield* new RateLimited({ endpoint: e.name, ...(retryAfter ? { retryAfter } : {}) })
        }
        if (res.status >= 500) return yield* new ServerError({ endpoint: e.name, status: res.status, body: text })
        if (res.status < 200 || res.status >= 300) {
          return yield* new UnexpectedStatus({ endpoint: e.name, status: res.status, body: text })
        }
        const json = yield* Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: () => new DecodeError({ endpoint: e.name, path: "", detail: `not JSON: ${text.slice(0, 100)}` })
        })
        const envelope = yield* decodeEnvelope(json).pipe(
          Effect.mapError((err) => new DecodeError({ endpoint: e.name, ...describeParseError(err) }))
        )
        if (!envelope.success) {
          return yield* new Rejected({
            endpoint: e.name,
            errorCode: envelope.errorCode,
            errorName: ErrorCodes.name(e.errors, envelope.errorCode),
            ...(envelope.errorMessage != null ? { errorMessage: envelope.errorMessage } : {})
          })
        }
        return (yield* codec.decode(json).pipe(
          Effect.mapError((err) => new DecodeError({ endpoint: e.name, ...describeParseError(err) }))
        )) as Endpoints.ReplyOf<E>
      })

    const ping: Effect.Effect<string, GatewayError> = Effect.gen(function*() {
      const res = yield* http.get(base + Endpoints.pingPath)
      if (res.status >= 500) return yield* new ServerError({ endpoint: "ping", status: res.status })
      if (res.status !== 200) return yield* new UnexpectedStatus({ endpoint: "ping", status: res.status })
      return yield* res.text
    }).pipe(
      Effect.catchTags({
        RequestError: (err) => new TransportError({ endpoint: "ping", reason: "Network", detail: err.message }),
        ResponseError: (err) => new TransportError({ endpoint: "ping", reason: "Network", detail: err.message })
      }),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new TransportError({ endpoint: "ping", reason: "Timeout", detail: "no reply" })
      })
    )

    const methods = Object.fromEntries(
      Object.values(Endpoints.all).map((e) => [
        e.name,
        (request: unknown, token?: Redacted.Redacted<string>) => call(e as Endpoints.AnyEndpoint, request, token)
      ])
    ) as unknown as Methods

    return { ...methods, call, ping, options } satisfies Service
  })

const customTagOf = (request: unknown): string | undefined =>
  typeof request === "object" && request !== null && "customTag" in request && typeof request.customTag === "string"
    ? request.customTag
    : undefined

/**
 * The client, given an HttpClient.
 *
 * @since 0.1.0
 */
export const layer = (options: GatewayClientOptions): Layer.Layer<GatewayClient, never, HttpClient.HttpClient> =>
  Layer.effect(GatewayClient, make(options))
