/**
 * The `tradeguard` command line: `run`, `status`, `unlock`, `audit`, `demo`, `sim`, `config check <file>`.
 *
 * Every error is one clear message on stderr and a non-zero exit code:
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | done (`config check`: valid, possibly with `warning:` lines) |
 * | 1 | the configuration is invalid or unreadable; the demo failed |
 * | 2 | bad usage: unknown command, bad option value (see `tradeguard --help`) |
 *
 * `tradeguard status` has its own, for scripts and monitors: 0 the daemon is ready, 1 it answers but is not
 * ready (the status is printed all the same), 2 its status could not be read (no daemon answers, the token was
 * refused, a bad config); `--json` exits the same way.
 *
 * When to use: `bin.ts` runs {@link main} on `process.argv`; tests run it
 * in-process with a captured Console.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as AppConfig from "./AppConfig.js"
import * as Daemon from "./Daemon.js"
import { defaultPace, retailPace } from "./internal/chaosPace.js"
import * as OpsCommands from "./internal/opsCommands.js"

/**
 * A module only some commands need (the demo, the simulator, the chaos session), loaded when one of them runs:
 * `tradeguard run` on a real gateway never loads the simulator's code, which would only take memory.
 */
const lazily = <M, A, E, R>(load: () => Promise<M>, f: (m: M) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.promise(load), f)

/** The exit codes of {@link main}. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const

/** A command failed: `message` goes to stderr, the process exits with `code`. */
export { CommandFailed } from "./internal/commandFailed.js"
import { CommandFailed } from "./internal/commandFailed.js"

/** `config check [file]`: the summary and `warning:` lines on success; every problem, by path, otherwise. */
export const check = (file: string) =>
  AppConfig.load(file).pipe(
    Effect.flatMap((c) =>
      Effect.gen(function*() {
        yield* Console.log(
          `${file}: valid. gateway ${c.api.baseUrl}, token storage ${c.authentication.storage.type}, ` +
            `limits history ${c.errorHandling.rateLimit.history.requests}/${c.errorHandling.rateLimit.history.windowSeconds}s ` +
            `general ${c.errorHandling.rateLimit.general.requests}/${c.errorHandling.rateLimit.general.windowSeconds}s`
        )
        for (const w of AppConfig.warnings(c)) yield* Console.error(`warning: ${w}`)
      })
    ),
    Effect.catchTags({
      ConfigError: (e) => new CommandFailed({ message: e.message, code: ExitCode.failed }),
      ConfigUnreadable: (e) => new CommandFailed({ message: e.message, code: ExitCode.failed })
    })
  )

const configCheck = Command.make(
  "check",
  { file: Args.text({ name: "file" }).pipe(Args.withDefault("config.yaml"), Args.withDescription("the config.yaml to check")) },
  ({ file }) => check(file)
).pipe(Command.withDescription(
  "Decode a config.yaml and report every invalid key by its path (exit 1); warnings do not change the exit code."
))

const config = Command.make("config").pipe(
  Command.withSubcommands([configCheck]),
  Command.withDescription("Configuration commands.")
)

const demo = Command.make(
  "demo",
  { seed: Options.integer("seed").pipe(Options.withDefault(7), Options.withDescription("simulator seed")) },
  ({ seed }) => lazily(() => import("./Demo.js"), (Demo) => Demo.run({ seed }))
).pipe(Command.withDescription("Run the daemon's runtime against the embedded simulator on loopback and narrate it."))

const configFile = Options.file("config").pipe(
  Options.withDefault("config.yaml"),
  Options.withDescription("the config.yaml (default config.yaml)")
)

const run = Command.make(
  "run",
  {
    config: configFile,
    simulator: Options.boolean("simulator").pipe(
      Options.withDescription("start the embedded simulator on loopback and point everything at it (demo credentials)")
    )
  },
  (o) => Daemon.run(o)
).pipe(Command.withDescription("Run the risk daemon: connect, reconcile, enforce the risk rules until SIGINT or SIGTERM (exit 0)."))

const sim = Command.make(
  "sim",
  {
    port: Options.integer("port").pipe(Options.withDefault(0), Options.withDescription("port on 127.0.0.1 (0: any free port)")),
    seed: Options.integer("seed").pipe(Options.withDefault(1), Options.withDescription("seed of prices and faults")),
    singleSession: Options.boolean("single-session").pipe(
      Options.withDescription("a new login ends the user's other sessions, as the live gateway may")
    ),
    tickMs: Options.integer("tick-ms").pipe(Options.withDefault(1000), Options.withDescription("price tick interval (ms)"))
  },
  (o) => lazily(() => import("./SimCommand.js"), (SimCommand) => SimCommand.run(o))
).pipe(Command.withDescription("Serve the ProjectX gateway simulator (REST, both hubs, admin endpoints) on loopback."))

