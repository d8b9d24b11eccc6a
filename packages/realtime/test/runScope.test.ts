import { assert, describe, it } from "@effect/vitest"
import { affectedBy, resolve, union } from "../src/internal/runScope.js"

describe("run scope", () => {
  it("a subscription names its account; SubscribeAccounts every account; others none", () => {
    const s = (method: string, ...args: Array<unknown>) => ({ method, args })
    assert.deepStrictEqual(affectedBy([s("SubscribeOrders", 465), s("SubscribeTrades", 465), s("SubscribePositions", 466)]), [465, 466])
    assert.strictEqual(affectedBy([s("SubscribeOrders", 465), s("SubscribeAccounts")]), "all")
    assert.deepStrictEqual(affectedBy([s("SubscribeContractQuotes", "CON.F.US.MNQ.U26"), s("SubscribeOrders", "465")]), [])
  })

  it("union and resolve against the configured accounts", () => {
    assert.strictEqual(union([1], "all"), "all")
    assert.deepStrictEqual(union([1, 2], [2, 3]), [1, 2, 3])
    assert.deepStrictEqual(resolve("all", [1, 2]), [1, 2])
    assert.isUndefined(resolve("all", undefined))
    assert.deepStrictEqual(resolve([2, 3], [1, 2]), [2])
    assert.deepStrictEqual(resolve([2, 3], undefined), [2, 3])
  })
})
