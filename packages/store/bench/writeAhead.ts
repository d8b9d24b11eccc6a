/**
 * What `database.synchronous` costs: the latency of one write of the order
 * path (insert an intent + add its first attempt, through `OrderIntents` on
 * `Database.layer`) with `synchronous: normal` and `full`, on a temporary
 * file in WAL mode, beside a bare `better-sqlite3` insert of the same two
 * rows with the same pragmas, in the same run. Prints p50 / p99 per mode
 * and the ratios (full / normal; store / bare).
 *
 * Run: `npx tsc -b packages/store && node packages/store/dist/bench/writeAhead.js [--n 2000]`
 * (the package's `bench` script).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import * as Database from "../src/Database.js"
import * as OrderIntents from "../src/OrderIntents.js"
import * as StoreConfig from "../src/StoreConfig.js"

/** The part of better-sqlite3's API the bare baseline uses (the package ships no types). */
interface Bare {
  pragma(source: string): unknown
  exec(source: string): void
  prepare(source: string): { run(...params: ReadonlyArray<unknown>): unknown }
  transaction(fn: (i: number) => void): (i: number) => void
  close(): void
}
const BareDatabase = createRequire(import.meta.url)("better-sqlite3") as new(file: string) => Bare

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const n = Number(arg("n") ?? 2000)

const quantile = (samples: Array<number>, q: number) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-bench-")), "bench.db")

const intent = (i: number): OrderIntents.NewIntent => ({
  idempotencyKey: `k-${i}`,
  fingerprint: `f-${i}`,
  accountId: 1,
  contractId: "CON.F.US.MNQ.Z25",
  side: i % 2,
  type: 1,
  size: 1,
  limitPrice: 21000 + i / 4,
  brackets: { stopLoss: { ticks: 20, type: 4 } }
})

const store = (synchronous: "normal" | "full") => {
  const file = tempFile()
  const program = Effect.gen(function*() {
    const repo = yield* OrderIntents.OrderIntents
    const samples: Array<number> = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      yield* repo.insert(intent(i))
      yield* repo.addAttempt(`k-${i}`, `k-${i}#1`)
      samples.push(performance.now() - t0)
    }
    return samples
  })
  const layer = OrderIntents.layer.pipe(Layer.provide(Database.layer(StoreConfig.make({ path: file, synchronous }))))
  const samples = Effect.runSync(Effect.scoped(Effect.provide(program, layer)))
  fs.rmSync(path.dirname(file), { recursive: true, force: true })
  return samples
}

const bare = (synchronous: "normal" | "full") => {
  const file = tempFile()
  const db = new BareDatabase(file)
  db.pragma("journal_mode = WAL")
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`)
  db.exec(`CREATE TABLE i (k TEXT PRIMARY KEY, f TEXT, a INTEGER, c TEXT, s INTEGER, t INTEGER, z INTEGER, p REAL, b TEXT,
    st TEXT, ca INTEGER, ua INTEGER)`)
  db.exec(`CREATE TABLE a (tag TEXT PRIMARY KEY, k TEXT, n INTEGER, st TEXT, fv INTEGER, ca INTEGER, ua INTEGER)`)
  const insertIntent = db.prepare("INSERT INTO i VALUES (?, ?, 1, 'CON.F.US.MNQ.Z25', 0, 1, 1, 21000, '{}', 'Pending', 0, 0)")
  const insertAttempt = db.prepare("INSERT INTO a VALUES (?, ?, 1, 'Sent', 0, 0, 0)")
  const samples: Array<number> = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    insertIntent.run(`k-${i}`, `f-${i}`)
    insertAttempt.run(`k-${i}#1`, `k-${i}`)
    samples.push(performance.now() - t0)
  }
  db.close()
  fs.rmSync(path.dirname(file), { recursive: true, force: true })
  return samples
}

const fmt = (ms: number) => `${(ms * 1000).toFixed(0)} µs`
const rows: Array<{ mode: string; p50: number; p99: number }> = []
for (const synchronous of ["normal", "full"] as const) {
  for (const [name, run] of [["store", store], ["bare better-sqlite3", bare]] as const) {
    const samples = run(synchronous)
    rows.push({ mode: `${name}, synchronous ${synchronous}`, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) })
  }
}
console.log(`insert intent + attempt, ${n} writes each, WAL on a temp file (${os.tmpdir()})`)
for (const r of rows) console.log(`  ${r.mode.padEnd(40)} p50 ${fmt(r.p50).padStart(8)}  p99 ${fmt(r.p99).padStart(8)}`)
const [storeNormal, bareNormal, storeFull, bareFull] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]]
console.log(`  full / normal (store): p50 ×${(storeFull.p50 / storeNormal.p50).toFixed(2)}, p99 ×${(storeFull.p99 / storeNormal.p99).toFixed(2)}`)
console.log(`  store / bare: normal p50 ×${(storeNormal.p50 / bareNormal.p50).toFixed(2)}, full p50 ×${(storeFull.p50 / bareFull.p50).toFixed(2)}`)
