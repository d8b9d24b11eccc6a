/**
 * `tradeguard run [--config <file>] [--simulator]`: the risk daemon. Loads the config, takes the gateway user
 * from the environment (`PROJECTX_USERNAME`, `PROJECTX_API_KEY`, and the token file's key, by default
 * `TRADEGUARD_TOKEN_KEY`; each missing one is named with how to get it), starts the ops endpoint (see Ops), then
 * runs the start-up sequence of {@link Runtime.layerWithRules} step by step: token, hubs, initial reconciliation,
 * the database, the verification of unfinished order intents, then the rules. The daemon's phase
 * (`Starting { step }`, `Running`, `Stopping`) is what `/readyz` reports meanwhile. A step that fails is named in
 * the one-line error and the exit code is 1.
 * SIGINT/SIGTERM close everything in reverse order (rules, orders, database, hubs) and exit 0; a restart resumes
 * the locks and any unfinished enforcement from the database.
 *
 * With `--simulator` the embedded simulator is started on loopback and everything points at it (its demo user,
 * a generated token key): a dry run of a config without an account.
 *
 * @since 0.3.0
 */
import { AccountState, HubConnection, type HubTransport, StateReconciler } from "@tradeguard/realtime"
import { Accounts, Enforcer, MarketData } from "@tradeguard/rules"
import { Stack } from "@tradeguard/runtime"
import { SessionConflicts, type TokenManager } from "@tradeguard/resilience"
import type { Options as SimulatorOptions } from "@tradeguard/simulator"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as crypto from "node:crypto"
import * as Alerts from "./Alerts.js"
import * as AppConfig from "./AppConfig.js"
import { pendingEnforcements, sessionReasons, watchConflicts, watchReadiness } from "./internal/daemonAlerts.js"
import * as Logging from "./Logging.js"
import { CommandFailed } from "./internal/commandFailed.js"
import * as OpsHandlers from "./internal/opsHandlers.js"
import * as Metrics from "./Metrics.js"
import * as Ops from "./Ops.js"
import type * as Readiness from "./Readiness.js"
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
  /** The embedded simulator's options (seed, tick, `singleSessionPerUser`...; default the simulator's). */
  readonly simulatorOptions?: SimulatorOptions.Options | undefined
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
export const logLevelOf: (level: AppConfig.AppConfig["logging"]["level"]) => LogLevel.LogLevel = Logging.levelOf

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
  /** The daemon's phase: `Running` once started, `Stopping` as soon as its scope starts closing. */
  readonly phase: SubscriptionRef.SubscriptionRef<Readiness.Phase>
  /** Where the ops endpoint listens, and where its token came from. */
  readonly ops: Ops.Listening & { readonly token: Ops.Token }
  /** The alerts (log line, metric, webhook): the rules' breaches, enforcements and escalations, degraded periods. */
  readonly alerts: Alerts.Service
}

/**
 * What the daemon can be started with besides its config: the seams of the ops endpoint.
 *
 * @since 0.3.0
 */
export interface StartOptions {
  /** `/metrics`' exposition (default: the daemon's own Metrics, once it runs; 503 before). */
  readonly metrics?: Effect.Effect<Ops.Exposition> | undefined
  /** More readiness reasons (e.g. session conflicts), asked at every `/readyz` and `/status` once running. */
  readonly extraReasons?: Effect.Effect<ReadonlyArray<Readiness.Reason>> | undefined
  /** Where the ops token variable (`ops.tokenEnv`) is read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Called with each phase as the daemon enters it (tests, a progress line). */
  readonly onPhase?: ((phase: Readiness.Phase) => Effect.Effect<void>) | undefined
}

/**
 * The steps of the start-up sequence, in order: the names `/readyz` gives while starting and a failing step's
 * error names.
 *
 * @since 0.3.0
 */
export const steps = ["ops", "token", "hubs", "reconciliation", "database", "order verification", "rules"] as const

/**
 * Builds the whole daemon over the given transports and credentials in the caller's scope and reports what it
 * guards: first the ops endpoint (so `/healthz` answers and `/readyz` says `starting` with the step), then the
 * start-up sequence step by step ({@link steps}), then the phase is `Running`. The services stay up until the
 * scope closes; the phase turns `Stopping` first.
 *
 * @since 0.3.0
 */
