/**
 * Per-call overhead of the resilience stack over a raw call on an in-process
 * no-op transport, success path, in one run:
 *
 *   (a) ResilientGateway: token check (the real TokenManager) + RateLimiter +
 *       CircuitBreaker + retry + classification, limits set high so nothing queues;
 *   (b) cockatiel (retry + ConsecutiveBreaker via `wrap`) + rate-limiter-flexible
 *       RateLimiterQueue (memory);
 *   (c) cockatiel (same policy) + p-queue (concurrency / intervalCap);
 *   (d) a naive Effect composition: Semaphore.withPermits + Effect.retry per call.
 *
 * Effect contenders are compared with a raw Effect call (the no-op client's
 * `call`), Promise contenders with a raw `await` of a no-op async function,
 * each in the same round; the reported overhead is the median over rounds.
 *
 * Run: `npx tsc -b packages/resilience && node packages/resilience/dist/bench/index.js`
 * (env: BENCH_ITERATIONS, BENCH_ROUNDS).
 */
import { Endpoints, GatewayClient } from "@tradeguard/gateway"
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleAll, retry, wrap } from "cockatiel"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { performance } from "node:perf_hooks"
import PQueue from "p-queue"
import { RateLimiterMemory, RateLimiterQueue } from "rate-limiter-flexible"
import * as CircuitBreaker from "../src/CircuitBreaker.js"
import { ResilienceConfig } from "../src/Config.js"
import * as RateLimiter from "../src/RateLimiter.js"
import * as ResilientGateway from "../src/ResilientGateway.js"
import * as TokenManager from "../src/TokenManager.js"
import * as TokenStore from "../src/TokenStore.js"

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 7)
const warmup = Math.min(50_000, iterations)

const request = { onlyActiveAccounts: true }
const reply = { accounts: [] }
const endpoint = Endpoints.accountSearch as Endpoints.AnyEndpoint
const staticToken = Redacted.make("bench-token")

// ---------------------------------------------------------------- the no-op transport

const replyEffect = Effect.succeed(reply)
const noopClient = (): GatewayClient.Service => {
  const login = Effect.succeed({ token: Redacted.make("bench-token") })
  const call = (e: Endpoints.AnyEndpoint) => (e.name === "authLoginKey" ? login : replyEffect)
  const methods = Object.fromEntries(Object.values(Endpoints.all).map((e) => [e.name, () => call(e)]))
  return { ...methods, call, ping: Effect.succeed("pong"), options: { baseUrl: "noop://" } } as never
}
const rawEffectCall = (req: typeof request, token: Redacted.Redacted<string>) =>
  noopClient().call(endpoint, req, token)
const client = noopClient()
const rawAsync = async (_req: typeof request) => reply

// ---------------------------------------------------------------- contenders

const high = { requests: 1_000_000_000, windowSeconds: 1 }
const config = ResilienceConfig.layer({
  errorHandling: { rateLimit: { history: high, general: high } },
  logging: { resilience: { tokenRefresh: false, circuitBreaker: false, errorRetries: false } }
})
const gatewayLayer = ResilientGateway.layerWithoutDependencies.pipe(
  Layer.provide(Layer.mergeAll(
    TokenManager.layer.pipe(
      Layer.provide(Layer.mergeAll(TokenStore.layerMemory, TokenManager.Credentials.layer("bench", "bench-key")))
    ),
    RateLimiter.layer,
    CircuitBreaker.layer
  )),
  Layer.provide(Layer.succeed(GatewayClient.GatewayClient, noopClient())),
  Layer.provide(config)
)

type Loop = (n: number) => Promise<void>

const effectLoop = <R>(runtime: ManagedRuntime.ManagedRuntime<R, unknown>, body: () => Effect.Effect<unknown, unknown, R>): Loop =>
(n) =>
  runtime.runPromise(Effect.suspend(() => {
    let i = 0
    return Effect.whileLoop({ while: () => i++ < n, body, step: () => {} })
  }))

const promiseLoop = (body: () => Promise<unknown>): Loop => async (n) => {
  for (let i = 0; i < n; i++) await body()
}

const cockatielPolicy = () =>
  wrap(
    retry(handleAll, { maxAttempts: 4, backoff: new ExponentialBackoff({ initialDelay: 1000, maxDelay: 60_000 }) }),
    circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(5) })
  )

