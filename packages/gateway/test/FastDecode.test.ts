/**
 * FastDecode agrees with the Schemas: on valid wire values (generated from the
 * models' fields, nulls and own undefineds for absent optionals, random extra
 * keys) it builds the very value the Schema decode builds (prototype, keys and
 * their order, descriptors, values by Object.is); on mutated ones it accepts
 * exactly when the Schema does. `Models.isTimestamp` is checked against the
 * original regex + Date.parse definition.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { FastDecode, HubEvents, Models } from "../src/index.js"

// ---------------------------------------------------------------------------
// The reference: Models.Timestamp as it was before the digit-level check.
// ---------------------------------------------------------------------------
const legacyPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:?\d{2})?$/
/** Models.timestampToMillis as it was before the digit-level path: regex + Date.parse. */
const legacyToMillis = (s: string): number => {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/.exec(s)
  if (m === null) return Date.parse(s)
  const frac = m[2] === undefined ? "" : m[2].slice(0, 4)
  const zone = m[3] === "" ? "Z" : m[3]
  return Date.parse(`${m[1]}${frac}${zone}`)
}
const legacyIsTimestamp = (s: string): boolean =>
  legacyPattern.test(s) && !Number.isNaN(legacyToMillis(s))

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")
const zoneArb = fc.oneof(
  fc.constantFrom("", "Z", "+00:00", "-00:00", "+23:59", "-23:59", "+24:00", "+0000", "+0530", "-99:99", "+00:60"),
  fc.tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.boolean())
    .map(([sign, h, m, colon]) => `${sign}${pad(h)}${colon ? ":" : ""}${pad(m)}`)
)
/** Timestamps of the ISO shape, fields anywhere in 00-99: mostly valid, many not. */
const isoShapedArb = fc.tuple(
  fc.integer({ min: 0, max: 9999 }),
  fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 5, maxLength: 5 }),
  fc.oneof(fc.constant(""), fc.stringMatching(/^\.\d{1,8}$/)),
  zoneArb
).map(([y, [mo, d, h, mi, s], frac, zone]) =>
  `${pad(y, 4)}-${pad(mo!)}-${pad(d!)}T${pad(h!)}:${pad(mi!)}:${pad(s!)}${frac}${zone}`
)
/** What the gateway sends: 7 fractional digits and `+00:00`, years 0000 to 9999. */
const realisticArb = fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }).map(Models.timestampFromMillis)
/** Valid timestamps: what the gateway sends, and any accepted ISO-shaped string. */
const timestampArb = fc.oneof(realisticArb, isoShapedArb.filter(Models.isTimestamp))

/** One character inserted, deleted or replaced. */
const mutateString = (s: string) =>
  fc.tuple(fc.nat({ max: s.length }), fc.constantFrom("insert", "delete", "replace"), fc.constantFrom(
    ..."0123456789:.+-TZz tx\u0660\n"
  )).map(([i, op, c]) =>
    op === "insert" ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + (op === "replace" ? c : "") + s.slice(i + 1)
  )

describe("Models.timestampToMillis", () => {
  it("agrees with regex + Date.parse on every kind of string (the digit path is only faster)", () => {
    fc.assert(
      fc.property(
        fc.oneof(isoShapedArb, realisticArb, timestampArb.chain(mutateString), fc.string()),
        (s) => Object.is(Models.timestampToMillis(s), legacyToMillis(s))
      ),
      { numRuns: 20_000 }
    )
  })
})