export const startWith = (
  config: AppConfig.AppConfig,
  platform: Layer.Layer<HttpClient.HttpClient | HubTransport.HubTransport | TokenManager.Credentials>,
  options: StartOptions = {}
): Effect.Effect<Started, CommandFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const state = yield* OpsHandlers.makeState("ops")
    // session conflicts (once the token step has built them) join the caller's extra readiness reasons
    const conflictReasons = yield* Ref.make<Effect.Effect<ReadonlyArray<Readiness.Reason>>>(Effect.succeed([]))
    const seams = {
      ...options,
      extraReasons: Effect.zipWith(
        options.extraReasons ?? Effect.succeed([]),
        Effect.flatten(Ref.get(conflictReasons)),
        (extra, conflicts) => [...extra, ...conflicts]
      )
    }
    const enter = (phase: Readiness.Phase) =>
      SubscriptionRef.set(state.phase, phase).pipe(Effect.zipRight(options.onPhase?.(phase) ?? Effect.void))
    const failed = (step: string) => (e: { readonly message: string }) =>
      new CommandFailed({ message: `tradeguard run: start-up failed at ${step}: ${e.message}`, code: 1 })
    const token = yield* Ops.resolveToken(config.ops, config.database.path, options.env ?? process.env).pipe(
      Effect.mapError(failed("ops"))
    )
    const listening = yield* Ops.serve(config.ops, OpsHandlers.handlers(state, seams), token.token).pipe(
      Effect.mapError(failed("ops"))
    )
    yield* Console.log(`ops listening on ${listening.url}`)
    const step = <ROut, E extends { readonly message: string }, C>(
      name: (typeof steps)[number],
      layer: Layer.Layer<ROut, E, NoInfer<C>>,
      context: Context.Context<C>
    ): Effect.Effect<Context.Context<ROut | C>, CommandFailed, Scope.Scope> =>
      enter({ _tag: "Starting", step: name }).pipe(
        Effect.zipRight(Layer.build(Layer.provide(layer, Layer.succeedContext(context)))),
        Effect.map((built) => Context.merge(context, built)),
        Logger.withMinimumLogLevel(logLevelOf(config.logging.level)),
        Effect.mapError(failed(name))
      )
    const base = yield* Layer.build(Layer.merge(platform, Runtime.configLayer(config)))
    const rest = yield* step("token", Runtime.restLayer, base)
    // a GatewayLogout on the user hub is a session conflict, reported before the hub logs in again
    const hubs = yield* step(
      "hubs",
      Stack.reportLogouts.pipe(Layer.provideMerge(Layer.merge(HubConnection.layerUser, HubConnection.layerMarket))),
      rest
    )
    const realtime = yield* step(
      "reconciliation",
      StateReconciler.layer({}).pipe(Layer.provideMerge(AccountState.layer)),
      hubs
    )
    const database = yield* step("database", Runtime.databaseLayer(config), realtime)
    const orders = yield* step("order verification", Runtime.ordersOverDatabase(config), database)
    // the enforcements the rules step is about to resume, for their alerts (the Enforcer starts them unheard)
    const resumed = yield* Effect.provide(pendingEnforcements, orders)
    const context = yield* step("rules", Runtime.rulesLayer(config, Runtime.daemonGuardOptions), orders)
    yield* Stream.runForEach(
      Context.get(context, Enforcer.Enforcer).events,
      (event) => Ref.update(state.escalations, (m) => OpsHandlers.escalationsAfter(m, event))
    ).pipe(Effect.forkScoped)
    const conflicts = Context.get(context, SessionConflicts.SessionConflicts)
    yield* Ref.set(conflictReasons, Effect.map(conflicts.state, sessionReasons))
    // alerts: over the platform's HttpClient, never in the enforcement path (notify only queues)
    const alertsContext = yield* Layer.build(Layer.provide(Alerts.layer(config.alerts), Layer.succeedContext(base)))
    const alerts = Context.get(alertsContext, Alerts.Alerts)
    if (options.metrics === undefined) {
      const metrics = yield* Effect.provide(
        Metrics.make({
          sessionConflicts: Effect.map(conflicts.state, (s) => s.count),
          alerts: Effect.map(alerts.stats, (s) => s.counts),
          quoteRepairs: Context.get(context, MarketData.MarketData).quoteRepairs
        }),
        context
      )
      yield* Ref.set(state.metrics, Effect.map(metrics.render, (body) => ({ contentType: metrics.contentType, body })))
    }
    yield* Effect.provide(Alerts.watchRulesResuming(resumed), Context.merge(context, alertsContext))
    yield* watchConflicts(conflicts.changes, alerts.notify).pipe(Effect.forkScoped)
    yield* Ref.set(state.services, context)
    // the last finalizer runs first: the phase says Stopping before anything closes
    // and /unlock answers 503 from then on (the rules and the database are about to close: an unlock would be lost)
    yield* Effect.addFinalizer(() => Ref.set(state.services, undefined).pipe(Effect.zipRight(enter({ _tag: "Stopping" }))))
    yield* enter({ _tag: "Running" })
    yield* watchReadiness(Effect.map(OpsHandlers.snapshot(state, seams), (s) => s.readiness), alerts.notify).pipe(
      Effect.forkScoped
    )
    const accounts = yield* Context.get(context, Accounts.Accounts).watched
    return {
      baseUrl: config.api.baseUrl,
      accounts,
      mode: config.risk.mode,
      context,
      phase: state.phase,
      ops: { ...listening, token },
      alerts
    }
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
  env: Record<string, string | undefined> = process.env,
  startOptions: StartOptions = {}
): Effect.Effect<Started, CommandFailed, Scope.Scope | FileSystem.FileSystem> =>
  Effect.flatMap(loadConfig(options.config), (loaded) => startLoaded(loaded, options, env, startOptions))

