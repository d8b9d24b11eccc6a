/**
 * Every exported name of every public module has a doc line and a `@since` tag (the rule
 * `pnpm run docs` enforces with `@effect/docgen`, checked here fast and without running it).
 * Packages are discovered: every `packages/*` and `apps/*` with a `src/index.ts`. The public
 * modules of a package are the files its index re-exports (`export * as X from "./X.js"`);
 * `src/internal/**` and `bin.ts` are not public. Each namespace export of the index needs its
 * own doc comment too. The check is syntactic (TypeScript's parser, no program): a declaration's
 * doc is its closest JSDoc block, as docgen reads it; an `export { a }` specifier's is the comment
 * right before the name inside the braces.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

/** A workspace package with a public API: its short name (the folder) and its folder. */
interface Package {
  readonly name: string
  readonly dir: string
}

/** Every `packages/*` and `apps/*` folder with a `src/index.ts`. */
const discoverPackages = (): ReadonlyArray<Package> =>
  ["packages", "apps"].flatMap((group) => {
    const base = path.join(root, group)
    if (!fs.existsSync(base)) return []
    return fs
      .readdirSync(base, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(base, entry.name, "src", "index.ts")))
      .map((entry) => ({ name: entry.name, dir: path.join(base, entry.name) }))
  })

const parse = (file: string): ts.SourceFile =>
  ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)

/** The text of a JSDoc block (`/** ... *\/`) without its delimiters and leading stars. */
const jsDocBody = (comment: string): string =>
  comment
    .replace(/^\/\*\*/, "")
    .replace(/\*\/$/, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n")

/** What is wrong with a doc comment ("" when it has a description and a `@since`). */
const problemOf = (comment: string | undefined): string => {
  if (comment === undefined) return "no doc comment"
  const body = jsDocBody(comment)
  const tagAt = body.search(/(^|\n)\s*@\w/)
  const description = (tagAt === -1 ? body : body.slice(0, tagAt)).trim()
  const since = /(^|\n)\s*@since\s+\d+\.\d+\.\d+/.test(body)
  if (description === "" && !since) return "no description, no @since"
  if (description === "") return "no description"
  if (!since) return "no @since"
  return ""
}

/** The JSDoc blocks in the trivia before a node (its leading comments, same line or not), in order. */
const jsDocsBefore = (source: ts.SourceFile, node: ts.Node): ReadonlyArray<string> =>
  source.text.slice(node.pos, node.getStart(source)).match(/\/\*\*[\s\S]*?\*\//g) ?? []

/** The closest JSDoc block before a node: the one docgen reads as its documentation. */
const closestJsDoc = (source: ts.SourceFile, node: ts.Node): string | undefined => jsDocsBefore(source, node).at(-1)


/** One exported name with the comment that documents it. */
interface Documented {
  readonly name: string
  readonly comment: string | undefined
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind)

const hasExport = (node: ts.Node): boolean => hasModifier(node, ts.SyntaxKind.ExportKeyword)

/**
 * The members of an exported class that docgen documents: its methods (instance and static; for
 * overloads the first signature) and its instance properties that are not private. A member whose
 * doc says `@internal` or `@ignore` is left out, as docgen leaves it out.
 */
const classMembers = (source: ts.SourceFile, className: string, node: ts.ClassDeclaration): ReadonlyArray<Documented> => {
  const out: Array<Documented> = []
  const seen = new Set<string>()
  for (const member of node.members) {
    const isMethod = ts.isMethodDeclaration(member)
    const isProperty = ts.isPropertyDeclaration(member) &&
      !hasModifier(member, ts.SyntaxKind.StaticKeyword) &&
      !hasModifier(member, ts.SyntaxKind.PrivateKeyword) &&
      !ts.isPrivateIdentifier(member.name)
    if (!isMethod && !isProperty) continue
    const name = member.name.getText(source)
    if (seen.has(name)) continue
    seen.add(name)
    const comment = closestJsDoc(source, member)
    if (comment !== undefined && /@(internal|ignore)\b/.test(comment)) continue
    out.push({ name: `${className}#${name}`, comment })
  }
  return out
}

/** The exported names of a module's top level, each with its doc comment. */
const exportsOf = (source: ts.SourceFile): ReadonlyArray<Documented> => {
  const out: Array<Documented> = []
  const seenFunctions = new Set<string>()
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause
      if (clause === undefined) {
        out.push({ name: `* from ${statement.moduleSpecifier?.getText(source)}`, comment: closestJsDoc(source, statement) })
      } else if (ts.isNamespaceExport(clause)) {
        out.push({ name: clause.name.text, comment: closestJsDoc(source, statement) })
      } else {
        for (const specifier of clause.elements) {
          out.push({ name: specifier.name.text, comment: closestJsDoc(source, specifier) })
        }
      }
      continue
    }
    if (!hasExport(statement)) continue
    const comment = closestJsDoc(source, statement)
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        out.push({ name: declaration.name.getText(source), comment })
      }
    } else if (ts.isFunctionDeclaration(statement) && statement.name !== undefined) {
      // Overloads: the first signature carries the doc.
      if (seenFunctions.has(statement.name.text)) continue
      seenFunctions.add(statement.name.text)
      out.push({ name: statement.name.text, comment })
    } else if (ts.isClassDeclaration(statement)) {
      const name = statement.name?.text ?? "default"
      out.push({ name, comment })
      out.push(...classMembers(source, name, statement))
    } else if (
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isModuleDeclaration(statement)
    ) {
      out.push({ name: statement.name?.getText(source) ?? "default", comment })
    }
  }
  return out
}

