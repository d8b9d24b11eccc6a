import { assert, describe, it } from "@effect/vitest"
import * as Classify from "../../src/internal/classify.js"

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code })

describe("classify", () => {
  it("maps SQLite codes found along the cause chain to a reason", () => {
    const wrapped = { message: "Failed to execute statement", cause: sqliteError("SQLITE_BUSY", "database is locked") }
    assert.deepStrictEqual(Classify.classify(wrapped), { reason: "Locked", detail: "SQLITE_BUSY: database is locked" })
    assert.strictEqual(Classify.reasonOfCode("SQLITE_CORRUPT_INDEX"), "Corrupt")
    assert.strictEqual(Classify.reasonOfCode("SQLITE_NOTADB"), "Corrupt")
    assert.strictEqual(Classify.reasonOfCode("SQLITE_LOCKED"), "Locked")
    assert.strictEqual(Classify.reasonOfCode("SQLITE_READONLY_DBMOVED"), "ReadOnly")
    assert.strictEqual(Classify.reasonOfCode("EROFS"), "ReadOnly")
    assert.strictEqual(Classify.reasonOfCode("SQLITE_CANTOPEN"), "Io")
    assert.strictEqual(Classify.reasonOfCode(undefined), "Io")
  })

  it("an error without a code is Io with its message; a non-Error cause is printed", () => {
    assert.deepStrictEqual(Classify.classify(new Error("boom")), { reason: "Io", detail: "boom" })
    assert.deepStrictEqual(Classify.classify("plain"), { reason: "Io", detail: "plain" })
  })

  it("a cyclic cause chain stops", () => {
    const a: { message: string; cause?: unknown } = { message: "a" }
    a.cause = a
    assert.strictEqual(Classify.causes(a).length, 8)
  })
})
