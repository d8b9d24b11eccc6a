/**
 * The enforcement-latency benchmark (issue 11, Acceptance "Benchmark"): from
 * the simulator publishing the quote that breaches a limit of one account to
 * the first cancel/close request of that account arriving at the simulator,
 * over loopback with the real SignalR client, while 50 accounts with 10
 * positions each are watched and 5,000 quotes/s flow; p50/p99 beside the
 * bare SignalR client's (publish → its receipt of the same quote) of the
 * same run. Target: p99 under 10 ms. How it is set up: `harness.ts`; the
 * system under test: `startGuard` in `guard.ts`.
 *
 * Run: `npx tsc -b packages/rules && node packages/rules/dist/bench/enforcement.js [--samples 200] [--warmup 20]
 * [--rate 5000] [--accounts 50] [--positions 10] [--gap 20]` (the package's `bench` script).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as os from "node:os"
import * as Harness from "./harness.js"
import { report } from "./report.js"

const arg = (name: string): number | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : undefined
}
const given = {
  samples: arg("samples"),
  warmup: arg("warmup"),
  rate: arg("rate"),
  accounts: arg("accounts"),
  positions: arg("positions"),
  gapMs: arg("gap")
}
const options: Partial<Harness.Options> = {
  ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
  worker: process.argv.includes("--worker")
}

Effect.runPromise(Harness.run(options)).then(
  (result) => {
    for (const line of report(result, { cpus: os.cpus().length, node: process.version, load: os.loadavg() })) console.log(line)
    if (result.missed > 0 || result.enforcement.length === 0) process.exitCode = 1
    // the SignalR client's and the HTTP agent's sockets may linger a moment: the figures are out
    process.exit()
  },
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
