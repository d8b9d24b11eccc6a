#!/usr/bin/env node
/**
 * `node packages/simulator/dist/src/bin.js --port <p> --seed <n> [--faults <file|json>] [--tick-ms <ms>]`
 *
 * Serves the simulator on 127.0.0.1 (port 0 = any free port) and prints one
 * line: `simulator listening on http://127.0.0.1:<port>`. Logs go to stderr.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { readFileSync } from "node:fs"
import * as FaultPlan from "./FaultPlan.js"
import type { Options } from "./Options.js"
import * as Server from "./Server.js"

const usage = `usage: sim [--port <p>] [--seed <n>] [--faults <file.json|json>] [--tick-ms <ms>]
  --port      port on 127.0.0.1 (default 0: any free port)
  --seed      seed of the price process and the fault plan (default 1)
  --faults    the fault plan at start-up, a JSON file or inline JSON (see the README)
  --tick-ms   interval of the price process in milliseconds (default 1000)
default credentials: userName "demo", apiKey "demo-api-key"`

const fail = (message: string): never => {
  process.stderr.write(`${message}\n${usage}\n`)
  process.exit(2)
}

const parseArgs = (argv: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${usage}\n`)
      process.exit(0)
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (m === null) fail(`unexpected argument: ${arg}`)
    const value = m![2] ?? argv[++i]
    if (value === undefined) fail(`missing value for --${m![1]}`)
    out[m![1]!] = value!
  }
  return out
}

const integer = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  const n = Number(value)
  return Number.isInteger(n) && n >= 0 ? n : fail(`--${name} must be a non-negative integer, got ${value}`)
}

const args = parseArgs(process.argv.slice(2))
for (const k of Object.keys(args)) if (!["port", "seed", "faults", "tick-ms"].includes(k)) fail(`unknown option --${k}`)

const faults = args["faults"] === undefined ? undefined : (() => {
  const text = args["faults"]!.trim().startsWith("{") ? args["faults"]! : readFileSync(args["faults"]!, "utf8")
  return Effect.runSync(
    FaultPlan.decodeJson(text).pipe(Effect.catchAll((e) => Effect.sync(() => fail(`invalid --faults: ${e.message}`))))
  )
})()

const options: Options & Server.ServerOptions = {
  port: integer("port", args["port"], 0),
  seed: integer("seed", args["seed"], 1),
  ...(faults === undefined ? {} : { faults }),
  ...(args["tick-ms"] === undefined ? {} : { tickInterval: integer("tick-ms", args["tick-ms"], 1000) })
}

Effect.gen(function*() {
  const port = yield* Server.port
  yield* Console.log(`simulator listening on http://127.0.0.1:${port}`)
  return yield* Effect.never
}).pipe(
  Effect.provide(Server.layerSimulator(options)),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  NodeRuntime.runMain
)