const main = async () => {
  const runtime = ManagedRuntime.make(gatewayLayer)
  const gw = await runtime.runPromise(ResilientGateway.ResilientGateway)
  const plain = ManagedRuntime.make(Layer.empty)

  const policyB = cockatielPolicy()
  const rlf = new RateLimiterQueue(new RateLimiterMemory({ points: 1_000_000_000, duration: 1 }), { maxQueueSize: 1000 })
  const policyC = cockatielPolicy()
  const pq = new PQueue({ concurrency: 1000, intervalCap: 1_000_000_000, interval: 1000 })
  const semaphore = Effect.unsafeMakeSemaphore(1000)
  const naiveSchedule = Schedule.exponential("1 second").pipe(Schedule.intersect(Schedule.recurs(4)))

  const contenders: ReadonlyArray<{ name: string; kind: "effect" | "promise"; loop: Loop }> = [
    { name: "raw Effect call (baseline)", kind: "effect", loop: effectLoop(plain, () => client.call(endpoint, request, staticToken)) },
    { name: "raw async call (baseline)", kind: "promise", loop: promiseLoop(() => rawAsync(request)) },
    { name: "(a) ResilientGateway", kind: "effect", loop: effectLoop(runtime, () => gw.accountSearch(request)) },
    {
      name: "(b) cockatiel + rate-limiter-flexible",
      kind: "promise",
      loop: promiseLoop(async () => {
        await rlf.removeTokens(1)
        return policyB.execute(() => rawAsync(request))
      })
    },
    {
      name: "(c) cockatiel + p-queue",
      kind: "promise",
      loop: promiseLoop(() => pq.add(() => policyC.execute(() => rawAsync(request))))
    },
    {
      name: "(d) naive Effect (Semaphore + Effect.retry)",
      kind: "effect",
      loop: effectLoop(plain, () =>
        semaphore.withPermits(1)(Effect.retry(rawEffectCall(request, staticToken), naiveSchedule)))
    }
  ]

  for (const c of contenders) await c.loop(warmup)
  const perCall = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  const overhead = new Map<string, Array<number>>(contenders.map((c) => [c.name, []]))
  for (let r = 0; r < rounds; r++) {
    const times = new Map<string, number>()
    for (const c of contenders) {
      const start = performance.now()
      await c.loop(iterations)
      const ns = ((performance.now() - start) * 1e6) / iterations
      times.set(c.name, ns)
      perCall.get(c.name)!.push(ns)
    }
    for (const c of contenders) {
      const base = times.get(c.kind === "effect" ? contenders[0].name : contenders[1].name)!
      overhead.get(c.name)!.push(times.get(c.name)! - base)
    }
  }

  const median = (xs: ReadonlyArray<number>) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  const rows = contenders.map((c) => {
    const ns = median(perCall.get(c.name)!)
    const over = c.name.includes("baseline") ? 0 : median(overhead.get(c.name)!)
    return { name: c.name, ns, over, perSecond: 1e9 / ns }
  })
  const pad = (s: string, n: number) => s.padEnd(n)
  const num = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d })
  console.log(`\nresilience overhead per call, success path — node ${process.version}, ${iterations.toLocaleString("en-US")} calls × ${rounds} rounds (median), warm-up ${warmup.toLocaleString("en-US")}\n`)
  console.log(`${pad("contender", 46)}${"ns/call".padStart(10)}${"overhead ns".padStart(14)}${"overhead µs".padStart(13)}${"calls/s".padStart(14)}`)
  console.log("-".repeat(97))
  for (const r of rows) {
    console.log(`${pad(r.name, 46)}${num(r.ns).padStart(10)}${num(r.over).padStart(14)}${num(r.over / 1000, 3).padStart(13)}${num(r.perSecond).padStart(14)}`)
  }
  const ours = rows.find((r) => r.name.startsWith("(a)"))!
  const peers = rows.filter((r) => r.name.startsWith("(b)") || r.name.startsWith("(c)"))
  const best = peers.reduce((a, b) => (a.over <= b.over ? a : b))
  console.log(`\nResilientGateway overhead ${num(ours.over)} ns vs best peer ${best.name.slice(4)} ${num(best.over)} ns: ${ours.over <= best.over ? "at or below the best peer" : "ABOVE the best peer"} (ratio ${num(ours.over / best.over, 2)})\n`)

  pq.clear()
  await runtime.dispose()
  await plain.dispose()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
