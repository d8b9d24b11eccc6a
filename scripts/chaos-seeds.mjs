#!/usr/bin/env node
/**
 * `pnpm chaos:seeds --scenario <name> --seeds <n | list>`: runs one of the
 * seed's chaos scenarios with any number of seeds and names the failing ones.
 *
 * - `--scenario`: chaos1 (packages/orders/test/Chaos.test.ts), chaos2, chaos4,
 *   chaos5 (packages/resilience/test/Chaos.test.ts), chaos3
 *   (packages/realtime/test/Chaos.test.ts), or chaos4r / chaos5r (4 and 5
 *   with the rules running: packages/rules/test/Chaos.rateLimit.test.ts,
 *   Chaos.breaker.test.ts); `3` or `chaos 3` work too.
 * - `--seeds`: a count (`20`: the first 20 of the tests' fixed seed sequence,
 *   `seedList` of @tradeguard/testing's Seeds) or a list (`1,7,42`; one seed: `7,`).
 *
 * One vitest run of the scenario's test file, filtered to the scenario, with
 * `TRADEGUARD_CHAOS_SEED_COUNT` or `TRADEGUARD_CHAOS_SEEDS` set: each seed is
 * one test (`... (seed N)`). Prints `seed N: pass` or `seed N: FAIL (reason)`
 * per seed, then the failing seeds; exits non-zero when any seed failed (or
 * none ran).
 */
/* global process, console */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

const scenarios = {
  chaos1: { project: "orders", file: "test/Chaos.test.ts", title: "1\\. faults at random points of order placement" },
  chaos2: { project: "resilience", file: "test/Chaos.test.ts", title: "2\\. token expiry mid-operation" },
  chaos3: { project: "realtime", file: "test/Chaos.test.ts", title: "3\\. SignalR disconnection during high volume" },
  chaos4: { project: "resilience", file: "test/Chaos.test.ts", title: "4\\. rate-limit burst" },
  chaos5: { project: "resilience", file: "test/Chaos.test.ts", title: "5\\. server error cascade" },
  chaos4r: { project: "rules", file: "test/Chaos.rateLimit.test.ts", title: "4r\\. rate-limit burst" },
  chaos5r: { project: "rules", file: "test/Chaos.breaker.test.ts", title: "5r\\. server error cascade" }
}

const usage = () => {
  console.error("usage: pnpm chaos:seeds --scenario <chaos1|chaos2|chaos3|chaos4|chaos5|chaos4r|chaos5r> --seeds <count | s1,s2,...>")
  process.exit(2)
}

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}

/** `--seeds`: a list when it has a comma, else a count. */
const parseSeeds = (raw) => {
  if (raw === undefined || raw.trim() === "") return undefined
  if (raw.includes(",")) {
    const seeds = raw.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number)
    return seeds.length > 0 && seeds.every((s) => Number.isSafeInteger(s) && s >= 0) ? { list: seeds } : undefined
  }
  const n = Number(raw)
  return Number.isSafeInteger(n) && n >= 1 ? { count: n } : undefined
}

const scenarioName = (arg("scenario") ?? "").replace(/\s+/g, "").toLowerCase()
const scenario = scenarios[scenarioName] ?? scenarios[`chaos${scenarioName}`]
const seeds = parseSeeds(arg("seeds"))
if (scenario === undefined || seeds === undefined) usage()

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-chaos-")), "report.json")
const env = { ...process.env }
delete env.TRADEGUARD_CHAOS_SEEDS
delete env.TRADEGUARD_CHAOS_SEED_COUNT
if (seeds.list !== undefined) env.TRADEGUARD_CHAOS_SEEDS = seeds.list.join(",")
else env.TRADEGUARD_CHAOS_SEED_COUNT = String(seeds.count)

console.log(`chaos:seeds: ${scenarioName} (${scenario.project} ${scenario.file}), ${seeds.list?.join(", ") ?? `${seeds.count} seeds`}`)
const run = spawnSync(
  process.execPath,
  [
    path.join(root, "node_modules", "vitest", "vitest.mjs"),
    "run",
    "--project", scenario.project,
    scenario.file,
    "-t", scenario.title,
    "--reporter=dot",
    "--reporter=json",
    `--outputFile.json=${out}`
  ],
  { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] }
)

const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")
/** The first line of the first failure message, without ANSI colours. */
const reason = (t) =>
  (t.failureMessages?.[0] ?? "failed").replace(ansi, "").split("\n").find((l) => l.trim() !== "")?.trim() ??
    "failed"

let results = []
try {
  const report = JSON.parse(fs.readFileSync(out, "utf8"))
  results = report.testResults.flatMap((f) => f.assertionResults)
    .map((t) => ({ t, m: /\(seed (\d+)\)$/.exec(t.title) }))
    .filter(({ m, t }) => m !== null && t.status !== "pending" && t.status !== "skipped")
    .map(({ m, t }) => ({ seed: Number(m[1]), pass: t.status === "passed", reason: t.status === "passed" ? "" : reason(t) }))
} catch (e) {
  console.error(`chaos:seeds: no report from vitest (exit ${run.status}): ${e.message}`)
  process.exit(1)
}

console.log("")
for (const r of results) console.log(`seed ${r.seed}: ${r.pass ? "pass" : `FAIL (${r.reason})`}`)
const failing = results.filter((r) => !r.pass).map((r) => r.seed)
if (results.length === 0) {
  console.log("chaos:seeds: no seed ran")
  process.exit(1)
}
console.log(failing.length === 0 ? `all ${results.length} seeds passed` : `failing seeds: ${failing.join(",")}`)
process.exit(failing.length === 0 && run.status === 0 ? 0 : 1)
