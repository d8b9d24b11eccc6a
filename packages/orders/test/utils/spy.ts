/** A ResilientGateway that records every call the manager makes (the endpoint and the request), for tests. */
import { ResilientGateway } from "@tradeguard/resilience"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** One call the manager made. */
export interface Call {
  readonly endpoint: string
  readonly request: unknown
  /** The call's options (its rate-limit priority), when given. */
  readonly options?: unknown
}

/** The calls the manager made through the gateway, in order. */
export class Calls extends Context.Tag("@tradeguard/orders/test/Calls")<Calls, { readonly log: Array<Call> }>() {}

/** Wraps the stack's ResilientGateway: every endpoint method records its call first. */
export const layer: Layer.Layer<ResilientGateway.ResilientGateway | Calls, never, ResilientGateway.ResilientGateway> = Layer
  .effectContext(
    Effect.gen(function*() {
      const inner = yield* ResilientGateway.ResilientGateway
      const log: Array<Call> = []
      const wrapped = Object.fromEntries(
        Object.entries(inner).map(([endpoint, method]) =>
          endpoint === "call"
            ? [endpoint, method]
            : [endpoint, (request: unknown, options?: unknown) =>
              Effect.suspend(() => {
                log.push(options === undefined ? { endpoint, request } : { endpoint, request, options })
                return (method as (r: unknown, o?: unknown) => Effect.Effect<unknown>)(request, options)
              })]
        )
      ) as unknown as ResilientGateway.Service
      return Context.make(ResilientGateway.ResilientGateway, wrapped).pipe(Context.add(Calls, { log }))
    })
  )

/** How many times the manager called `endpoint`. */
export const count = (endpoint: string) => Effect.map(Calls, ({ log }) => log.filter((c) => c.endpoint === endpoint).length)
