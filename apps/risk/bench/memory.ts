/**
 * The daemon's memory benchmark (issue 12, Acceptance "Memory benchmark"): the resident set size of
 * `tradeguard run` (a real child process) watching 50 accounts with 10 positions each while 5,000 quotes/s flow
 * over loopback, after a minute of warm-up. Target: under 150 MB.
 *
 * Set-up, three processes besides this one:
 * - the exchange: the rules bench's loopback simulator with its quote pump
 *   (`packages/rules/dist/bench/serve.js market`): one user owning `accounts` accounts, each long one contract
 *   in each of `positions` contracts, `rate` quotes/s spread over those contracts;
 * - the daemon: `tradeguard run` (apps/risk/bin/tradeguard.js, the installed command) on a config pointing at it, every account guarded by a
 *   `positionMaxLoss` far out of reach (nothing is enforced: this measures watching);
 * - the baseline, in the same run: the bare `@microsoft/signalr` client subscribed to the same contracts
 *   (`serve.js bare`), the least any process receiving these quotes can use.
 *
 * Printed: the daemon's RSS after the warm-up and its peak over the measuring window, beside the bare client's,
 * and their ratio; the quote rate the pump published and the bare client received; the daemon's CPU use.
 * Exits 1 when the daemon is over the target or died.
 *
 * Run: `npx -y pnpm@10.34.8 build && node apps/risk/dist/bench/memory.js [--warmup 60] [--measure 20]
 * [--accounts 50] [--positions 10] [--rate 5000]` (the package's `bench` script). Linux only (reads /proc).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as child from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const o = {
  warmup: arg("warmup", 60),
  measure: arg("measure", 20),
  accounts: arg("accounts", 50),
  positions: arg("positions", 10),
  rate: arg("rate", 5000)
}
const targetMb = 150
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..")
const serve = path.join(root, "packages/rules/dist/bench/serve.js")
const bin = path.join(root, "apps/risk/bin/tradeguard.js") // the installed command

interface Proc {
  readonly child: child.ChildProcess
  /** Every stdout line so far. */
  readonly lines: Array<string>
}

/** Spawns `node args`, waits (up to `ms`) for a stdout line matching `ready`; killed when the scope closes. */
const spawn = (name: string, args: ReadonlyArray<string>, ready: RegExp, env: Record<string, string> = {}, ms = 120_000) =>
  Effect.acquireRelease(
    Effect.async<Proc, Error>((resume) => {
      const c = child.spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      const lines: Array<string> = []
      let done = false
      let err = ""
      const finish = (r: Effect.Effect<Proc, Error>) => {
        if (!done) {
          done = true
          resume(r)
        }
      }
      let buffered = ""
      c.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString()
        const parts = buffered.split("\n")
        buffered = parts.pop()!
        for (const line of parts) {
          lines.push(line)
          if (ready.test(line)) finish(Effect.succeed({ child: c, lines }))
        }
      })
      c.stderr!.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)))
      c.on("exit", (code) => finish(Effect.fail(new Error(`${name} exited (${code}) before it was ready:\n${err}`))))
      return Effect.sync(() => c.kill("SIGKILL"))
    }).pipe(Effect.timeoutFail({ duration: ms, onTimeout: () => new Error(`${name}: not ready after ${ms} ms`) })),
    (p) => Effect.sync(() => p.child.kill("SIGTERM"))
  )

/** Resident set size (MB) and CPU seconds (user + system) of a process, from /proc. */
const sample = (pid: number) =>
  Effect.sync(() => {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    const cpu = (Number(stat[11]) + Number(stat[12])) / 100 // clock ticks (USER_HZ = 100)
    return { rss, cpu }
  })

const lastNumbers = (lines: ReadonlyArray<string>, prefix: string): ReadonlyArray<number> => {
  const line = [...lines].reverse().find((l) => l.startsWith(prefix))
  return line === undefined ? [Number.NaN] : line.slice(prefix.length).trim().split(" ").map(Number)
}

