/**
 * Decode throughput of the hub models: the Schema decode as it was (the
 * original regex + `Date.parse` Timestamp check), the Schema decode now,
 * the fast decoder alone and `FastDecode.decodeX` (fast path, Schema
 * fallback), on realistic payloads (see `payloads.ts`). User events are
 * unwrapped from `{action, data}` as the realtime decoder does.
 *
 * Run: `npx tsc -b packages/gateway && node packages/gateway/dist/bench/decode.js`
 * (the package's `bench` script). Prints events/s, the best of five rounds of
 * 300 ms after a warm-up; every decoder is first checked to accept every
 * payload and the fast one to build what the Schema builds.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { FastDecode, HubEvents, Models } from "../src/index.js"
import { payloads } from "./payloads.js"

const legacyPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:?\d{2})?$/
/** `Models.Timestamp` before the digit-level fast check. */
const LegacyTimestamp = Schema.String.pipe(
  Schema.filter((s) => legacyPattern.test(s) && !Number.isNaN(Models.timestampToMillis(s)))
)
const legacyTs = { creationTimestamp: LegacyTimestamp }
class LegacyOrder extends Schema.Class<LegacyOrder>("Order")({
  ...Models.Order.fields,
  ...legacyTs,
  updateTimestamp: Models.optionalNullable(LegacyTimestamp)
}) {}
class LegacyTrade extends Schema.Class<LegacyTrade>("Trade")({ ...Models.Trade.fields, ...legacyTs }) {}
class LegacyPosition extends Schema.Class<LegacyPosition>("Position")({ ...Models.Position.fields, ...legacyTs }) {}
const LegacyQuote = Schema.Struct({
  ...HubEvents.Quote.fields,
  lastUpdated: Models.optionalNullable(LegacyTimestamp),
  timestamp: Models.optionalNullable(LegacyTimestamp)
})

type Decode = (u: unknown) => unknown
const viaEither = <A, E>(f: (u: unknown) => Either.Either<A, E>): Decode => (u) => {
  const r = f(u)
  return Either.isRight(r) ? r.right : undefined
}
const schema = <A, I>(s: Schema.Schema<A, I>): Decode => viaEither(Schema.decodeUnknownEither(s))

/** Unwraps `{action, data}` (user events) or takes the second argument (market events). */
const user = (decode: Decode) => (p: unknown) => decode((p as { readonly data: unknown }).data)
const market = (decode: Decode) => (p: unknown) => decode((p as ReadonlyArray<unknown>)[1])

const N = 4096
const data = payloads(N)

interface Case {
  readonly model: string
  readonly payloads: ReadonlyArray<unknown>
  readonly decoders: ReadonlyArray<readonly [string, (p: unknown) => unknown]>
}

const cases: ReadonlyArray<Case> = [
  {
    model: "Order",
    payloads: data.order,
    decoders: [
      ["schema (before)", user(schema(LegacyOrder))],
      ["schema", user(schema(Models.Order))],
      ["fast", user(FastDecode.order)],
      ["decodeOrFallback", user(viaEither(FastDecode.decodeOrder))]
    ]
  },
  {
    model: "Trade",
    payloads: data.trade,
    decoders: [
      ["schema (before)", user(schema(LegacyTrade))],
      ["schema", user(schema(Models.Trade))],
      ["fast", user(FastDecode.trade)],
      ["decodeOrFallback", user(viaEither(FastDecode.decodeTrade))]
    ]
  },
  {
    model: "Position",
    payloads: data.position,
    decoders: [
      ["schema (before)", user(schema(LegacyPosition))],
      ["schema", user(schema(Models.Position))],
      ["fast", user(FastDecode.position)],
      ["decodeOrFallback", user(viaEither(FastDecode.decodePosition))]
    ]
  },
  {
    model: "Account",
    payloads: data.account,
    decoders: [
      ["schema (before)", user(schema(Models.Account))],
      ["schema", user(schema(Models.Account))],
      ["fast", user(FastDecode.account)],
      ["decodeOrFallback", user(viaEither(FastDecode.decodeAccount))]
    ]
  },
  {
    model: "Quote",
    payloads: data.quote,
    decoders: [
      ["schema (before)", market(schema(LegacyQuote))],
      ["schema", market(schema(HubEvents.Quote))],
      ["fast", market(FastDecode.quote)],
      ["decodeOrFallback", market(viaEither(FastDecode.decodeQuote))]
    ]
  }
]

/** Events per second of `decode` over `payloads`: best of `rounds` rounds of about `ms` each. */
const measure = (decode: (p: unknown) => unknown, input: ReadonlyArray<unknown>, rounds = 5, ms = 300): number => {
  let sink = 0
  const run = (n: number) => {
    for (let i = 0; i < n; i++) if (decode(input[i % N]) !== undefined) sink++
  }
  run(50_000)
  let best = 0
  for (let r = 0; r < rounds; r++) {
    let n = 0
    const start = performance.now()
    let elapsed = 0
    while (elapsed < ms) {
      run(N)
      n += N
      elapsed = performance.now() - start
    }
    best = Math.max(best, (n / elapsed) * 1000)
  }
  if (sink === 0) throw new Error("nothing decoded")
  return best
}

/** Every decoder accepts every payload, and the fast one builds what the Schema builds. */
const check = (c: Case): void => {
  for (const p of c.payloads) {
    const values = c.decoders.map(([, d]) => d(p))
    if (values.some((v) => v === undefined)) throw new Error(`${c.model}: a decoder rejected ${JSON.stringify(p)}`)
    const [, now, fast] = values
    if (JSON.stringify(now) !== JSON.stringify(fast) || Object.getPrototypeOf(now) !== Object.getPrototypeOf(fast)) {
      throw new Error(`${c.model}: fast and Schema differ on ${JSON.stringify(p)}`)
    }
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US").padStart(11)

console.log(`decode throughput, events/s (node ${process.version}, ${N} distinct payloads per model)`)
const header = ["model".padEnd(9), ...cases[0]!.decoders.map(([name]) => name.padStart(17)), "fast/schema".padStart(12)]
console.log(header.join(""))
for (const c of cases) {
  check(c)
  const rates = c.decoders.map(([, d]) => measure(d, c.payloads))
  const ratio = `${(rates[2]! / rates[1]!).toFixed(1)}x`
  console.log([c.model.padEnd(9), ...rates.map((r) => fmt(r).padStart(17)), ratio.padStart(12)].join(""))
}
