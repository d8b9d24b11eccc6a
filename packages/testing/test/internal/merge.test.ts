import { assert, describe, it } from "@effect/vitest"
import { deepMerge } from "../../src/internal/merge.js"

describe("deepMerge", () => {
  it("merges sections key by key; arrays, scalars and new keys replace; undefined keeps the base", () => {
    const base: Record<string, unknown> = { a: { b: 1, c: [1, 2] }, d: 1 }
    assert.deepStrictEqual(deepMerge(base, { a: { c: [3] }, d: undefined, e: { f: 1 } }), {
      a: { b: 1, c: [3] },
      d: 1,
      e: { f: 1 }
    })
  })
})
