/**
 * Helpers shared by the repositories: the current time, one-row lookups and
 * the row decoder.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** Epoch milliseconds from the Clock (TestClock in tests). */
export const now = Clock.currentTimeMillis

/** Decodes rows with `schema`; a row that does not decode is a bug (the schema is ours), hence a defect. */
export const decodeRows = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = decoderOf(schema)
  return <E, R>(rows: Effect.Effect<ReadonlyArray<unknown>, E, R>): Effect.Effect<ReadonlyArray<A>, E, R> =>
    Effect.flatMap(rows, (r) => Effect.orDie(decode(r)))
}

// one decoder per row schema (building it is the costly part of a small decode)
const decoders = new WeakMap<object, (u: unknown) => Effect.Effect<ReadonlyArray<unknown>, unknown>>()
const decoderOf = <A, I>(schema: Schema.Schema<A, I>) => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknown(Schema.Array(schema))
    decoders.set(schema, decode)
  }
  return decode as (u: unknown) => Effect.Effect<ReadonlyArray<A>, unknown>
}

/** The first decoded row, if any. */
export const decodeFirst =
  <A, I>(schema: Schema.Schema<A, I>) =>
  <E, R>(rows: Effect.Effect<ReadonlyArray<unknown>, E, R>): Effect.Effect<Option.Option<A>, E, R> =>
    Effect.map(decodeRows(schema)(rows), (r) => Option.fromNullable(r[0]))
