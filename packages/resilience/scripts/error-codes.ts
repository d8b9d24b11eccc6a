/**
 * Writes docs/error-codes.md (at the repository root) from
 * `ErrorPolicy.errorCodeTable`. Run it with `pnpm error-codes` after changing
 * a classification; test/ErrorCodesDoc.test.ts fails while the file is stale.
 *
 * Usage: node packages/resilience/dist/scripts/error-codes.js [output-path]
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { renderErrorCodesMarkdown } from "../src/ErrorPolicy.js"

// dist/scripts/error-codes.js -> the repository root is four levels up.
const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "..", "..", "..", "..")
const target = process.argv[2] !== undefined ? path.resolve(process.argv[2]) : path.join(root, "docs", "error-codes.md")

fs.mkdirSync(path.dirname(target), { recursive: true })
fs.writeFileSync(target, renderErrorCodesMarkdown())
console.log(`wrote ${path.relative(process.cwd(), target) || target}`)
