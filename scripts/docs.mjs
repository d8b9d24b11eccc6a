#!/usr/bin/env node
/**
 * `pnpm run docs` (a bare `pnpm docs` is npm's docs command: pnpm passes it
 * through before looking at scripts): the API documentation of every workspace package with a
 * `src/index.ts` (every `packages/*` and `apps/*`, discovered), built with
 * `@effect/docgen` into `docs/api/<package>/`. The public modules of a package
 * are the files its index re-exports (`export * as X from "./X.js"`); every
 * other file under `src` (`src/internal/**`, `bin.ts`, CLI modules) is
 * excluded. docgen fails on an export without a description or `@since`, and
 * type-checks every `@example` against the workspace sources.
 *
 * Each package's `docgen.json` is generated from that discovery (and written
 * when it differs, so a new package gets one on its first run): commit it.
 * `node scripts/docs.mjs --check` only checks that they are up to date.
 */
/* global process, console */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const checkOnly = process.argv.includes("--check")

/** Every `packages/*` and `apps/*` folder with a `src/index.ts`. */
const discover = () =>
  ["packages", "apps"].flatMap((group) => {
    const base = path.join(root, group)
    if (!fs.existsSync(base)) return []
    return fs
      .readdirSync(base, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(base, e.name, "src", "index.ts")))
      .map((e) => ({ name: e.name, rel: `${group}/${e.name}`, dir: path.join(base, e.name) }))
  })

/** The files (relative to `src`) an index re-exports as namespaces. */
const publicModules = (dir) => {
  const index = fs.readFileSync(path.join(dir, "src", "index.ts"), "utf8")
  return [...index.matchAll(/^export \* as \w+ from "\.\/([\w/]+)\.js"/gm)].map((m) => `${m[1]}.ts`)
}

/** Every `.ts` file under `src`, relative to it. */
const sources = (dir, sub = "") =>
  fs.readdirSync(path.join(dir, "src", sub), { withFileTypes: true }).flatMap((e) => {
    const rel = sub === "" ? e.name : `${sub}/${e.name}`
    if (e.isDirectory()) return sources(dir, rel)
    return e.name.endsWith(".ts") ? [rel] : []
  })

const packages = discover()

/** The docgen.json of a package: output in docs/api/<name>, non-public files excluded. */
const configOf = (pkg) => {
  const pub = new Set(["index.ts", ...publicModules(pkg.dir)])
  const hidden = sources(pkg.dir).filter((f) => !pub.has(f) && !f.startsWith("internal/"))
  const up = path.relative(pkg.dir, root).split(path.sep).join("/")
  // docgen writes into <package>/apidocs (it must be one level deep: examples import the package
  // itself as "../../src"), checks the examples in apidocs/examples (paths are relative to it),
  // and the output is then moved to docs/api/<name>. In the examples `@tradeguard/*` resolves to
  // the workspace sources, `effect` and `@effect/*` from the package's own node_modules (they are
  // peer dependencies: not hoisted to the root).
  const fromExamples = path.relative(path.join(pkg.dir, "apidocs", "examples"), root).split(path.sep).join("/")
  const paths = {}
  for (const other of packages) {
    paths[`@tradeguard/${other.name}`] = [`${fromExamples}/${other.rel}/src/index.ts`]
    paths[`@tradeguard/${other.name}/*`] = [`${fromExamples}/${other.rel}/src/*.ts`]
  }
  for (const peer of ["effect", "effect/*", "@effect/*"]) paths[peer] = [`${fromExamples}/${pkg.rel}/node_modules/${peer}`]
  return {
    $schema: `${up}/node_modules/@effect/docgen/schema.json`,
    projectHomepage: `https://github.com/tradeguard/tradeguard/tree/main/${pkg.rel}`,
    srcDir: "src",
    outDir: "apidocs",
    enableSearch: false,
    enforceDescriptions: true,
    enforceVersion: true,
    exclude: ["src/internal/**/*.ts", ...hidden.map((f) => `src/${f}`)],
    examplesCompilerOptions: {
      noEmit: true,
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: true,
      target: "ES2022",
      lib: ["ES2022"],
      types: ["node"],
      module: "ESNext",
      moduleResolution: "Bundler",
      paths
    }
  }
}

let stale = 0
for (const pkg of packages) {
  const file = path.join(pkg.dir, "docgen.json")
  const text = JSON.stringify(configOf(pkg), null, 2) + "\n"
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    stale++
    if (checkOnly) console.error(`${pkg.rel}/docgen.json is out of date: run pnpm run docs and commit it`)
    else {
      fs.writeFileSync(file, text)
      console.log(`wrote ${pkg.rel}/docgen.json (commit it)`)
    }
  }
}
if (checkOnly) process.exit(stale === 0 ? 0 : 1)

const docgen = path.join(root, "node_modules", ".bin", "docgen")
const started = process.hrtime.bigint()
const failed = []
for (const pkg of packages) {
  const t0 = process.hrtime.bigint()
  console.log(`docs: ${pkg.rel}`)
  // docgen spawns `tsc` for the examples: the workspace's, first on PATH.
  const env = { ...process.env, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}` }
  const run = spawnSync(docgen, [], { cwd: pkg.dir, stdio: "inherit", env })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (run.status !== 0) failed.push(pkg.rel)
  const target = path.join(root, "docs", "api", pkg.name)
  fs.rmSync(target, { recursive: true, force: true })
  const built = path.join(pkg.dir, "apidocs")
  if (fs.existsSync(built)) {
    fs.rmSync(path.join(built, "examples"), { recursive: true, force: true })
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.renameSync(built, target)
  }
  console.log(`docs: ${pkg.rel} ${run.status === 0 ? "ok" : "FAILED"} in ${seconds.toFixed(1)} s`)
}
// docs/api/README.md: the way in, a line per package and module.
const index = ["# tradeguard API", "", "Built by `pnpm run docs` from the JSDoc of each package's public modules.", ""]
for (const pkg of packages) {
  const modules = path.join(root, "docs", "api", pkg.name, "modules")
  if (!fs.existsSync(modules)) continue
  const pages = fs.readdirSync(modules).filter((f) => f.endsWith(".ts.md") && f !== "index.ts.md").sort()
  index.push(`## @tradeguard/${pkg.name}`, "")
  for (const page of pages) index.push(`- [${page.replace(/\.ts\.md$/, "")}](${pkg.name}/modules/${page})`)
  index.push("")
}
fs.writeFileSync(path.join(root, "docs", "api", "README.md"), index.join("\n"))

const total = Number(process.hrtime.bigint() - started) / 1e9
console.log(`docs: ${packages.length - failed.length}/${packages.length} packages in ${total.toFixed(1)} s -> docs/api/`)
if (failed.length > 0) {
  console.error(`docs: failed: ${failed.join(", ")}`)
  process.exit(1)
}
