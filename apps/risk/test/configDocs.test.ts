import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import * as AppConfig from "../src/AppConfig.js"
import { configSections, renderConfigDocs, renderMarkdown, sections, undocumented, valueText } from "../src/internal/configDocs.js"

const docPath = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url))

const withDefault = <S extends Schema.Schema.Any>(schema: S, value: () => Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: value, exact: true })
const described = (description: string) => ({ description })

/** Every path of a plain value down to its leaves (arrays and empty objects are leaves). */
const leafPaths = (value: unknown, prefix: string): Array<string> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
    ? Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix === "" ? k : `${prefix}.${k}`))
    : [prefix]

describe("docs/configuration.md", () => {
  it("is exactly what `pnpm config-docs` renders from AppConfig.AppConfigSchema", () => {
    assert.isTrue(fs.existsSync(docPath), "docs/configuration.md is missing: run pnpm config-docs")
    const stale = fs.readFileSync(docPath, "utf8") !== renderConfigDocs()
    assert.isFalse(stale, "docs/configuration.md is stale: run pnpm config-docs (and commit it)")
  })

  it("every key and section of the config has a description annotation", () => {
    const missing = undocumented(configSections())
    assert.deepStrictEqual(
      missing,
      [],
      `add .annotations({ description }) to the property signature of: ${missing.join(", ")}; then run pnpm config-docs`
    )
  })

  it("documents every key `decode({})` yields, with that default", () => {
    const md = renderConfigDocs()
    const rows = configSections().flatMap((s) => s.rows)
    for (const path of leafPaths(AppConfig.defaults, "")) {
      const row = rows.find((r) => r.path === path)
      assert.isDefined(row, `${path} is not in docs/configuration.md`)
      const value = path.split(".").reduce<unknown>((at, k) => (at as Record<string, unknown>)[k], AppConfig.defaults)
      assert.strictEqual(row!.default, `\`${valueText(value)}\``, path)
      assert.include(md, `| \`${path}\` |`)
    }
    for (const name of Object.keys(AppConfig.defaults)) assert.include(md, `\n## ${name}\n`)
  })

  it("shows ranges, units, allowed values, and the rules' own defaults", () => {
    const rows = new Map(configSections().flatMap((s) => s.rows).map((r) => [r.path, r]))
    assert.deepInclude(rows.get("database.schemaVersion"), { type: "integer", range: "≥ 1, ≤ 4", default: "`4`" })
    assert.deepInclude(rows.get("signalr.health.pingInterval"), { type: "integer (milliseconds)", range: "> 0" })
    assert.deepInclude(rows.get("logging.level"), { type: "string", range: "one of \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\"" })
    assert.deepInclude(rows.get("risk.defaults.dailyLossLimit.amount"), { default: "`1000`", range: "> 0" })
    assert.deepInclude(rows.get("risk.defaults.maxLossLimit.amount"), { default: "required" })
    assert.deepInclude(rows.get("risk.defaults.tradingHours.flatBy"), { default: "—" })
    assert.deepInclude(rows.get("risk.accounts"), { type: "\"all\" or array of integer", range: "each > 0, at least 1 item(s)" })
    assert.include(rows.get("risk.perAccount.<key>.dailyLossLimit")!.type, "keys as `risk.defaults.dailyLossLimit`")
  })
})