describe("Models.isTimestamp", () => {
  it("agrees with the regex + Date.parse check on every kind of string", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          isoShapedArb,
          fc.stringMatching(legacyPattern),
          timestampArb.chain(mutateString),
          fc.string()
        ),
        (s) => assert.strictEqual(Models.isTimestamp(s), legacyIsTimestamp(s), s)
      ),
      { numRuns: 30_000 }
    )
  })

  it("agrees on every month x day x hour boundary, leap years and zone forms", () => {
    const zones = ["", "Z", "+00:00", "-23:59", "+24:00", "+23:60", "+0530", "-2400"]
    for (const y of ["0000", "1900", "2000", "2024", "2026", "2100", "9999"]) {
      for (let mo = 0; mo <= 13; mo++) {
        for (let d = 0; d <= 32; d++) {
          for (const time of ["00:00:00", "23:59:59.9999999", "24:00:00", "25:00:00", "12:60:00", "12:00:60"]) {
            for (const z of zones) {
              const s = `${y}-${pad(mo)}-${pad(d)}T${time}${z}`
              assert.strictEqual(Models.isTimestamp(s), legacyIsTimestamp(s), s)
            }
          }
        }
      }
    }
  })
})

// ---------------------------------------------------------------------------
// Valid models on the wire. `Arbitrary.make(Models.Order)` itself never ends:
// Timestamp is a filter on strings with no arbitrary of its own, so the models'
// fields are used with Timestamp and Id given generators (Id up to 2^53 - 1).
// ---------------------------------------------------------------------------
const Ts = Models.Timestamp.annotations({ arbitrary: () => () => timestampArb })
const idArb = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(-0, 2 ** 31, 3_408_995_735, 2 ** 53 - 1))
const Id = Models.Id.annotations({ arbitrary: () => () => idArb })
const optTs = Models.optionalNullable(Ts)
const optId = Models.optionalNullable(Id)

/** A model: its Schema, fast decoder, Either helper and an arbitrary of valid values. */
interface Case {
  readonly name: string
  readonly schema: Schema.Schema<unknown, unknown>
  readonly fast: (u: unknown) => unknown
  readonly decode: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>
  readonly arb: fc.Arbitrary<unknown>
}
const make = <A, I>(
  name: string,
  schema: Schema.Schema<A, I>,
  fast: (u: unknown) => A | undefined,
  decode: (u: unknown) => Either.Either<A, ParseResult.ParseError>,
  fields: Schema.Struct.Fields,
  construct: (props: unknown) => A = Schema.validateSync(schema)
): Case => ({
  name,
  schema: schema as unknown as Schema.Schema<unknown, unknown>,
  fast,
  decode,
  arb: Arbitrary.make(Schema.Struct(fields)).map(construct)
})
const M = Models, H = HubEvents, F = FastDecode
/** A validating constructor of a model class. */
const cls = <A>(Model: new(props: never) => A) => (p: unknown): A => new Model(p as never)
const cases: ReadonlyArray<Case> = [
  make("Account", M.Account, F.account, F.decodeAccount, { ...M.Account.fields, id: Id }, cls(M.Account)),
  make("Order", M.Order, F.order, F.decodeOrder, {
    ...M.Order.fields,
    ...{ id: Id, accountId: Id, creationTimestamp: Ts, updateTimestamp: optTs },
    ...{ parentOrderId: optId, linkedOrderId: optId }
  }, cls(M.Order)),
  make("Position", M.Position, F.position, F.decodePosition, {
    ...M.Position.fields,
    ...{ id: Id, accountId: Id, creationTimestamp: Ts }
  }, cls(M.Position)),
  make("Trade", M.Trade, F.trade, F.decodeTrade, {
    ...M.Trade.fields,
    ...{ id: Id, accountId: Id, orderId: Id, creationTimestamp: Ts }
  }, cls(M.Trade)),
  make("Quote", H.Quote, F.quote, F.decodeQuote, { ...H.Quote.fields, lastUpdated: optTs, timestamp: optTs }),
  make("MarketTrade", H.MarketTrade, F.marketTrade, Schema.decodeUnknownEither(H.MarketTrade), {
    ...H.MarketTrade.fields,
    timestamp: Ts
  }),
  make("DepthEntry", H.DepthEntry, F.depthEntry, Schema.decodeUnknownEither(H.DepthEntry), {
    ...H.DepthEntry.fields,
    timestamp: Ts
  })
]

const optionalKeys = (schema: Schema.Schema<unknown, unknown>): ReadonlyArray<string> =>
  AST.getPropertySignatures(Schema.encodedSchema(schema).ast).filter((ps) => ps.isOptional).map((ps) => String(ps.name))
