import { assert, describe, it } from "@effect/vitest"
import { Endpoints } from "@tradeguard/gateway"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import * as ErrorPolicy from "../src/ErrorPolicy.js"

const docPath = fileURLToPath(new URL("../../../docs/error-codes.md", import.meta.url))

describe("docs/error-codes.md", () => {
  it("is exactly what `pnpm error-codes` renders from ErrorPolicy.errorCodeTable (run it after changing a decision)", () => {
    assert.isTrue(fs.existsSync(docPath), "docs/error-codes.md is missing: run `pnpm error-codes`")
    assert.strictEqual(fs.readFileSync(docPath, "utf8"), ErrorPolicy.renderErrorCodesMarkdown())
  })

  it("documents every endpoint with a section and every row of the table", () => {
    const md = ErrorPolicy.renderErrorCodesMarkdown()
    for (const e of Object.values(Endpoints.all)) assert.include(md, `### ${e.name}\n`)
    const tableLines = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| code |") && !l.startsWith("| applies") && !l.startsWith("| classification |"))
    assert.strictEqual(tableLines.length, ErrorPolicy.errorCodeTable.length + 5)
  })
})
