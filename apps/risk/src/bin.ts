#!/usr/bin/env node
/**
 * `tradeguard <command>`: see `tradeguard --help`.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { cli } from "./Cli.js"

cli(process.argv).pipe(Effect.provide(NodeContext.layer), Effect.orDie, NodeRuntime.runMain({ disablePrettyLogger: true }))