const program = Effect.gen(function*() {
  const market = yield* spawn(
    "market",
    [serve, "market", "--accounts", `${o.accounts}`, "--positions", `${o.positions}`, "--rate", `${o.rate}`],
    /^market http/
  )
  const baseUrl = market.lines.find((l) => l.startsWith("market "))!.slice("market ".length)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-memory-"))
  yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  const config = path.join(dir, "config.yaml")
  fs.writeFileSync(config, [
    `api: { baseUrl: "${baseUrl}" }`,
    `authentication: { storage: { path: ${JSON.stringify(path.join(dir, "token.enc"))} } }`,
    `database: { path: ${JSON.stringify(path.join(dir, "tradeguard.db"))} }`,
    "logging: { level: WARNING }",
    "risk: { accounts: all, defaults: { positionMaxLoss: { amount: 100000000 } } }"
  ].join("\n"))
  const flags = (process.env["MEMORY_DAEMON_FLAGS"] ?? "").split(" ").filter((f) => f !== "")
  const daemon = yield* spawn("tradeguard run", [...flags, bin, "run", "--config", config], /tradeguard running against/, {
    PROJECTX_USERNAME: "bench-guard",
    PROJECTX_API_KEY: "bench-guard-key",
    TRADEGUARD_TOKEN_KEY: crypto.randomBytes(32).toString("hex"),
    TRADEGUARD_LEASE_DB: path.join(dir, "leases.db")
  })
  const bare = yield* spawn("bare client", [serve, "bare", baseUrl, "--positions", `${o.positions}`], /^bare connected/)
  const guarded = daemon.lines.find((l) => l.startsWith("tradeguard running"))!
  console.log(`memory: ${guarded}`)
  console.log(`memory: warming up ${o.warmup} s (${o.accounts} accounts x ${o.positions} positions, ${o.rate} quotes/s)`)
  yield* Effect.sleep(`${o.warmup} seconds`)

  const [pubBefore, secBefore] = lastNumbers(market.lines, "published ")
  const recBefore = lastNumbers(bare.lines, "received ")[0]!
  const d0 = yield* sample(daemon.child.pid!)
  const b0 = yield* sample(bare.child.pid!)
  let peak = { daemon: d0.rss, bare: b0.rss }
  const samples = [d0.rss]
  for (let s = 0; s < o.measure; s += 5) {
    yield* Effect.sleep("5 seconds")
    const [d, b] = [yield* sample(daemon.child.pid!), yield* sample(bare.child.pid!)]
    samples.push(d.rss)
    peak = { daemon: Math.max(peak.daemon, d.rss), bare: Math.max(peak.bare, b.rss) }
  }
  const d1 = yield* sample(daemon.child.pid!)
  const [pubAfter, secAfter] = lastNumbers(market.lines, "published ")
  const recAfter = lastNumbers(bare.lines, "received ")[0]!
  const publishedRate = (pubAfter! - pubBefore!) / (secAfter! - secBefore!)
  const receivedRate = (recAfter - recBefore) / (secAfter! - secBefore!)
  const daemonCpu = (d1.cpu - d0.cpu) / o.measure

  const mb = (n: number) => `${n.toFixed(1)} MB`
  console.log(`memory: quotes published ${publishedRate.toFixed(0)}/s, received by the bare client ${receivedRate.toFixed(0)}/s`)
  console.log(
    `memory: daemon RSS after ${o.warmup} s warm-up ${mb(d0.rss)}, peak over the next ${o.measure} s ${mb(peak.daemon)} ` +
      `(target < ${targetMb} MB); bare client ${mb(b0.rss)}, peak ${mb(peak.bare)}; ratio ${(peak.daemon / peak.bare).toFixed(2)}x`
  )
  console.log(`memory: daemon RSS every 5 s (MB): ${samples.map((n) => n.toFixed(0)).join(" ")}`)
  console.log(`memory: daemon CPU ${(daemonCpu * 100).toFixed(0)} % of one core (${os.cpus().length} cores, node ${process.version})`)
  return peak.daemon < targetMb && daemon.child.exitCode === null
})

Effect.runPromise(Effect.scoped(program)).then(
  (ok) => {
    if (!ok) console.log("memory: FAILED (over the target, or the daemon died)")
    process.exit(ok ? 0 : 1)
  },
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
