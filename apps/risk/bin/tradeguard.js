#!/usr/bin/env node
// The `tradeguard` command: runs the built entry point (dist/src/bin.js). This file is part of the
// source tree, so installing the workspace links the command before anything is built.
import "../dist/src/bin.js"
