import { assert, describe, it } from "@effect/vitest"
import { differences, of as picture, ofSnapshot, plain } from "../src/AccountPicture.js"
import * as AccountState from "../src/AccountState.js"

describe("picture", () => {
  it("plain: drops undefined and hub-only fields, -0 as 0, timestamps as milliseconds", () => {
    assert.deepStrictEqual(
      plain({ a: undefined, commissions: 1, pnl: -0, creationTimestamp: "2026-03-02T00:00:00.000+00:00", id: 3 }),
      { pnl: 0, creationTimestamp: Date.UTC(2026, 2, 2), id: 3 }
    )
  })

  it("picture: sorted by id, no account when absent", () => {
    const p = picture(undefined, [{ id: 2 }, { id: 1 }] as never, [], [])
    assert.isUndefined(p.account)
    assert.deepStrictEqual(p.openOrders.map((o) => o.id), [1, 2])
  })

  it("differences: key order does not matter, every differing leaf is named", () => {
    assert.deepStrictEqual(differences({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), [])
    assert.deepStrictEqual(differences({ a: 1, b: [1, { c: 2 }] }, { a: 2, b: [1, { c: 3 }, 4] }), [
      "a: 1 <> 2",
      "b[1].c: 2 <> 3",
      "b[2]: undefined <> 4"
    ])
    assert.deepStrictEqual(differences(1, "1"), ["<root>: 1 <> \"1\""])
    assert.deepStrictEqual(differences([1], { 0: 1 }), ["<root>: [1] <> {\"0\":1}"])
  })

  it("ofSnapshot: an account AccountState does not know is an empty picture", () => {
    assert.deepStrictEqual(ofSnapshot(AccountState.empty, 100001), { account: undefined, openOrders: [], positions: [], trades: [] })
  })
})
