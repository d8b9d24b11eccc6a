/**
 * docs/configuration.md, generated from the config Schema: every key of the
 * file with its type, default, allowed range and meaning. The walk reads the
 * Schema AST (Struct property signatures, defaults, literals and unions,
 * refinements, arrays, records), so a key added to any section appears
 * without touching this file; a key whose property signature has no
 * `description` annotation is listed by {@link undocumented} (the sync test
 * fails naming it).
 *
 * `pnpm config-docs` writes the file (apps/risk/scripts/config-docs.ts);
 * test/configDocs.test.ts compares it with {@link renderConfigDocs}.
 */
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as AppConfig from "../AppConfig.js"

/** One key of the file. */
export interface Row {
  /** `a.b.c`; `<key>` stands for a key of a map, `[]` for an element of a list. */
  readonly path: string
  /** `integer (milliseconds)`, `boolean`, `section`, `array of string`, ... */
  readonly type: string
  /** Allowed values or bounds (`≥ 0`, `"a"`, `"b"`), "" when any value of the type is allowed. */
  readonly range: string
  /** The value used when the key is absent, as the file would write it; `required` or `—` when none. */
  readonly default: string
  /** The description annotation of the key, "" when it has none. */
  readonly description: string
  /** Nesting depth below the top-level section (0: a key of the section itself). */
  readonly depth: number
}

/** A top-level section: its heading, description and every key below it. */
export interface Section {
  readonly name: string
  readonly description: string
  readonly rows: ReadonlyArray<Row>
}

interface Property {
  readonly name: string
  /** The schema of the value as the file gives it. */
  readonly type: AST.AST
  readonly optional: boolean
  readonly description: string
  /** The default of an optional-with-default key (its decoded value). */
  readonly fallback: Option.Option<unknown>
}

interface StructInfo {
  /** The node that identifies this struct (the same node seen twice is documented once). */
  readonly node: AST.AST
  readonly properties: ReadonlyArray<Property>
  readonly records: ReadonlyArray<AST.IndexSignature>
}

interface Facts {
  base: string
  integer: boolean
  units: Array<string>
  bounds: Array<string>
}

const descriptionOf = (annotated: AST.Annotated): string =>
  Option.getOrElse(AST.getDescriptionAnnotation(annotated), () => "")

const jsonSchemaOf = (ast: AST.AST): Record<string, unknown> | undefined =>
  Option.getOrUndefined(AST.getJSONSchemaAnnotation(ast)) as Record<string, unknown> | undefined

/** Effect's own descriptions of its filters ("an integer", "a positive number"): not a unit. */
const isBuiltInDescription = (text: string): boolean => /^an? /.test(text)

const nameOf = (name: PropertyKey): string => (typeof name === "symbol" ? String(name.description) : String(name))

/** The struct behind `ast` (through refinements and transformations), if it is one. */
export const structOf = (ast: AST.AST): StructInfo | undefined => {
  switch (ast._tag) {
    case "Refinement":
      return structOf(ast.from)
    case "Transformation": {
      if (ast.transformation._tag === "TypeLiteralTransformation" && AST.isTypeLiteral(ast.from) && AST.isTypeLiteral(ast.to)) {
        const to = ast.to
        const transformations = ast.transformation.propertySignatureTransformations
        return {
          node: ast,
          properties: ast.from.propertySignatures.map((from) => {
            const toSignature = to.propertySignatures.find((p) => p.name === from.name)
            const pst = transformations.find((t) => t.from === from.name)
            return {
              name: nameOf(from.name),
              type: from.type,
              optional: from.isOptional,
              description: descriptionOf(from) || (toSignature === undefined ? "" : descriptionOf(toSignature)),
              fallback: pst === undefined ? Option.none() : pst.decode(Option.none())
            }
          }),
          records: ast.from.indexSignatures
        }
      }
      return structOf(ast.from)
    }
    case "TypeLiteral":
      if (ast.propertySignatures.length === 0) return undefined
      return {
        node: ast,
        properties: ast.propertySignatures.map((p) => ({
          name: nameOf(p.name),
          type: p.type,
          optional: p.isOptional,
          description: descriptionOf(p),
          fallback: Option.none()
        })),
        records: ast.indexSignatures
      }
    default:
      return undefined
  }
}

