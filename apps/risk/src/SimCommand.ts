/**
 * `tradeguard sim --port <p> --seed <n> [--single-session] [--tick-ms <ms>]`: the ProjectX gateway simulator
 * (REST, both hubs, admin endpoints) on 127.0.0.1, as `pnpm sim` serves it. Prints one line
 * `simulator listening on http://127.0.0.1:<port>` and serves until interrupted (Ctrl-C, SIGTERM).
 * Credentials: userName `demo`, apiKey `demo-api-key`.
 *
 * @since 0.3.0
 */
import { Server } from "@tradeguard/simulator"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { CommandFailed } from "./internal/commandFailed.js"

/**
 * What `sim` is run with.
 *
 * @since 0.3.0
 */
export interface SimOptions {
  readonly port: number
  readonly seed: number
  /** A new login ends the user's other sessions (GatewayLogout on their hubs, 401 on their REST calls). */
  readonly singleSession: boolean
  readonly tickMs: number
}

/**
 * Serves the simulator until interrupted; a port out of range or in use is one clear error (exit 1).
 *
 * @since 0.3.0
 */
export const run = (options: SimOptions) =>
  Effect.gen(function*() {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      return yield* new CommandFailed({ message: `tradeguard sim: --port must be 0..65535, got ${options.port}`, code: 2 })
    }
    if (options.tickMs <= 0) {
      return yield* new CommandFailed({ message: `tradeguard sim: --tick-ms must be positive, got ${options.tickMs}`, code: 2 })
    }
    return yield* Effect.gen(function*() {
      const port = yield* Server.port
      yield* Console.log(
        `simulator listening on http://127.0.0.1:${port} (seed ${options.seed}${options.singleSession ? ", single session" : ""})`
      )
      return yield* Effect.never
    }).pipe(
      Effect.provide(Server.layerSimulator({
        port: options.port,
        seed: options.seed,
        tickInterval: options.tickMs,
        singleSessionPerUser: options.singleSession
      })),
      Effect.catchAll((e) => new CommandFailed({ message: `tradeguard sim: ${e.message}`, code: 1 }))
    )
  })
