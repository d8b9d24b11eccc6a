/**
 * `tradeguard run [--config <file>] [--simulator]`: the risk daemon. Loads the config, takes the gateway user
 * from the environment (`PROJECTX_USERNAME`, `PROJECTX_API_KEY`, and the token file's key, by default
 * `TRADEGUARD_TOKEN_KEY`; each missing one is named with how to get it), then runs the start-up sequence of
 * {@link Runtime.layerWithRules}: token, hubs, initial reconciliation, the store and the verification of unfinished
 * order intents, then the rules. A step that fails is named in the one-line error and the exit code is 1.
 * SIGINT/SIGTERM close everything in reverse order (rules, orders, database, hubs) and exit 0; a restart resumes
 * the locks and any unfinished enforcement from the database.
 *
 * With `--simulator` the embedded simulator is started on loopback and everything points at it (its demo user,
 * a generated token key): a dry run of a config without an account.
 *
 * @since 0.3.0
 */
import type { HubTransport } from "@tradeguard/realtime"
import { Accounts } from "@tradeguard/rules"
import { Stack } from "@tradeguard/runtime"
import type { TokenManager } from "@tradeguard/resilience"
import { Server } from "@tradeguard/simulator"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import type * as Scope from "effect/Scope"
import * as crypto from "node:crypto"
import * as AppConfig from "./AppConfig.js"
import { CommandFailed } from "./internal/commandFailed.js"
import { holdLeases } from "./internal/lease.js"
import * as Runtime from "./Runtime.js"

/**
 * What `run` is run with.
 *
 * @since 0.3.0
 */
export interface RunOptions {
  /** The config file (default `config.yaml`). */
  readonly config: string
  /** Start the embedded simulator on loopback and use it instead of `api.baseUrl`. */
  readonly simulator: boolean
}

/**
 * The environment variables the daemon needs that `env` lacks, each as one line saying how to get it.
 *
 * @since 0.3.0
 */
export const missingEnvironment = (
  config: AppConfig.AppConfig,
  env: Readonly<Record<string, string | undefined>>
): Array<string> => {
  const missing: Array<string> = []
  const set = (name: string) => (env[name] ?? "").trim() !== ""
  if (!set("PROJECTX_USERNAME")) missing.push("PROJECTX_USERNAME: your ProjectX (TopstepX) user name")
  if (!set("PROJECTX_API_KEY")) {
    missing.push("PROJECTX_API_KEY: the API key of that user (ProjectX dashboard: Settings > API)")
  }
  const storage = config.authentication.storage
  if (storage.type === "encrypted" && !set(storage.keyEnv)) {
    missing.push(
      `${storage.keyEnv}: the key of the encrypted token file (${storage.path}), 32 bytes: \`openssl rand -hex 32\``
    )
  }
  return missing
}

/**
 * The config pointed at a simulator at `baseUrl` (REST and both hubs).
 *
 * @since 0.3.0
 */
export const pointedAt = (config: AppConfig.AppConfig, baseUrl: string): AppConfig.AppConfig => ({
  ...config,
  api: { ...config.api, baseUrl },
  signalr: {
    ...config.signalr,
    hubs: { ...config.signalr.hubs, userHubUrl: `${baseUrl}/hubs/user`, marketHubUrl: `${baseUrl}/hubs/market` }
  }
})

/**
 * The minimum log level of `logging.level`.
 *
 * @since 0.3.0
 */
export const logLevelOf = (level: AppConfig.AppConfig["logging"]["level"]): LogLevel.LogLevel => {
  switch (level) {
    case "DEBUG":
      return LogLevel.Debug
    case "INFO":
      return LogLevel.Info
    case "WARNING":
      return LogLevel.Warning
    case "ERROR":
      return LogLevel.Error
  }
}

/**
 * The start-up step an error of {@link Runtime.layerWithRules} comes from.
 *
 * @since 0.3.0
 */
export const stepOf = (error: { readonly _tag: string }): string => {
  switch (error._tag) {
    case "AuthenticationFailed":
    case "TokenStoreConfigError":
      return "token"
    case "DatabaseError":
      return "database"
    case "StoreUnavailable":
      return "order verification"
    default:
      return "start-up"
  }
}

