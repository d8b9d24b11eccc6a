import { assert, describe, it } from "@effect/vitest"
import { NotRetryable, StoreUnavailable, UnknownIntent } from "../src/OrderErrors.js"

describe("OrderErrors", () => {
  it("each error's message names what went wrong and for which intent", () => {
    assert.strictEqual(
      new StoreUnavailable({ operation: "read attempts", detail: "database is locked" }).message,
      "order store: could not read attempts: database is locked"
    )
    assert.strictEqual(new UnknownIntent({ key: "acct-7:open-1" }).message, "no order intent with the idempotency key \"acct-7:open-1\"")
    assert.strictEqual(
      new NotRetryable({ key: "acct-7:open-1", outcome: "Placed" }).message,
      "order intent \"acct-7:open-1\" cannot be retried: its outcome is Placed"
    )
  })
})
