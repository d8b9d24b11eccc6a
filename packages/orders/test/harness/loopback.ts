/**
 * The OrderManager over a loopback simulator: the simulator served on a free port (real HTTP and WebSocket
 * hubs, `Server.layer`), the real stack on it (`Stack.layer`: NodeHttpClient + SignalR), a store and the
 * manager. The served app goes through a {@link Gate}: every request is logged as it arrives, the reply of a
 * chosen path can be held back forever (after the simulator applied the request), and a chosen path can be
 * applied later, when the test says so, whether or not its client is still there.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Stack } from "@tradeguard/runtime"
import { Server, Simulator } from "@tradeguard/simulator"
import type { Options as SimulatorOptions } from "@tradeguard/simulator/Options"
import { Database, OrderIntents, StoreConfig } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as OrderConfig from "../../src/OrderConfig.js"
import * as OrderManager from "../../src/OrderManager.js"

/** The paths of the gateway's REST calls the tests look at (lower case, as logged). */
export const paths = { orderPlace: "/api/order/place", orderSearch: "/api/order/search" } as const

/** The request log of the served app and the replies it holds back. */
export class Gate extends Context.Tag("orders/test/Gate")<Gate, {
  /** Every request path (lower case), in arrival order. */
  readonly log: Array<string>
  /** Paths whose reply is never sent (the request is applied first); the connection stays open. */
  readonly holdReplies: Set<string>
  /**
   * Paths whose requests are applied only when the Deferred is done, even if the client went away meanwhile
   * (as a gateway that keeps processing a request whose caller died).
   */
  readonly detached: Map<string, Deferred.Deferred<void>>
  /** The paths of detached requests the simulator applied, in order. */
  readonly applied: Array<string>
}>() {}

/** How many requests to `path` have arrived. */
export const requests = (path: string): Effect.Effect<number, never, Gate> =>
  Effect.map(Gate, (gate) => gate.log.filter((p) => p === path).length)

const gated = <E>(app: HttpApp.Default<E>, gate: Context.Tag.Service<Gate>): HttpApp.Default<E> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0]!.toLowerCase()
    gate.log.push(path)
    const release = gate.detached.get(path)
    if (release !== undefined) {
      yield* Effect.ignore(request.text) // read now: the daemon below may run after the client is gone
      const applied = yield* Effect.forkDaemon(Deferred.await(release).pipe(
        Effect.zipRight(app),
        Effect.tap(() => Effect.sync(() => gate.applied.push(path))),
        Effect.provideService(HttpServerRequest.HttpServerRequest, request)
      ))
      return yield* Fiber.join(applied)
    }
    const response = yield* app
    if (gate.holdReplies.has(path)) return yield* Effect.never
    return response
  })

/** The simulator served on a free loopback port through a {@link Gate}: its services, the HttpServer and the Gate. */
export const served = (options: SimulatorOptions = {}) => {
  const gate = Layer.sync(Gate, () => ({ log: [], holdReplies: new Set<string>(), detached: new Map(), applied: [] }))
  const wrapped = Layer.effect(
    Simulator.Simulator,
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      return { ...sim, app: gated(sim.app, yield* Gate) }
    })
  )
  return Server.layer().pipe(
    Layer.provide(wrapped),
    Layer.provideMerge(Layer.merge(gate, Simulator.layer({ seed: 7, ...options })))
  )
}

/** The base URL of the served simulator. */
export const baseUrl = Effect.map(Server.port, (port) => `http://127.0.0.1:${port}`)

/** The stack config for the loopback simulator at `url` (quiet resilience logs). */
export const stackConfig = (url: string) => ({
  api: { baseUrl: url },
  logging: { resilience: { tokenRefresh: false, errorRetries: false, circuitBreaker: false } }
})

/** The store's settings for a database file at `path`. */
export const fileSettings = (path: string) => StoreConfig.make({ path })

/** The store on a database file (`Database.layer`, migrated). */
export const fileStore = (path: string) => OrderIntents.layer.pipe(Layer.provideMerge(Database.layer(fileSettings(path))))

/** The store in memory. */
export const memoryStore = OrderIntents.layer.pipe(Layer.provideMerge(Database.layerMemory()))

/**
 * The manager (with start-up recovery) over the real stack on the served simulator, logged in as the demo
 * user, and the store; the simulator's services stay visible.
 */
export const layer = (options: {
  readonly config?: OrderConfig.OrderManagementInput
  readonly simulator?: SimulatorOptions
} = {}) => {
  const stack = Layer.unwrapEffect(Effect.map(baseUrl, (url) => Stack.layer(stackConfig(url)))).pipe(
    Layer.provide(Stack.credentials(TestStack.demoCredentials))
  )
  return OrderManager.layer.pipe(
    Layer.provideMerge(OrderConfig.layer(options.config ?? {})),
    Layer.provideMerge(memoryStore),
    Layer.provideMerge(stack),
    Layer.provideMerge(served(options.simulator))
  )
}

/** Polls `check` every 50 ms (`times` times: ~20 s by default) until it holds; dies (saying `what`, evaluated then) when it never does. */
export const eventually = <E, R>(
  what: string | (() => string),
  check: Effect.Effect<boolean, E, R>,
  times = 400
): Effect.Effect<void, E, R> =>
  check.pipe(
    Effect.filterOrFail((ok) => ok, () => "not yet" as const),
    Effect.retry({ schedule: Schedule.spaced("50 millis"), times, while: (e) => e === "not yet" }),
    Effect.catchIf((e): e is "not yet" => e === "not yet", () => Effect.dieMessage(`never happened: ${typeof what === "string" ? what : what()}`)),
    Effect.asVoid
  )
