/**
 * Writes docs/configuration.md (at the repository root) from apps/risk's
 * `AppConfig.AppConfigSchema`. Run it with `pnpm config-docs` after adding or
 * changing a config key; test/configDocs.test.ts fails while the file is stale.
 * Exits 1 (after writing) when a key has no description annotation, naming it.
 *
 * Usage: node apps/risk/dist/scripts/config-docs.js [output-path]
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { configSections, renderConfigDocs, undocumented } from "../src/internal/configDocs.js"

// dist/scripts/config-docs.js -> the repository root is four levels up.
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "..", "..", "..", "..")
const target = process.argv[2] !== undefined ? path.resolve(process.argv[2]) : path.join(root, "docs", "configuration.md")

fs.mkdirSync(path.dirname(target), { recursive: true })
fs.writeFileSync(target, renderConfigDocs())
console.log(`wrote ${path.relative(process.cwd(), target) || target}`)
const missing = undocumented(configSections())
if (missing.length > 0) {
  console.error(`keys without a description annotation (add .annotations({ description }) to their property signature):\n  ${missing.join("\n  ")}`)
  process.exitCode = 1
}
