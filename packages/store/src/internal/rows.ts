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
export const decodeRows =
  <A, I>(schema: Schema.Schema<A, I>) =>
  <E, R>(rows: Effect.Effect<ReadonlyArray<unknown>, E, R>): Effect.Effect<ReadonlyArray<A>, E, R> =>
    Effect.flatMap(rows, (r) => Effect.orDie(Schema.decodeUnknown(Schema.Array(schema))(r)))

/** The first decoded row, if any. */
export const decodeFirst =
  <A, I>(schema: Schema.Schema<A, I>) =>
  <E, R>(rows: Effect.Effect<ReadonlyArray<unknown>, E, R>): Effect.Effect<Option.Option<A>, E, R> =>
    Effect.map(decodeRows(schema)(rows), (r) => Option.fromNullable(r[0]))