const chaos = Command.make(
  "chaos",
  {
    seed: Options.integer("seed").pipe(Options.withDefault(1), Options.withDescription("seed of the session: prices, bots, faults")),
    hours: Options.float("hours").pipe(Options.withDefault(24), Options.withDescription("simulated hours (fractions allowed)")),
    pace: Options.float("pace").pipe(
      Options.withDefault(defaultPace),
      Options.withDescription(
        `the bots' pace: user-hub events a simulated second on average, with bursts (a retail trader: ${retailPace})`
      )
    )
  },
  (o) => lazily(() => import("./Chaos.js"), (Chaos) => Chaos.command({ seed: o.seed, hours: o.hours, pace: o.pace }))
).pipe(Command.withDescription(
  "A simulated trading session of random faults, in-process: the whole daemon against the embedded simulator in " +
    "simulated time, bots trading three accounts all session long (--pace user-hub events/s on average, calm minutes " +
    "and bursts; a locked account's share is taken up by the others), " +
    "hub drops and stalls, lost events, 5xx bursts, 429 pressure, dropped replies, token expiry, forced logout and " +
    "daily-loss breaches. Prints each invariant and its figure; exit 1 if one fails."
))

const opsUrl = Options.text("ops").pipe(
  Options.optional,
  Options.withDescription("the daemon's ops endpoint (default: the config's ops host and port, http://127.0.0.1:9464)")
)
const configGiven = Options.file("config").pipe(
  Options.optional,
  Options.withDescription("the config.yaml (default config.yaml; its defaults when there is none)")
)
const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of tables"))
const target = (o: { readonly config: Option.Option<string>; readonly ops: Option.Option<string> }) => ({
  config: Option.getOrElse(o.config, () => "config.yaml"),
  configGiven: Option.isSome(o.config),
  ops: Option.getOrUndefined(o.ops),
  env: process.env
})

const status = Command.make(
  "status",
  { ops: opsUrl, config: configGiven, json },
  (o) => OpsCommands.status({ ...target(o), json: o.json })
).pipe(Command.withDescription(
  "Print the running daemon's status: readiness, accounts against their limits, locks, hubs, breakers, limiter, " +
    "last reconciliation and enforcements (--json: as JSON). Exit codes (the same with --json): 0 the daemon is ready; " +
    "1 it answers but is not ready (starting, degraded or stopping; the status is printed all the same); " +
    "2 its status could not be read (no daemon answers, the token was refused, no answer in time, a bad config)."
))

const unlock = Command.make(
  "unlock",
  {
    account: Args.integer({ name: "account" }).pipe(Args.withDescription("the account id")),
    reason: Options.text("reason").pipe(Options.withDescription("why the lock ends (audited)")),
    ops: opsUrl,
    config: configGiven
  },
  (o) => OpsCommands.unlock({ ...target(o), account: o.account, reason: o.reason })
).pipe(Command.withDescription(
  "End an account's lock through the running daemon (POST /unlock), or through the database when no daemon answers " +
    "and no live daemon holds the database's lease (else one line names that daemon: pid, host, since); logged and audited."
))

const audit = Command.make(
  "audit",
  {
    account: Options.integer("account").pipe(Options.optional, Options.withDescription("only this account")),
    since: Options.text("since").pipe(
      Options.optional,
      Options.withDescription("from this time (2026-12-01, 2026-12-01T14:00Z) or age (30m, 24h, 7d)")
    ),
    config: configGiven,
    json
  },
  (o) =>
    OpsCommands.audit({
      ...target({ config: o.config, ops: Option.none() }),
      account: Option.getOrUndefined(o.account),
      since: Option.getOrUndefined(o.since),
      json: o.json
    })
).pipe(Command.withDescription("Print the enforcement log (decisions, actions, locks, unlocks) from the database."))

/** The command tree. */
export const command = Command.make("tradeguard").pipe(
  Command.withSubcommands([run, status, unlock, audit, chaos, demo, sim, config])
)

/** @effect/cli's runner of {@link command}: fails with what a command fails with, or a ValidationError. */
export const cli = Command.run(command, { name: "tradeguard", version: "0.1.0" })

/** The one line an unexpected failure prints. */
const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * Turns a run of the CLI into its exit code, printing every error as one
 * message: usage errors (already described by @effect/cli) get a pointer to
 * `--help` (exit 2), a {@link CommandFailed} its message and code, anything
 * else one `tradeguard: <message>` line (exit 1). Never a raw cause.
 */
export const report = <R>(run: Effect.Effect<unknown, unknown, R>): Effect.Effect<number, never, R> =>
  run.pipe(
    Effect.as(ExitCode.ok as number),
    Effect.catchAll((error) => {
      if (ValidationError.isValidationError(error)) {
        return Effect.as(Console.error("Run `tradeguard --help` for usage."), ExitCode.usage)
      }
      if (error instanceof CommandFailed) return Effect.as(Console.error(error.message), error.code)
      return Effect.as(Console.error(`tradeguard: ${describe(error)}`), ExitCode.failed)
    }),
    Effect.catchAllCause((cause) =>
      Effect.as(Console.error(`tradeguard: unexpected failure: ${Cause.pretty(cause)}`), ExitCode.failed)
    )
  )

/** Runs the CLI on `argv` (as `process.argv`: node, script, args...) and succeeds with the exit code (see {@link report}). */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment> =>
  report(cli(argv))
