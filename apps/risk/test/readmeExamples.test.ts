/**
 * Every ```ts block of every README (the root one and each package's)
 * type-checks against the workspace's public API, so the examples cannot rot.
 * Each block is written to `apps/risk/dist/readme-examples/<pkg>-<n>.ts`
 * (ignored build output; `effect` and the `@effect/*` packages resolve from
 * there) and checked with the TypeScript compiler API under the options of
 * `tsconfig.base.json`, `@tradeguard/*` mapped to the packages' sources (as
 * the vitest aliases do: no build needed). A block whose first line is
 * `// not compiled: <reason>` is skipped; yaml, sh and other blocks are not ts.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"
import { workspaceDirs } from "./utils/pack.js"

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const root = path.resolve(app, "../..")
const out = path.join(app, "dist", "readme-examples")

/** The workspace's packages (`packages/*`, `apps/*`), each by its short name: a new package is covered without a list to edit. */
const packages: ReadonlyArray<readonly [name: string, dir: string]> = workspaceDirs().map((dir) => [path.basename(dir), dir])

/** The READMEs whose examples are checked, with the short name used in file names. */
const readmes: ReadonlyArray<readonly [name: string, file: string]> = [
  ["root", "README.md"],
  ...packages.map(([name, dir]) => [name, `${dir}/README.md`] as const)
]

/** Where each public module of the workspace lives (its source, as in vitest.shared.ts). */
const sources: ReadonlyArray<readonly [name: string, dir: string]> = packages

/** One fenced code block of a README. */
interface Block {
  readonly lang: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly code: string
}

/** The fenced blocks of a markdown text, in order (fence language lower-cased, "" when none). */
const fencedBlocks = (markdown: string): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  const lines = markdown.split("\n")
  let open: { lang: string; line: number; body: Array<string> } | undefined
  lines.forEach((text, i) => {
    const fence = /^\s*```\s*([\w-]*)/.exec(text)
    if (open === undefined) {
      if (fence) open = { lang: fence[1]!.toLowerCase(), line: i + 1, body: [] }
    } else if (fence && fence[1] === "") {
      blocks.push({ lang: open.lang, line: open.line, code: open.body.join("\n") + "\n" })
      open = undefined
    } else {
      open.body.push(text)
    }
  })
  return blocks
}

const isTypeScript = (block: Block) => block.lang === "ts" || block.lang === "typescript"
const optedOut = (block: Block) => /^\s*\/\/\s*not compiled:\s*\S/.test(block.code.split("\n")[0] ?? "")

/** The compiler options of tsconfig.base.json, for a check without output. */
const compilerOptions = (): ts.CompilerOptions => {
  const file = path.join(root, "tsconfig.base.json")
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, root)
  const paths: Record<string, Array<string>> = {}
  for (const [name, dir] of sources) {
    paths[`@tradeguard/${name}`] = [path.join(root, dir, "src", "index.ts")]
    paths[`@tradeguard/${name}/*`] = [path.join(root, dir, "src", "*.ts")]
  }
  return {
    ...parsed.options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    paths
  }
}

interface Example {
  readonly readme: string
  readonly index: number
  readonly line: number
  readonly file: string
}

/** Writes every ts block to `out` and returns where each came from. */
const writeExamples = (): ReadonlyArray<Example> => {
  fs.rmSync(out, { recursive: true, force: true })
  fs.mkdirSync(out, { recursive: true })
  const examples: Array<Example> = []
  for (const [name, readme] of readmes) {
    const blocks = fencedBlocks(fs.readFileSync(path.join(root, readme), "utf8")).filter(isTypeScript)
    blocks.forEach((block, i) => {
      if (optedOut(block)) return
      const file = path.join(out, `${name}-${i + 1}.ts`)
      // Each example is a module of its own (no clashes between top-level names).
      fs.writeFileSync(file, `${block.code}export {}\n`)
      examples.push({ readme, index: i + 1, line: block.line, file })
    })
  }
  return examples
}

describe("README examples", () => {
  it("fencedBlocks finds each block with its language and line, and the opt-out marker", () => {
    const blocks = fencedBlocks("# t\n```ts\n// not compiled: pseudo\nx\n```\ntext\n```sh\nls\n```\n```\nplain\n```\n")
    expect(blocks.map((b) => [b.lang, b.line])).toEqual([["ts", 2], ["sh", 7], ["", 10]])
    expect(optedOut(blocks[0]!)).toBe(true)
    expect(isTypeScript(blocks[1]!)).toBe(false)
  })

  it("every ts block of every README type-checks against the workspace API", () => {
    const examples = writeExamples()
    expect(examples.length).toBeGreaterThan(0)
    const program = ts.createProgram(examples.map((e) => e.file), compilerOptions())
    const problems = examples.flatMap((example) => {
      const source = program.getSourceFile(example.file)!
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
        const where = d.start === undefined ? "" : `:${source.getLineAndCharacterOfPosition(d.start).line + 1}`
        const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ")
        return `${example.readme} ts block ${example.index} (fence at line ${example.line}), ${path.basename(example.file)}${where}: TS${d.code} ${message}`
      })
    })
    expect(problems, problems.join("\n")).toEqual([])
  }, 120_000)
})
