/**
 * ResilientGateway: the same typed API as GatewayClient, composed as
 * token -> rate limiter -> circuit breaker -> HTTP -> classify -> retry what is
 * safe. Tokens are handled inside: callers pass only the request.
 *
 * @since 0.1.0
 */
import type { Endpoints } from "@tradeguard/gateway"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { ResilientError } from "./Errors.js"

/** Enforcement calls (cancel, close) go ahead of reads when the rate-limit queue is long. */
export type Priority = "enforcement" | "normal"

export interface CallOptions {
  readonly priority?: Priority
}

/** The endpoints a program calls through ResilientGateway (auth is the TokenManager's). */
export type EndpointName = Exclude<Endpoints.EndpointName, `auth${string}`>

type Call<E> = (
  request: Endpoints.RequestOf<E>,
  options?: CallOptions
) => Effect.Effect<Endpoints.ReplyOf<E>, ResilientError>

export type Methods = { readonly [K in EndpointName]: Call<Endpoints.Endpoints[K]> }

export interface Service extends Methods {
  readonly call: <E extends Endpoints.AnyEndpoint>(
    endpoint: E,
    request: Endpoints.RequestOf<E>,
    options?: CallOptions
  ) => Effect.Effect<Endpoints.ReplyOf<E>, ResilientError>
}

export class ResilientGateway extends Context.Tag("@tradeguard/resilience/ResilientGateway")<
  ResilientGateway,
  Service
>() {}
