/**
 * The `tradeguard` command line: `demo`, `config check <file>`.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as AppConfig from "./AppConfig.js"
import * as Demo from "./Demo.js"

const configCheck = Command.make(
  "check",
  { file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDefault("config.yaml")) },
  ({ file }) =>
    AppConfig.load(file).pipe(
      Effect.flatMap((c) =>
        Console.log(
          `${file}: valid. gateway ${c.api.baseUrl}, token storage ${c.authentication.storage.type}, ` +
            `limits history ${c.errorHandling.rateLimit.history.requests}/${c.errorHandling.rateLimit.history.windowSeconds}s ` +
            `general ${c.errorHandling.rateLimit.general.requests}/${c.errorHandling.rateLimit.general.windowSeconds}s`
        )
      ),
      Effect.catchTag("ConfigError", (e) =>
        Console.error(e.message).pipe(Effect.zipRight(Effect.sync(() => {
          process.exitCode = 1
        }))))
    )
).pipe(Command.withDescription("Decode a config.yaml and report every invalid key by its path."))

const config = Command.make("config").pipe(
  Command.withSubcommands([configCheck]),
  Command.withDescription("Configuration commands.")
)

const demo = Command.make(
  "demo",
  { seed: Options.integer("seed").pipe(Options.withDefault(7), Options.withDescription("simulator seed")) },
  ({ seed }) => Demo.run({ seed })
).pipe(Command.withDescription("Run the daemon's runtime against the embedded simulator on loopback and narrate it."))

export const command = Command.make("tradeguard").pipe(Command.withSubcommands([demo, config]))

export const cli = Command.run(command, { name: "tradeguard", version: "0.1.0" })