const fieldKeys = (schema: Schema.Schema<unknown, unknown>): ReadonlyArray<string> =>
  AST.getPropertySignatures(Schema.encodedSchema(schema).ast).map((ps) => String(ps.name))

const setOwn = (o: object, k: string, value: unknown): void => {
  Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true })
}
const extraKeyArb = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "hasOwnProperty", "toString", "valueOf", "action", "data", "_tag"),
  fc.string()
)

/** The wire form of a valid value: absent optionals turned to null or own undefined, random extra keys. */
const wireArb = (c: Case) => {
  const optional = optionalKeys(c.schema)
  const fields = new Set(fieldKeys(c.schema))
  return fc.tuple(
    c.arb,
    fc.array(fc.constantFrom("as is", "null", "undefined"), { minLength: optional.length, maxLength: optional.length }),
    fc.array(fc.tuple(extraKeyArb, fc.anything()), { maxLength: 4 })
  ).map(([value, absent, extras]) => {
    const wire: Record<string, unknown> = { ...(Schema.encodeSync(c.schema)(value) as object) }
    optional.forEach((k, i) => {
      if (wire[k] === undefined && absent[i] !== "as is") setOwn(wire, k, absent[i] === "null" ? null : undefined)
    })
    for (const [k, v] of extras) if (!fields.has(k)) setOwn(wire, k, v)
    return wire
  })
}

const show = (u: unknown): string => {
  try {
    const replacer = (_: string, v: unknown) =>
      (typeof v === "number" && !Number.isFinite(v)) || Object.is(v, -0) || typeof v === "bigint" ? String(v) : v
    return String(JSON.stringify(u, replacer))
  } catch {
    return Object.prototype.toString.call(u)
  }
}

/** Same prototype, same own keys in the same order, same property descriptors (values by Object.is). */
const assertSame = (fast: unknown, schema: unknown, input: string): void => {
  const msg = () => `input: ${input}`
  if (typeof schema !== "object" || schema === null) return assert.fail(`not an object: ${msg()}`)
  assert.isTrue(typeof fast === "object" && fast !== null, msg())
  const f = fast as object
  assert.strictEqual(Object.getPrototypeOf(f), Object.getPrototypeOf(schema), msg())
  assert.strictEqual(Array.isArray(f), Array.isArray(schema), msg())
  assert.deepStrictEqual(Reflect.ownKeys(f), Reflect.ownKeys(schema), msg())
  assert.strictEqual(Object.isExtensible(f), Object.isExtensible(schema), msg())
  for (const k of Reflect.ownKeys(schema)) {
    const a = Object.getOwnPropertyDescriptor(f, k)!, b = Object.getOwnPropertyDescriptor(schema, k)!
    if (Array.isArray(schema) && k !== "length") assertSame(a.value, b.value, input)
    else assert.isTrue(Object.is(a.value, b.value), `${String(k)}: ${msg()}`)
    assert.deepStrictEqual([a.writable, a.enumerable, a.configurable], [b.writable, b.enumerable, b.configurable])
  }
}

/** The fast path accepts iff the Schema does and builds the same value; decodeX gives the Schema's verdict. */
const assertAgrees = (c: Pick<Case, "schema" | "fast" | "decode">, input: unknown): void => {
  const shown = show(input)
  const expected = Schema.decodeUnknownEither(c.schema)(input)
  const fast = c.fast(input)
  const viaHelper = c.decode(input)
  assert.strictEqual(fast !== undefined, Either.isRight(expected), `fast accepts iff Schema does: ${shown}`)
  assert.strictEqual(Either.isRight(viaHelper), Either.isRight(expected))
  if (Either.isRight(expected)) {
    assertSame(fast, expected.right, shown)
    assertSame(Either.getOrThrow(viaHelper), expected.right, shown)
  } else if (Either.isLeft(viaHelper)) {
    assert.strictEqual(
      ParseResult.TreeFormatter.formatErrorSync(viaHelper.left),
      ParseResult.TreeFormatter.formatErrorSync(expected.left)
    )
  }
}