/** Reads and decodes the config file; an invalid or unreadable one is exit code 1. */
const loadConfig = (file: string) =>
  AppConfig.load(file).pipe(Effect.mapError((e) => new CommandFailed({ message: e.message, code: 1 })))

/** {@link start} once the config is loaded. */
const startLoaded = (
  loaded: AppConfig.AppConfig,
  options: RunOptions,
  env: Record<string, string | undefined>,
  startOptions: StartOptions
): Effect.Effect<Started, CommandFailed, Scope.Scope> =>
  Effect.gen(function*() {
    if (options.simulator) {
      // loaded only here: a daemon on a real gateway never loads the simulator's code
      const { Server } = yield* Effect.promise(() => import("@tradeguard/simulator"))
      const simulator = yield* Layer.build(Server.layerSimulator({ ...options.simulatorOptions, port: 0 })).pipe(
        Effect.mapError((e) => new CommandFailed({ message: `tradeguard run: the simulator: ${e.message}`, code: 1 }))
      )
      const port = yield* Effect.provide(Server.port, simulator)
      const config = pointedAt(loaded, `http://127.0.0.1:${port}`)
      const keyEnv = config.authentication.storage.keyEnv
      // The token store reads its key from the process's environment.
      if ((process.env[keyEnv] ?? "") === "") process.env[keyEnv] = crypto.randomBytes(32).toString("hex")
      yield* Console.log(`simulator listening on http://127.0.0.1:${port} (user demo)`)
      yield* holdLeases(config, undefined, env) // the simulator's demo user is its own: no user lease
      return yield* startWith(config, platformFor(config, "demo", "demo-api-key"), { env, ...startOptions })
    }
    const missing = missingEnvironment(loaded, env)
    if (missing.length > 0) {
      return yield* new CommandFailed({
        message: `tradeguard run: missing environment variable(s):\n${missing.map((m) => `  - ${m}`).join("\n")}`,
        code: 1
      })
    }
    yield* holdLeases(loaded, env["PROJECTX_USERNAME"]!, env)
    return yield* startWith(loaded, platformFor(loaded, env["PROJECTX_USERNAME"]!, env["PROJECTX_API_KEY"]!), {
      env,
      ...startOptions
    })
  })

/**
 * `tradeguard run`: {@link start}, one line saying what is guarded, then runs until interrupted (SIGINT, SIGTERM:
 * everything is closed in order and the exit code is 0).
 *
 * @since 0.3.0
 */
export const run = (options: RunOptions, startOptions: StartOptions = {}) =>
  Effect.flatMap(loadConfig(options.config), (config) =>
    Effect.scoped(Effect.gen(function*() {
      const started = yield* startLoaded(config, options, process.env, startOptions)
      yield* Console.log(
        `tradeguard running against ${started.baseUrl}: ${started.accounts.length} account(s) guarded ` +
          `(${started.accounts.join(", ")}), mode ${started.mode}`
      )
      return yield* Effect.never
    })).pipe(
      // one logger for the whole run: logging.format, logging.level, secrets redacted (the simulator's demo key too)
      Effect.provide(Logging.layerFor(config, options.simulator ? { secrets: ["demo-api-key"] } : {}))
    ))