/** The map behind `ast`: a TypeLiteral with one index signature and no named keys. */
const recordOf = (ast: AST.AST): AST.IndexSignature | undefined => {
  const bare = stripRefinements(ast)
  return AST.isTypeLiteral(bare) && bare.propertySignatures.length === 0 && bare.indexSignatures.length === 1
    ? bare.indexSignatures[0]
    : undefined
}

/** The element of a list: `[...X[]]` or a non-empty `[X, ...X[]]`. */
const arrayOf = (ast: AST.AST): { readonly element: AST.AST; readonly nonEmpty: boolean } | undefined => {
  const bare = stripRefinements(ast)
  if (!AST.isTupleType(bare) || bare.rest.length !== 1) return undefined
  if (bare.elements.length === 0) return { element: bare.rest[0].type, nonEmpty: false }
  return bare.elements.length === 1 ? { element: bare.rest[0].type, nonEmpty: true } : undefined
}

const stripRefinements = (ast: AST.AST): AST.AST => {
  if (AST.isRefinement(ast)) return stripRefinements(ast.from)
  if (AST.isTransformation(ast) && ast.transformation._tag !== "TypeLiteralTransformation") return stripRefinements(ast.from)
  return ast
}

const literalType = (literal: AST.LiteralValue): string => (literal === null ? "null" : typeof literal)

const literalText = (literal: AST.LiteralValue): string =>
  typeof literal === "string" ? `"${literal}"` : literal === null ? "null" : String(literal)

const boundsOf = (json: Record<string, unknown>): Array<string> => {
  const out: Array<string> = []
  if (typeof json["minimum"] === "number") out.push(`≥ ${json["minimum"]}`)
  if (typeof json["exclusiveMinimum"] === "number") out.push(`> ${json["exclusiveMinimum"]}`)
  if (typeof json["maximum"] === "number") out.push(`≤ ${json["maximum"]}`)
  if (typeof json["exclusiveMaximum"] === "number") out.push(`< ${json["exclusiveMaximum"]}`)
  if (typeof json["minItems"] === "number") out.push(`at least ${json["minItems"]} item(s)`)
  if (typeof json["maxItems"] === "number") out.push(`at most ${json["maxItems"]} item(s)`)
  if (typeof json["minLength"] === "number") out.push(json["minLength"] === 1 ? "not empty" : `at least ${json["minLength"]} characters`)
  if (typeof json["maxLength"] === "number") out.push(`at most ${json["maxLength"]} characters`)
  if (typeof json["pattern"] === "string") out.push(`matches \`${json["pattern"]}\``)
  return out
}

/** Type and range of a value that is not a struct. */
const factsOf = (ast: AST.AST, seen: Map<AST.AST, string>): Facts => {
  switch (ast._tag) {
    case "Refinement": {
      const inner = factsOf(ast.from, seen)
      const json = jsonSchemaOf(ast)
      const description = descriptionOf(ast)
      if (json !== undefined) {
        if (json["type"] === "integer") inner.integer = true
        inner.bounds.push(...boundsOf(json))
        if (description !== "" && !isBuiltInDescription(description)) inner.units.push(description)
      } else if (description !== "") {
        if (isBuiltInDescription(description)) inner.bounds.push(description)
        else inner.units.push(description)
      }
      return inner
    }
    case "Transformation": {
      const struct = structOf(ast)
      return struct === undefined ? factsOf(ast.from, seen) : { base: structText(struct, seen), integer: false, units: [], bounds: [] }
    }
    case "StringKeyword":
      return { base: "string", integer: false, units: [], bounds: [] }
    case "NumberKeyword":
      return { base: "number", integer: false, units: [], bounds: [] }
    case "BooleanKeyword":
      return { base: "boolean", integer: false, units: [], bounds: [] }
    case "Literal":
      return { base: literalType(ast.literal), integer: false, units: [], bounds: [literalText(ast.literal)] }
    case "Union": {
      const literals = ast.types.filter(AST.isLiteral)
      if (literals.length === ast.types.length) {
        const types = Array.from(new Set(literals.map((t) => literalType(t.literal))))
        return { base: types.join(" or "), integer: false, units: [], bounds: [`one of ${literals.map((t) => literalText(t.literal)).join(", ")}`] }
      }
      return {
        base: ast.types.map((t) => (AST.isLiteral(t) ? literalText(t.literal) : render(factsOf(t, seen)))).join(" or "),
        integer: false,
        units: [],
        bounds: ast.types.flatMap((t) => (AST.isLiteral(t) ? [] : factsOf(t, seen).bounds))
      }
    }
    case "TupleType": {
      const array = arrayOf(ast)
      if (array === undefined) return { base: "list", integer: false, units: [], bounds: [] }
      const element = factsOf(array.element, seen)
      return {
        base: `${array.nonEmpty ? "non-empty " : ""}array of ${render(element)}`,
        integer: false,
        units: [],
        bounds: element.bounds.map((b) => `each ${b}`)
      }
    }
    case "TypeLiteral": {
      const record = recordOf(ast)
      if (record !== undefined) {
        const key = factsOf(record.parameter, seen)
        const value = factsOf(record.type, seen)
        return {
          base: `map of ${render(key)} to ${render(value)}`,
          integer: false,
          units: [],
          bounds: [...key.bounds.map((b) => `keys: ${b}`), ...value.bounds.map((b) => `values: ${b}`)]
        }
      }
      const struct = structOf(ast)
      return { base: struct === undefined ? "object" : structText(struct, seen), integer: false, units: [], bounds: [] }
    }
    default:
      return {
        base: Option.getOrElse(Option.orElse(AST.getIdentifierAnnotation(ast), () => AST.getTitleAnnotation(ast)), () => ast._tag),
        integer: false,
        units: [],
        bounds: []
      }
  }
}

