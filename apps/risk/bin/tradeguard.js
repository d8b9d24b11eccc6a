#!/usr/bin/env node
// The `tradeguard` command: runs the built entry point (dist/src/bin.js). This file is part of the
// source tree, so installing the workspace links the command before anything is built.
//
// A long-running daemon keeps its heap close to what is live: by default V8 lets old space grow to several
// times the live heap under a steady stream of quotes (the memory benchmark, apps/risk/bench/memory.ts: 365 MB
// resident for a 46 MB live heap). The flag is set before anything else is loaded, hence the dynamic import.
import { setFlagsFromString } from "node:v8"

setFlagsFromString("--optimize-for-size")
await import("../dist/src/bin.js")
