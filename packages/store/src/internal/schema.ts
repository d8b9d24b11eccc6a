/**
 * The two config helpers of `@tradeguard/resilience`'s Config (copied: the
 * store depends on nothing of ours, docs/architecture.md).
 */
import * as Schema from "effect/Schema"

/** A field with a default: absent in the file means the seed's value. */
export const withDefault = <S extends Schema.Schema.Any>(schema: S, value: () => Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: value, exact: true })

/**
 * A nested section that may be omitted entirely (all its defaults apply);
 * every key of `schema` carries its own {@link withDefault}.
 */
export const section = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(schema, { default: () => Schema.decodeUnknownSync(schema)({}), exact: true })
