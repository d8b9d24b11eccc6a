#!/usr/bin/env node
// The `tradeguard` command: runs the built entry point (dist/src/bin.js). This file is part of the
// source tree, so installing the workspace links the command before anything is built.
//
// A long-running daemon keeps its heap close to what is live: by default V8 lets old space grow to several
// times the live heap under a steady stream of quotes (the memory benchmark, apps/risk/bench/memory.ts: 365 MB
// resident for a 46 MB live heap). The flag is set before anything else is loaded, hence the dynamic import.
// Not for `tradeguard chaos`: a short in-process simulation whose wall time counts (the flag's smaller heap
// makes it spend about a third more CPU, much of it in the garbage collector).
import { argv } from "node:process"
import { setFlagsFromString } from "node:v8"

if (argv[2] !== "chaos") setFlagsFromString("--optimize-for-size")
await import("../dist/src/bin.js")