const structText = (struct: StructInfo, seen: Map<AST.AST, string>): string => {
  const at = seen.get(struct.node)
  return at === undefined ? "section" : `section (keys as \`${at}\`)`
}

const render = (facts: Facts): string => {
  const base = facts.integer && facts.base === "number" ? "integer" : facts.base
  return facts.units.length > 0 ? `${base} (${facts.units.join(", ")})` : base
}

const typeText = (ast: AST.AST, seen: Map<AST.AST, string>): string => render(factsOf(ast, seen))

/** How a value is written in the file: strings bare, the rest as JSON. */
export const valueText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

const lookup = (value: unknown, path: ReadonlyArray<string>): Option.Option<unknown> => {
  let at: unknown = value
  for (const key of path) {
    if (typeof at !== "object" || at === null || !Object.prototype.hasOwnProperty.call(at, key)) return Option.none()
    at = (at as Record<string, unknown>)[key]
  }
  return Option.some(at)
}

/** The struct a value of `ast` holds: itself, the struct member of a union with literals (`Rule | null`), a list's element. */
const nestedStruct = (ast: AST.AST): { readonly struct: StructInfo; readonly suffix: string } | undefined => {
  const direct = structOf(ast)
  if (direct !== undefined) return { struct: direct, suffix: "" }
  if (AST.isUnion(ast)) {
    const structs = ast.types.filter((t) => structOf(t) !== undefined)
    if (structs.length === 1 && ast.types.every((t) => t === structs[0] || AST.isLiteral(t))) {
      return { struct: structOf(structs[0])!, suffix: "" }
    }
    return undefined
  }
  const array = arrayOf(ast)
  if (array !== undefined) {
    const element = structOf(array.element)
    if (element !== undefined) return { struct: element, suffix: "[]" }
  }
  return undefined
}

/** A section whose default holds no key at all (`risk.defaults`: no rule) shows `{}`, any other section "—". */
const isEmptyObject = (value: Option.Option<unknown>): boolean =>
  Option.exists(value, (v) => typeof v === "object" && v !== null && Object.keys(v).length === 0)

const walk = (
  struct: StructInfo,
  prefix: string,
  dataPath: ReadonlyArray<string> | undefined,
  defaults: unknown,
  depth: number,
  seen: Map<AST.AST, string>,
  out: Array<Row>
): void => {
  seen.set(struct.node, prefix)
  for (const property of struct.properties) {
    const path = `${prefix}.${property.name}`
    const keyPath = dataPath === undefined ? undefined : [...dataPath, property.name]
    const nested = nestedStruct(property.type)
    const fromDefaults = keyPath === undefined ? Option.none() : lookup(defaults, keyPath)
    const fallback = Option.orElse(fromDefaults, () => property.fallback)
    const alreadySeen = nested !== undefined && seen.has(nested.struct.node)
    const expands = nested !== undefined && !alreadySeen
    const facts = factsOf(property.type, seen)
    out.push({
      path,
      type: typeText(property.type, seen),
      range: facts.bounds.join(", "),
      default: expands && nested.suffix === "" && structOf(property.type) !== undefined && !isEmptyObject(fallback)
        ? "—"
        : Option.match(fallback, { onNone: () => (property.optional ? "—" : "required"), onSome: (v) => `\`${valueText(v)}\`` }),
      description: property.description,
      depth
    })
    if (expands) {
      walk(nested.struct, `${path}${nested.suffix}`, nested.suffix === "" ? keyPath : undefined, defaults, depth + 1, seen, out)
    } else if (nested === undefined) {
      const record = recordOf(property.type)
      const value = record === undefined ? undefined : structOf(record.type)
      if (value !== undefined && !seen.has(value.node)) walk(value, `${path}.<key>`, undefined, defaults, depth + 1, seen, out)
    }
  }
}

