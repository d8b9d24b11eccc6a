import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { StoreConfig } from "../src/index.js"

describe("StoreConfig", () => {
  it("an absent section has the seed's defaults plus the store's", () => {
    assert.deepStrictEqual(StoreConfig.make(), {
      schemaVersion: 4,
      path: ".tradeguard/tradeguard.db",
      retention: { dailyUnrealizedPnl: 7, enforcementLogs: 30, orderHistory: 90 },
      synchronous: "normal",
      busyTimeoutMs: 5000
    })
  })

  it("a partial retention keeps the defaults of the keys it leaves out", () => {
    assert.deepStrictEqual(StoreConfig.make({ retention: { orderHistory: 30 } }).retention, {
      dailyUnrealizedPnl: 7,
      enforcementLogs: 30,
      orderHistory: 30
    })
  })

  it.effect("bad values are refused with the path of the key", () =>
    Effect.gen(function*() {
      const version = yield* Effect.flip(StoreConfig.decode({ schemaVersion: 5 }))
      assert.include(version.message, "schemaVersion")
      const sync = yield* Effect.flip(StoreConfig.decode({ synchronous: "off" }))
      assert.include(sync.message, "synchronous")
      const days = yield* Effect.flip(StoreConfig.decode({ retention: { enforcementLogs: 0 } }))
      assert.include(days.message, "enforcementLogs")
    }))
})