/** The modules an index re-exports as namespaces: `[namespace, file]`. */
const publicModules = (pkg: Package): ReadonlyArray<readonly [namespace: string, file: string]> =>
  parse(path.join(pkg.dir, "src", "index.ts")).statements.flatMap((statement) => {
    if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier === undefined) return []
    if (statement.exportClause === undefined || !ts.isNamespaceExport(statement.exportClause)) return []
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text
    const file = path.join(pkg.dir, "src", specifier.replace(/\.js$/, ".ts"))
    return [[statement.exportClause.name.text, file] as const]
  })

/** `package/Module.name: problem` for every undocumented export of a package. */
const offenders = (pkg: Package): ReadonlyArray<string> => {
  const index = parse(path.join(pkg.dir, "src", "index.ts"))
  const found: Array<readonly [where: string, problem: string]> = exportsOf(index).map((e) => [
    `${pkg.name}/index.${e.name}`,
    problemOf(e.comment)
  ])
  const indexFirst = index.statements[0]
  found.push([`${pkg.name}/index (module)`, problemOf(indexFirst && jsDocsBefore(index, indexFirst)[0])])
  for (const [, file] of publicModules(pkg)) {
    const module = path.basename(file, ".ts")
    const source = parse(file)
    // The module's own doc: the first JSDoc block of the file.
    const first = source.statements[0]
    found.push([`${pkg.name}/${module} (module)`, problemOf(first && jsDocsBefore(source, first)[0])])
    for (const e of exportsOf(source)) found.push([`${pkg.name}/${module}.${e.name}`, problemOf(e.comment)])
  }
  return found.filter(([, problem]) => problem !== "").map(([where, problem]) => `${where}: ${problem}`)
}

describe("API docs", () => {
  it("problemOf tells a doc line and @since from a missing one", () => {
    expect(problemOf("/**\n * The thing.\n *\n * @since 0.1.0\n */")).toBe("")
    expect(problemOf("/** The thing. */")).toBe("no @since")
    expect(problemOf("/**\n * @since 0.1.0\n */")).toBe("no description")
    expect(problemOf(undefined)).toBe("no doc comment")
  })

  it("exportsOf finds every kind of export with its closest doc comment", () => {
    const source = ts.createSourceFile(
      "x.ts",
      [
        "/** a. @since 1.0.0 */ export const a = 1, b = 2",
        "export function f(x: string): void",
        "/** g */ export function f(x: number): void",
        "export function f(): void {}",
        "export { /** c. */ c, d } from \"./c.js\"",
        "/** ns */ export * as N from \"./n.js\"",
        "export interface I {}",
        "export type T = 1",
        "export class K { static make() {} /** m. */ m() {} p = 1; private q = 2; static s = 3 }",
        "const internal = 1"
      ].join("\n"),
      ts.ScriptTarget.Latest,
      true
    )
    expect(exportsOf(source).map((e) => [e.name, e.comment])).toEqual([
      ["a", "/** a. @since 1.0.0 */"],
      ["b", "/** a. @since 1.0.0 */"],
      ["f", undefined],
      ["c", "/** c. */"],
      ["d", undefined],
      ["N", "/** ns */"],
      ["I", undefined],
      ["T", undefined],
      ["K", undefined],
      ["K#make", undefined],
      ["K#m", "/** m. */"],
      ["K#p", undefined]
    ])
  })

  it("discovers every package with a src/index.ts", () => {
    const names = discoverPackages().map((p) => p.name)
    expect(names).toEqual(expect.arrayContaining(["gateway", "resilience", "realtime", "simulator", "risk"]))
  })

  it("every exported name of every public module has a doc line and @since", () => {
    const problems = discoverPackages().flatMap(offenders)
    expect(problems, `undocumented exports:\n${problems.join("\n")}`).toEqual([])
  })
})
