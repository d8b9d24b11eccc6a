/**
 * The enforcement bench's exchange side and its bare client as processes of their own, for benchmarks that
 * measure another process (apps/risk's memory benchmark runs the daemon as a child next to these):
 *
 * - `node dist/bench/serve.js market [--accounts 50] [--positions 10] [--rate 5000]`: the loopback simulator of
 *   `market.ts` (one user `bench-guard` owning every account, one long per account and contract, the quote pump
 *   at `rate` quotes/s); prints `market <baseUrl>` once ready, then `published <quotes> <seconds>` every 5 s.
 * - `node dist/bench/serve.js bare <baseUrl> [--positions 10]`: the bare SignalR client of `bare.ts` subscribed
 *   to the same contracts; prints `received <quotes>` every 5 s.
 *
 * Both run until killed.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
// Each mode loads only what it runs: the bare client must not carry the simulator's code (it is the baseline).

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const positions = arg("positions", 10)

const market = Effect.gen(function*() {
  const { local } = yield* Effect.promise(() => import("./market.js"))
  const m = yield* local({ accounts: arg("accounts", 50), positions, rate: arg("rate", 5000), spacing: 4 })
  console.log(`market ${m.baseUrl}`)
  while (true) {
    yield* Effect.sleep("5 seconds")
    const p = yield* m.published
    console.log(`published ${p.quotes} ${p.seconds.toFixed(1)}`)
  }
})

const bare = (baseUrl: string) =>
  Effect.gen(function*() {
    const Bare = yield* Effect.promise(() => import("./bare.js"))
    const { contracts } = yield* Effect.promise(() => import("./contracts.js"))
    const b = yield* Bare.connect({
      baseUrl,
      // market.ts's `users.bare` (not imported: it loads the simulator)
      userName: "bench-bare",
      apiKey: "bench-bare-key",
      contractIds: contracts.slice(0, positions).map((c) => c.id),
      onQuote: () => {}
    })
    console.log("bare connected")
    while (true) {
      yield* Effect.sleep("5 seconds")
      console.log(`received ${b.received()}`)
    }
  })

const mode = process.argv[2]
const program = mode === "market" ? market : mode === "bare" ? bare(process.argv[3] ?? "") : Effect.dieMessage(
  "usage: serve.js market [--accounts n] [--positions n] [--rate n] | serve.js bare <baseUrl> [--positions n]"
)
Effect.runPromise(program.pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))).catch((e) => {
  console.error(e)
  process.exit(1)
})
