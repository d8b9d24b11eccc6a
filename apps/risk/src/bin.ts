#!/usr/bin/env node
/**
 * `tradeguard <command>`: see `tradeguard --help`. A thin entry point: the
 * exit code comes from `Cli.main`, which prints every error itself.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { main } from "./Cli.js"

main(process.argv).pipe(
  Effect.flatMap((code) => Effect.sync(() => (process.exitCode = code))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
