/**
 * The REST wire format: the `{..., success, errorCode, errorMessage}`
 * envelope, absent optional fields written as `null` (as the gateway's REST
 * replies do), and 400 replies shaped like ASP.NET's validation problems.
 *
 * @internal
 */
import * as ParseResult from "effect/ParseResult"
import * as AST from "effect/SchemaAST"
import type * as Schema from "effect/Schema"

/**
 * Writes `null` for every optional property that is absent, recursively,
 * following the encoded side of `ast` (call with `Schema.encodedSchema(s).ast`).
 */
export const withNulls = (ast: AST.AST, value: unknown): unknown => {
  switch (ast._tag) {
    case "Refinement":
      return withNulls(ast.from, value)
    case "Transformation":
      return withNulls(ast.to, value)
    case "Suspend":
      return withNulls(ast.f(), value)
    case "Union": {
      if (value === null || typeof value !== "object") return value
      const member = ast.types.find((t) => isShape(t, value))
      return member === undefined ? value : withNulls(member, value)
    }
    case "TupleType": {
      if (!Array.isArray(value)) return value
      const rest = ast.rest[0]?.type
      return value.map((v, i) => {
        const element = ast.elements[i]?.type ?? rest
        return element === undefined ? v : withNulls(element, v)
      })
    }
    case "TypeLiteral": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return value
      const input = value as Record<PropertyKey, unknown>
      const out: Record<PropertyKey, unknown> = {}
      for (const ps of ast.propertySignatures) {
        if (ps.name in input) out[ps.name] = withNulls(ps.type, input[ps.name])
        else if (ps.isOptional) out[ps.name] = null
      }
      for (const key of Object.keys(input)) if (!(key in out)) out[key] = input[key]
      return out
    }
    default:
      return value
  }
}

const isShape = (ast: AST.AST, value: object): boolean => {
  const base = ast._tag === "Refinement" ? ast.from : ast
  return Array.isArray(value) ? base._tag === "TupleType" : base._tag === "TypeLiteral"
}

/** Every top-level property of a struct's encoded side set to `null` (the payload of a rejection). */
export const nullPayload = (schema: Schema.Schema.Any): Record<string, null> => {
  const ast = AST.encodedAST(schema.ast)
  const base = ast._tag === "Refinement" ? ast.from : ast
  const out: Record<string, null> = {}
  if (base._tag === "TypeLiteral") for (const ps of base.propertySignatures) out[String(ps.name)] = null
  return out
}

/** A successful reply: the payload, then the envelope. */
export const success = (payload: unknown): Record<string, unknown> => ({
  ...(payload as Record<string, unknown>),
  success: true,
  errorCode: 0,
  errorMessage: null
})

/** A business rejection: the payload's fields as null, then the envelope. */
export const failure = (nulls: Record<string, null>, errorCode: number, errorMessage: string): Record<string, unknown> => ({
  ...nulls,
  success: false,
  errorCode,
  errorMessage
})

/** An ASP.NET-style validation problem (HTTP 400) naming the field. */
export const problem = (errors: Record<string, ReadonlyArray<string>>) => ({
  type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
  title: "One or more validation errors occurred.",
  status: 400,
  errors
})

/** The validation problem of a request that did not decode: one entry per issue, keyed by its path. */
export const problemOf = (error: ParseResult.ParseError) => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    ...issue,
    key: issue.path.length === 0
      ? "$"
      : issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("")
  }))
  const errors: Record<string, Array<string>> = {}
  for (const issue of issues) {
    // An optional field's "or undefined" alternative adds noise next to the real issue below it.
    const noise = issue.message.startsWith("Expected undefined") &&
      issues.some((other) => other !== issue && other.key.startsWith(`${issue.key}.`))
    if (noise) continue
    const message = issue._tag === "Missing" ? `The ${issue.key} field is required.` : `${issue.key}: ${issue.message}`
    ;(errors[issue.key] ??= []).push(message)
  }
  return problem(errors)
}
