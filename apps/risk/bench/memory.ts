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
 * and their ratio; the quote rate the pump published and the daemon (its `/metrics`) and the bare client received
 * (a daemon that drops quotes is not cheap); both processes' V8 heap in use after their last collection and the
 * bytes they allocated per quote received over the window (both run with `--trace-gc-nvp`: V8 prints each
 * collection's `allocated=` and `total_size_after=` on stdout, summed here); the daemon's CPU use.
 * Exits 1 when the daemon is over the target or died.
 *
 * Run: `npx -y pnpm@10.34.8 build && node apps/risk/dist/bench/memory.js [--warmup 60] [--measure 20]
 * [--accounts 50] [--positions 10] [--rate 5000]` (the package's `bench` script). Linux only (reads /proc).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
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
  /** Every stdout line so far (but V8's GC trace lines, summed in `gc`). */
  readonly lines: Array<string>
  /** V8's GC trace (`--trace-gc-nvp` on the child), summed: bytes allocated, collections, heap after the last one. */
  readonly gc: Gc
}

/** What the child's GC trace told so far. */
interface Gc {
  /** Bytes allocated on the V8 heap since start (the sum of every collection's `allocated=`). */
  allocated: number
  /** Collections so far. */
  count: number
  /** Heap bytes in use after the last collection (`total_size_after=`). */
  heapAfter: number
  /** Heap bytes in use after the last full (mark-compact) collection: the closest to the live heap. */
  heapAfterFull: number
}

/** Takes one `--trace-gc-nvp` line into `gc`; false when the line is not one. */
const gcLine = (gc: Gc, line: string): boolean => {
  const allocated = /\ballocated=(\d+)/.exec(line)
  if (allocated === null || !line.includes(" gc=")) return false
  gc.allocated += Number(allocated[1])
  gc.count++
  const after = Number(/\btotal_size_after=(\d+)/.exec(line)?.[1] ?? Number.NaN)
  gc.heapAfter = after
  if (/ gc=mc\b/.test(line)) gc.heapAfterFull = after
  return true
}

/** Spawns `node args`, waits (up to `ms`) for a stdout line matching `ready`; killed when the scope closes. */
const spawn = (name: string, args: ReadonlyArray<string>, ready: RegExp, env: Record<string, string> = {}, ms = 120_000) =>
  Effect.acquireRelease(
    Effect.async<Proc, Error>((resume) => {
      const c = child.spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      const lines: Array<string> = []
      const gc: Gc = { allocated: 0, count: 0, heapAfter: Number.NaN, heapAfterFull: Number.NaN }
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
          if (gcLine(gc, line)) continue
          lines.push(line)
          if (ready.test(line)) finish(Effect.succeed({ child: c, lines, gc }))
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

/** Quotes the daemon received on its market hub so far (its `/metrics`, `tradeguard_hub_events_received_total`). */
const daemonQuotes = (ops: string, token: string) =>
  Effect.tryPromise(async () => {
    const reply = await fetch(`${ops}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    const text = await reply.text()
    const line = text.split("\n").find((l) => l.startsWith("tradeguard_hub_events_received_total{") && l.includes("hub=\"market\""))
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(" ") + 1))
  }).pipe(
    // a kept-alive connection the server closed meanwhile: ask again on a new one
    Effect.retry(Schedule.addDelay(Schedule.recurs(5), () => "100 millis")),
    Effect.orDie
  )

/** The V8 GC trace's figures (`--trace-gc-nvp` writes one line per collection to stdout; the bench reads them). */
const gcFlags = ["--trace-gc-nvp"]

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
    "ops: { port: 0 }",
    "risk: { accounts: all, defaults: { positionMaxLoss: { amount: 100000000 } } }"
  ].join("\n"))
  const flags = (process.env["MEMORY_DAEMON_FLAGS"] ?? "").split(" ").filter((f) => f !== "")
  const opsToken = crypto.randomBytes(16).toString("hex")
  const daemon = yield* spawn("tradeguard run", [...gcFlags, ...flags, bin, "run", "--config", config], /tradeguard running against/, {
    TRADEGUARD_OPS_TOKEN: opsToken,
    PROJECTX_USERNAME: "bench-guard",
    PROJECTX_API_KEY: "bench-guard-key",
    TRADEGUARD_TOKEN_KEY: crypto.randomBytes(32).toString("hex"),
    TRADEGUARD_LEASE_DB: path.join(dir, "leases.db")
  })
  const ops = daemon.lines.find((l) => l.startsWith("ops listening on "))!.slice("ops listening on ".length).trim()
  const bare = yield* spawn("bare client", [...gcFlags, serve, "bare", baseUrl, "--positions", `${o.positions}`], /^bare connected/)
  const guarded = daemon.lines.find((l) => l.startsWith("tradeguard running"))!
  console.log(`memory: ${guarded}`)
  // "Running" comes before the daemon watches every position: the initial reconciliation of 50 accounts takes
  // more REST calls than the client's limiter lets through in a minute, and quotes are subscribed as positions
  // come in. The warm-up starts once quotes reach the daemon at 90 % of the published rate over 10 s (or after 5 minutes).
  const t = yield* Clock.currentTimeMillis
  let [last, rate] = [yield* daemonQuotes(ops, opsToken), 0]
  for (let i = 0; i < 30 && !(rate >= 0.9 * o.rate); i++) {
    yield* Effect.sleep("10 seconds")
    const n = yield* daemonQuotes(ops, opsToken)
    ;[last, rate] = [n, (n - last) / 10]
  }
  console.log(
    `memory: the daemon receives ${rate.toFixed(0)} quotes/s ${(((yield* Clock.currentTimeMillis) - t) / 1000).toFixed(0)} s ` +
      `after it said it runs`
  )
  console.log(`memory: warming up ${o.warmup} s (${o.accounts} accounts x ${o.positions} positions, ${o.rate} quotes/s)`)
  yield* Effect.sleep(`${o.warmup} seconds`)

  const [pubBefore, secBefore] = lastNumbers(market.lines, "published ")
  const recBefore = lastNumbers(bare.lines, "received ")[0]!
  const t0 = yield* Clock.currentTimeMillis
  const q0 = yield* daemonQuotes(ops, opsToken)
  const d0 = yield* sample(daemon.child.pid!)
  const b0 = yield* sample(bare.child.pid!)
  const [da0, ba0] = [daemon.gc.allocated, bare.gc.allocated]
  let peak = { daemon: d0.rss, bare: b0.rss }
  const samples = [d0.rss]
  for (let s = 0; s < o.measure; s += 5) {
    yield* Effect.sleep("5 seconds")
    const [d, b] = [yield* sample(daemon.child.pid!), yield* sample(bare.child.pid!)]
    samples.push(d.rss)
    peak = { daemon: Math.max(peak.daemon, d.rss), bare: Math.max(peak.bare, b.rss) }
  }
  const d1 = yield* sample(daemon.child.pid!)
  const q1 = yield* daemonQuotes(ops, opsToken)
  const t1 = yield* Clock.currentTimeMillis
  const [da1, ba1] = [daemon.gc.allocated, bare.gc.allocated]
  const [pubAfter, secAfter] = lastNumbers(market.lines, "published ")
  const recAfter = lastNumbers(bare.lines, "received ")[0]!
  const publishedRate = (pubAfter! - pubBefore!) / (secAfter! - secBefore!)
  const receivedRate = (recAfter - recBefore) / (secAfter! - secBefore!)
  const daemonCpu = (d1.cpu - d0.cpu) / o.measure
  const daemonRate = (q1 - q0) / ((t1 - t0) / 1000)
  // Bytes per quote: what the V8 heap allocated over the window (collections in it) over the quotes received.
  const daemonPerQuote = (da1 - da0) / (q1 - q0)
  const barePerQuote = (ba1 - ba0) / (recAfter - recBefore)

  const mb = (n: number) => `${n.toFixed(1)} MB`
  console.log(
    `memory: quotes published ${publishedRate.toFixed(0)}/s, received by the daemon ${daemonRate.toFixed(0)}/s, ` +
      `by the bare client ${receivedRate.toFixed(0)}/s`
  )
  console.log(
    `memory: daemon RSS after ${o.warmup} s warm-up ${mb(d0.rss)}, peak over the next ${o.measure} s ${mb(peak.daemon)} ` +
      `(target < ${targetMb} MB); bare client ${mb(b0.rss)}, peak ${mb(peak.bare)}; ratio ${(peak.daemon / peak.bare).toFixed(2)}x`
  )
  console.log(
    `memory: V8 heap used after the last collection: daemon ${mb(daemon.gc.heapAfter / 2 ** 20)} ` +
      `(after the last full one ${mb(daemon.gc.heapAfterFull / 2 ** 20)}), bare client ${mb(bare.gc.heapAfter / 2 ** 20)}`
  )
  console.log(
    `memory: allocated per quote over the window: daemon ${(daemonPerQuote / 1024).toFixed(2)} KB, ` +
      `bare client ${(barePerQuote / 1024).toFixed(2)} KB (V8 GC trace)`
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
