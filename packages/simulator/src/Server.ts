/**
 * Serves the simulator's REST app and its SignalR hubs (`/hubs/user`,
 * `/hubs/market`) on one real socket with `@effect/platform-node`
 * (127.0.0.1 by default; port 0 picks a free port).
 * A reply dropped by the fault plan destroys the connection, so the client
 * sees a reset after the change was applied.
 *
 * @since 0.1.0
 */
import * as HttpServer from "@effect/platform/HttpServer"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import * as HubServer from "./HubServer.js"
import type { Options } from "./Options.js"
import type { ReplyDropped } from "./RestApi.js"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as Simulator from "./Simulator.js"

/**
 * Where the server listens.
 *
 * @since 0.1.0
 */
export interface ServerOptions {
  /** Default 0: any free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
}

/**
 * The app for a socket: a dropped reply destroys the connection instead of answering.
 *
 * @since 0.1.0
 */
export const socketApp = (app: HttpApp.Default<ReplyDropped>): HttpApp.Default =>
  Effect.catchTag(app, "ReplyDropped", () =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      NodeHttpServerRequest.toServerResponse(request).destroy()
      return Effect.interrupt
    }))

/**
 * Serves the Simulator in context on a socket: the REST app on `request`, the
 * hubs (`HubServer`) on `upgrade`. Closing the layer breaks the open hub
 * connections first, so the HTTP server can close.
 *
 * @since 0.1.0
 */
export const layer = (options: ServerOptions = {}): Layer.Layer<HttpServer.HttpServer, ServeError, Simulator.Simulator> =>
  Layer.unwrapEffect(Effect.map(Simulator.Simulator, (sim) => {
    const server = createServer()
    const handlers = Layer.scopedDiscard(Effect.gen(function*() {
      const request = yield* NodeHttpServer.makeHandler(socketApp(sim.app))
      const upgrade = yield* HubServer.makeUpgradeHandler(sim.hubs, sim.config.hubHandshakeMillis)
      server.on("request", request)
      server.on("upgrade", upgrade)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          server.off("request", request)
          server.off("upgrade", upgrade)
        })
      )
    }))
    return handlers.pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => server, { port: options.port ?? 0, host: options.host ?? "127.0.0.1" }))
    )
  }))

/**
 * A simulator for `options` served on a socket: the simulator's services and the HttpServer (for its address).
 *
 * @since 0.1.0
 */
export const layerSimulator = (
  options: Options & ServerOptions = {}
): Layer.Layer<HttpServer.HttpServer | Simulator.Provided, ServeError> =>
  layer(options).pipe(Layer.provideMerge(Simulator.layer(options)))

/**
 * The port the server in context listens on.
 *
 * @since 0.1.0
 */
export const port: Effect.Effect<number, never, HttpServer.HttpServer> = Effect.map(
  HttpServer.HttpServer,
  (server) => (server.address._tag === "TcpAddress" ? server.address.port : 0)
)