describe("FastDecode on valid payloads", () => {
  for (const c of cases) {
    it(`${c.name}: builds what the Schema builds (nulls, own undefined, extra keys, 2^53 ids, -0, NaN)`, () => {
      fc.assert(fc.property(wireArb(c), (wire) => {
        assert.isDefined(c.fast(wire))
        assertAgrees(c, wire)
      }), { numRuns: 1_000 })
    })
  }
})

// ---------------------------------------------------------------------------
// Invalid payloads: the fast path never accepts what the Schema rejects.
// ---------------------------------------------------------------------------
const badTimestamps = [
  "2026-08-19T20:51:31.41736931+00:00", "2026-08-19T24:00:01Z", "2026-13-01T00:00:00Z", "2026-08-19 20:51:31Z",
  "2026-08-19T20:51:31+24:00", "2026-08-19T20:51:31+2400", "2026-08-19T20:51:31.+00:00", "2026-08-19T20:51:31z",
  "2026-08-19T20:51:31.4173693+00:00\n", "\u0662026-08-19T20:51:31Z"
]
const nastyArb = fc.oneof(
  fc.constantFrom<unknown>(
    null, undefined, "", "x", "1", 0, -0, 1, 0.5, 1.5, 6.5, -1, 2, 3, 7, 8, 9, 11, 12, 2 ** 31, 2 ** 53, 2 ** 53 - 1,
    -(2 ** 53), 2 ** 31 + 0.5,
    NaN, Infinity, -Infinity, true, false, {}, [], [1], new Number(1), new String("x"), 1n, Symbol.for("x"),
    "2026-08-19T24:00:00Z", "2026-02-30T00:00:00Z", "2026-08-19T20:51:31.417+0530", ...badTimestamps
  ),
  timestampArb,
  timestampArb.chain(mutateString),
  fc.anything()
)
const DELETE = Symbol("delete")

describe("FastDecode on invalid payloads", () => {
  for (const c of cases) {
    it(`${c.name}: accepts iff the Schema does (wrong types, missing or null fields, timestamps, ids, enums)`, () => {
      const keys = [...fieldKeys(c.schema), "extra"]
      fc.assert(
        fc.property(
          wireArb(c),
          fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(nastyArb, fc.constant(DELETE))), {
            minLength: 1,
            maxLength: 3
          }),
          fc.constantFrom("plain", "inherited", "null prototype"),
          (wire, mutations, form) => {
            for (const [k, v] of mutations) {
              if (v === DELETE) delete wire[k]
              else setOwn(wire, k, v)
            }
            const input = form === "plain" ? wire : form === "inherited" ? Object.create(wire) : { ...wire }
            if (form === "null prototype") Object.setPrototypeOf(input, null)
            assertAgrees(c, input)
          }
        ),
        { numRuns: 2_000 }
      )
    })

    it(`${c.name}: rejects what is not a record`, () => {
      for (const u of [null, undefined, 0, "x", true, [], [{}], new Map(), () => 1]) assertAgrees(c, u)
    })
  }
})