describe("configDocs on any schema", () => {
  const Inner = Schema.Struct({
    size: withDefault(Schema.Number.pipe(Schema.int(), Schema.between(1, 9)), () => 3).annotations(described("How big.")),
    name: Schema.String
  })
  const Tier = Schema.Struct({ above: Schema.propertySignature(Schema.Number).annotations(described("From here.")) })
  const Root = Schema.Struct({
    one: withDefault(Inner, () => ({ size: 3, name: "x" })).annotations(described("The first | section.\nTwo lines.")),
    two: Schema.optionalWith(
      Schema.Struct({
        tiers: Schema.optionalWith(Schema.Array(Tier), { exact: true }).annotations(described("Tiers.")),
        again: Schema.optionalWith(Schema.NullOr(Inner), { exact: true }),
        byName: withDefault(Schema.Record({ key: Schema.String, value: Tier }), () => ({})).annotations(described("By name.")),
        pair: Schema.optionalWith(Schema.Tuple(Schema.String, Schema.Number), { exact: true }).annotations(described("A pair.")),
        either: Schema.optionalWith(Schema.Union(Schema.String, Schema.Number.pipe(Schema.positive())), { exact: true }),
        when: Schema.optionalWith(Schema.DateFromSelf, { exact: true }),
        count: Schema.optionalWith(Schema.NumberFromString, { exact: true }),
        odd: Schema.optionalWith(Schema.Number.pipe(Schema.filter((n) => n % 2 === 1)), { exact: true }),
        even: Schema.optionalWith(
          Schema.Number.pipe(Schema.filter((n) => n % 2 === 0), Schema.annotations({ description: "an even number" })),
          { exact: true }
        ),
        unit: Schema.optionalWith(Schema.Number.pipe(Schema.filter(() => true, { description: "hours" })), { exact: true }),
        text: Schema.optionalWith(Schema.String.pipe(Schema.minLength(2), Schema.maxLength(5)), { exact: true }),
        list: Schema.optionalWith(Schema.Array(Schema.Number).pipe(Schema.maxItems(2)), { exact: true }),
        nothing: Schema.optionalWith(Schema.Struct({}), { exact: true }),
        mixed: Schema.optionalWith(Schema.Union(Schema.Literal(1), Schema.Literal("a"), Schema.Number.pipe(Schema.lessThan(0))), { exact: true }),
        flags: Schema.optionalWith(Schema.Union(Schema.Literal(true), Schema.Literal(null)), { exact: true }),
        both: Schema.optionalWith(Schema.Union(Inner, Tier), { exact: true }),
        capped: Schema.optionalWith(Schema.Number.pipe(Schema.lessThanOrEqualTo(5)), { exact: true })
      }),
      { exact: true }
    )
  })
  const all = sections(Root, Schema.decodeUnknownSync(Root)({}))
  const rows = new Map(all.flatMap((s) => s.rows).map((r) => [r.path, r]))

  it("a row per key, nested sections expanded, a struct seen twice named once", () => {
    assert.deepStrictEqual(all.map((s) => s.name), ["one", "two"])
    assert.deepInclude(rows.get("one.size"), { type: "integer", range: "≥ 1, ≤ 9", default: "`3`", description: "How big.", depth: 0 })
    assert.deepInclude(rows.get("one.name"), { type: "string", default: "`x`", description: "" })
    assert.deepInclude(rows.get("two.tiers"), { type: "array of section", default: "—" })
    assert.deepInclude(rows.get("two.tiers[].above"), { type: "number", default: "required", depth: 1 })
    assert.deepInclude(rows.get("two.again"), { type: "section (keys as `one`) or null" })
    assert.isUndefined(rows.get("two.again.size"))
    assert.deepInclude(rows.get("two.byName"), { type: "map of string to section (keys as `two.tiers[]`)", default: "`{}`" })
    assert.isUndefined(rows.get("two.byName.<key>.above"))
  })

  it("types and ranges of unions, tuples, declarations, transformations and custom filters", () => {
    assert.deepInclude(rows.get("two.pair"), { type: "list" })
    assert.deepInclude(rows.get("two.either"), { type: "string or number", range: "> 0" })
    assert.deepInclude(rows.get("two.when"), { type: "DateFromSelf" })
    assert.deepInclude(rows.get("two.count"), { type: "string" })
    assert.deepInclude(rows.get("two.odd"), { type: "number", range: "" })
    assert.deepInclude(rows.get("two.even"), { type: "number", range: "an even number" })
    assert.deepInclude(rows.get("two.unit"), { type: "number (hours)" })
    assert.deepInclude(rows.get("two.text"), { range: "at least 2 characters, at most 5 characters" })
    assert.deepInclude(rows.get("two.list"), { range: "at most 2 item(s)" })
    assert.deepInclude(rows.get("two.nothing"), { type: "object" })
    assert.deepInclude(rows.get("two.mixed"), { type: "1 or \"a\" or number", range: "< 0" })
    assert.deepInclude(rows.get("two.flags"), { type: "boolean or null", range: "one of true, null" })
    assert.deepInclude(rows.get("two.capped"), { range: "≤ 5" })
    assert.include(rows.get("two.both")!.type, " or ")
  })

  it("lists what has no description, sections first; the page marks it and escapes table cells", () => {
    const missing = undocumented(all)
    assert.include(missing, "two")
    assert.include(missing, "one.name")
    assert.include(missing, "two.again")
    assert.notInclude(missing, "one")
    assert.notInclude(missing, "one.size")
    const md = renderMarkdown(all)
    assert.include(md, "## one\n\nThe first \\| section. Two lines.\n")
    assert.include(md, "## two\n\n**undocumented**\n")
    assert.include(md, "| `one.name` | string |  | `x` | **undocumented** |")
  })

  it("a schema that is not a struct has no sections; values are written as in the file", () => {
    assert.deepStrictEqual(sections(Schema.String, undefined), [])
    assert.strictEqual(valueText("INFO"), "INFO")
    assert.strictEqual(valueText([1, 2]), "[1,2]")
  })
})