/**
 * What the daemon guards once started.
 *
 * @since 0.3.0
 */
export interface Started {
  /** The gateway (or simulator) REST base URL. */
  readonly baseUrl: string
  /** The accounts guarded. */
  readonly accounts: ReadonlyArray<number>
  /** `risk.mode`. */
  readonly mode: "enforce" | "monitor"
  /** Every service of the running daemon (for the demo, the ops endpoint, tests). */
  readonly context: Context.Context<Runtime.ServicesWithRules>
}

/**
 * Builds the whole daemon over the given transports and credentials in the caller's scope and reports what it
 * guards. The layer's services stay up until the scope closes.
 *
 * @since 0.3.0
 */
export const startWith = (
  config: AppConfig.AppConfig,
  platform: Layer.Layer<HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials>
): Effect.Effect<Started, CommandFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Runtime.layerWithRules(config).pipe(Layer.provide(platform))).pipe(
      Logger.withMinimumLogLevel(logLevelOf(config.logging.level)),
      Effect.mapError((e) =>
        new CommandFailed({ message: `tradeguard run: start-up failed at ${stepOf(e)}: ${e.message}`, code: 1 })
      )
    )
    const accounts = yield* Context.get(context, Accounts.Accounts).watched
    return { baseUrl: config.api.baseUrl, accounts, mode: config.risk.mode, context }
  })

/** The production transports for `config` and the gateway user. */
const platformFor = (config: AppConfig.AppConfig, userName: string, apiKey: string) =>
  Layer.merge(Stack.transportsLayer(config), Stack.credentials({ userName, apiKey }))

/**
 * Loads the config, starts the simulator when asked, checks the environment and starts the daemon in the
 * caller's scope.
 *
 * @since 0.3.0
 */
export const start = (
  options: RunOptions,
  env: Record<string, string | undefined> = process.env
): Effect.Effect<Started, CommandFailed, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const loaded = yield* AppConfig.load(options.config).pipe(
      Effect.mapError((e) => new CommandFailed({ message: e.message, code: 1 }))
    )
    if (options.simulator) {
      const simulator = yield* Layer.build(Server.layerSimulator({ port: 0 })).pipe(
        Effect.mapError((e) => new CommandFailed({ message: `tradeguard run: the simulator: ${e.message}`, code: 1 }))
      )
      const port = yield* Effect.provide(Server.port, simulator)
      const config = pointedAt(loaded, `http://127.0.0.1:${port}`)
      const keyEnv = config.authentication.storage.keyEnv
      // The token store reads its key from the process's environment.
      if ((process.env[keyEnv] ?? "") === "") process.env[keyEnv] = crypto.randomBytes(32).toString("hex")
      yield* Console.log(`simulator listening on http://127.0.0.1:${port} (user demo)`)
      yield* holdLeases(config, undefined, env) // the simulator's demo user is its own: no user lease
      return yield* startWith(config, platformFor(config, "demo", "demo-api-key"))
    }
    const missing = missingEnvironment(loaded, env)
    if (missing.length > 0) {
      return yield* new CommandFailed({
        message: `tradeguard run: missing environment variable(s):\n${missing.map((m) => `  - ${m}`).join("\n")}`,
        code: 1
      })
    }
    yield* holdLeases(loaded, env["PROJECTX_USERNAME"]!, env)
    return yield* startWith(loaded, platformFor(loaded, env["PROJECTX_USERNAME"]!, env["PROJECTX_API_KEY"]!))
  })

/**
 * `tradeguard run`: {@link start}, one line saying what is guarded, then runs until interrupted (SIGINT, SIGTERM:
 * everything is closed in order and the exit code is 0).
 *
 * @since 0.3.0
 */
export const run = (options: RunOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const started = yield* start(options)
    yield* Console.log(
      `tradeguard running against ${started.baseUrl}: ${started.accounts.length} account(s) guarded ` +
        `(${started.accounts.join(", ")}), mode ${started.mode}`
    )
    return yield* Effect.never
  }))