describe("FastDecode tricky cases", () => {
  const order = cases.find((c) => c.name === "Order")!
  const base = {
    id: 3_408_995_735,
    accountId: 465,
    contractId: "CON.F.US.MNQ.U26",
    creationTimestamp: "2026-08-19T20:51:31.4173693+00:00",
    status: 1,
    type: 1,
    side: 0,
    size: 2,
    fillVolume: 0
  }
  const examples: ReadonlyArray<readonly [boolean, string, Record<string, unknown>]> = [
    [true, "7 fractional digits, +00:00", {}],
    [true, "7 fractional digits, -05:00", { creationTimestamp: "2026-08-19T15:51:31.4173693-05:00" }],
    [true, "an offset without colon (Date.parse decides)", { creationTimestamp: "2026-08-19T20:51:31.4173693+0530" }],
    [true, "Z and no zone", { creationTimestamp: "2026-08-19T20:51:31Z", updateTimestamp: "2026-08-19T20:51:31.4" }],
    [true, "hour 24 (Date.parse decides)", { creationTimestamp: "2026-08-19T24:00:00Z" }],
    [true, "30 February (Date.parse accepts it)", { creationTimestamp: "2026-02-30T00:00:00Z" }],
    [true, "ids above 2^31 and at 2^53 - 1", { id: 2 ** 31 + 1, parentOrderId: Number.MAX_SAFE_INTEGER }],
    [true, "-0 ids and enums (kept as -0)", { id: -0, accountId: -0, status: -0, side: -0 }],
    [true, "NaN and Infinity where Schema.Number", { size: NaN, limitPrice: Infinity, filledPrice: -Infinity }],
    [true, "null and own undefined optionals", { symbolId: null, customTag: undefined }],
    [true, "the last enum values", { status: 8, type: 7, side: 1 }],
    [false, "8 fractional digits", { creationTimestamp: "2026-08-19T20:51:31.41736931+00:00" }],
    [false, "an offset of 24 hours", { creationTimestamp: "2026-08-19T20:51:31+24:00" }],
    [false, "month 13", { creationTimestamp: "2026-13-19T20:51:31Z" }],
    [false, "a space for T", { creationTimestamp: "2026-08-19 20:51:31Z" }],
    [false, "a bad optional timestamp", { updateTimestamp: "yesterday" }],
    [false, "an id at 2^53", { id: 2 ** 53 }],
    [false, "a fractional id", { accountId: 465.5 }],
    [false, "a NaN id", { id: NaN }],
    [false, "an Infinity id", { parentOrderId: Infinity }],
    [false, "a string id", { id: "3408995735" }],
    [false, "status 9", { status: 9 }],
    [false, "type 1.5", { type: 1.5 }],
    [false, "side NaN", { side: NaN }],
    [false, "side -1", { side: -1 }],
    [false, "null in a required field", { contractId: null }],
    [false, "undefined in a required field", { size: undefined }],
    [false, "a boxed number", { size: new Number(2) }],
    [false, "a bigint", { fillVolume: 0n }],
    [false, "a number for a string", { customTag: 7 }]
  ]
  for (const [accepts, name, patch] of examples) {
    it(`${accepts ? "accepts" : "rejects"} ${name}, as Schema does`, () => {
      const input = { ...base, ...patch }
      assert.strictEqual(order.fast(input) !== undefined, accepts)
      assertAgrees(order, input)
    })
  }

  it("rejects a missing required field", () => {
    for (const k of Object.keys(base)) {
      const { [k]: _, ...input } = base as Record<string, unknown>
      assertAgrees(order, input)
    }
  })

  it("reads inherited required fields and ignores inherited optional ones, as Schema does", () => {
    const input = Object.create({ ...base, limitPrice: "not checked: inherited" })
    input.symbolId = "F.US.MNQ"
    assert.isDefined(order.fast(input))
    assertAgrees(order, input)
  })
})

describe("FastDecode of arrays (GatewayTrade, GatewayDepth)", () => {
  const arrays = [
    { schema: H.GatewayTrade, fast: F.marketTrades, decode: F.decodeMarketTrades, element: "MarketTrade" },
    { schema: H.GatewayDepth, fast: F.depthEntries, decode: F.decodeDepthEntries, element: "DepthEntry" }
  ] as const
  for (const a of arrays) {
    const c = { ...a, schema: a.schema as unknown as Schema.Schema<unknown, unknown> }
    const element = cases.find((x) => x.name === a.element)!
    it(`${a.element} arrays: same verdict and value, element by element`, () => {
      fc.assert(
        fc.property(fc.array(wireArb(element), { maxLength: 5 }), fc.option(fc.tuple(fc.nat(), nastyArb)), (xs, x) => {
          const input: Array<unknown> = xs
          if (x !== null && input.length > 0) input[x[0] % input.length] = x[1]
          assertAgrees(c, input)
        }),
        { numRuns: 500 }
      )
      for (const u of [null, {}, "x", { length: 0 }, [null], new Array(2)]) assertAgrees(c, u)
    })
  }
})