/**
 * Every key of `schema` (the whole config file), one {@link Section} per top-level key, defaults read from
 * `defaults` (the decoded `{}`), or from the key's own default inside a section that has none (a rule).
 */
export const sections = (schema: Schema.Schema.Any, defaults: unknown): Array<Section> => {
  const root = structOf(schema.ast)
  if (root === undefined) return []
  const seen = new Map<AST.AST, string>()
  return root.properties.map((property) => {
    const rows: Array<Row> = []
    const nested = nestedStruct(property.type)
    if (nested !== undefined) walk(nested.struct, property.name, [property.name], defaults, 0, seen, rows)
    return { name: property.name, description: property.description, rows }
  })
}

/** The path of every key (and section) without a description annotation, in file order. */
export const undocumented = (all: ReadonlyArray<Section>): Array<string> => [
  ...all.filter((s) => s.description === "").map((s) => s.name),
  ...all.flatMap((s) => s.rows.filter((r) => r.description === "").map((r) => r.path))
]

const cell = (text: string): string => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|")

/** The Markdown page: a table per top-level section. */
export const renderMarkdown = (all: ReadonlyArray<Section>): string => {
  const lines: Array<string> = [
    "# Configuration reference",
    "",
    "<!-- Generated by `pnpm config-docs` from apps/risk's AppConfig.AppConfigSchema: do not edit by hand.",
    "     apps/risk/test/configDocs.test.ts fails while this file is stale or a key has no description. -->",
    "",
    "Every key of `config.yaml` (`tradeguard run --config <file>`, `tradeguard config check <file>`). Every key is",
    "optional unless its default says `required`: an absent key takes its default, an absent section takes the",
    "defaults of all its keys, and an unknown key is an error (a typo never falls back to a default silently).",
    "Durations are in milliseconds unless the type says otherwise. `<key>` stands for a key of a map you choose",
    "(an account id, a symbol), `[]` for each element of a list. A rule under `risk.defaults` or `risk.perAccount`",
    "that is absent is off; the defaults of its keys apply once the rule is given.",
    "",
    "Checks across keys (the file is refused, naming the key): a plaintext `http://` / `ws://` URL to a host that is",
    "not loopback unless `api.allowInsecure`; `api.baseUrl` and the hub URLs of different gateways;",
    "`errorHandling.retries.backoffBase` above `maxBackoffMs`; `authentication.storage.keySource: keyring` (not",
    "implemented). `tradeguard config check` also warns about what is allowed but probably wrong (rate limits above the",
    "gateway's own, no rule configured).",
    "",
    "Sections: " + all.map((s) => `[\`${s.name}\`](#${s.name.toLowerCase()})`).join(", "),
    ""
  ]
  for (const section of all) {
    lines.push(`## ${section.name}`, "", cell(section.description || "**undocumented**"), "")
    lines.push("| key | type | allowed | default | meaning |", "| --- | --- | --- | --- | --- |")
    for (const row of section.rows) {
      lines.push(
        `| \`${cell(row.path)}\` | ${cell(row.type)} | ${cell(row.range)} | ${cell(row.default)} | ${cell(row.description || "**undocumented**")} |`
      )
    }
    lines.push("")
  }
  return lines.join("\n")
}

/** The sections of apps/risk's `config.yaml` (`AppConfig.AppConfigSchema`, defaults `AppConfig.defaults`). */
export const configSections = (): Array<Section> => sections(AppConfig.AppConfigSchema, AppConfig.defaults)

/** docs/configuration.md as `pnpm config-docs` writes it. */
export const renderConfigDocs = (): string => renderMarkdown(configSections())
