import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { Endpoints, HubEvents, Models } from "../src/index.js"

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema)

const order = {
  id: 3408995735,
  accountId: 465,
  contractId: "CON.F.US.MNQ.U26",
  symbolId: "F.US.MNQ",
  creationTimestamp: "2026-08-19T20:51:31.4173693+00:00",
  updateTimestamp: null,
  status: 1,
  type: 1,
  side: 0,
  size: 2,
  limitPrice: 21500.25,
  stopPrice: null,
  fillVolume: 0,
  filledPrice: null,
  customTag: null
}

describe("Models decode tolerantly", () => {
  it("decodes an order with nulls, 7-digit timestamps and a 64-bit id", () => {
    const r = decode(Models.Order)(order)
    assert.isTrue(Either.isRight(r))
    const o = Either.getOrThrow(r)
    assert.strictEqual(o.id, 3408995735)
    assert.isTrue(o.id > 2 ** 31)
    assert.strictEqual(o.stopPrice, undefined)
    assert.strictEqual(o.updateTimestamp, undefined)
    assert.strictEqual(o.creationTimestamp, "2026-08-19T20:51:31.4173693+00:00")
  })

  it("decodes an order with the optional fields omitted (as hub events send it)", () => {
    const { customTag: _c, filledPrice: _f, limitPrice: _l, stopPrice: _s, updateTimestamp: _u, ...bare } = order
    const o = Either.getOrThrow(decode(Models.Order)(bare))
    assert.strictEqual(o.limitPrice, undefined)
    assert.strictEqual(o.fillVolume, 0)
  })

  it("ignores unknown extra fields and keeps the known extras", () => {
    const o = Either.getOrThrow(
      decode(Models.Order)({ ...order, parentOrderId: 3408995700, trailDistance: 4, somethingNew: { x: 1 } })
    )
    assert.strictEqual(o.parentOrderId, 3408995700)
    assert.strictEqual(o.trailDistance, 4)
    assert.isFalse("somethingNew" in o)
  })

  it("rejects a missing required field and names it", () => {
    const { accountId: _a, ...missing } = order
    const r = decode(Models.Order)(missing)
    assert.isTrue(Either.isLeft(r))
    assert.include(String(Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value.message : ""))), "accountId")
  })

  it("rejects an enum value outside the reference", () => {
    assert.isTrue(Either.isLeft(decode(Models.Order)({ ...order, status: 42 })))
  })

  it("decodes every model with nulls and extras", () => {
    const account = { id: 1, name: "50K-1", balance: 50000, canTrade: true, isVisible: true, simulated: null, x: 1 }
    const contract = {
      id: "CON.F.US.MNQ.U26",
      name: "MNQU6",
      description: "Micro E-mini Nasdaq-100",
      tickSize: 0.25,
      tickValue: 0.5,
      activeContract: true,
      symbolId: null
    }
    const position = {
      id: 7,
      accountId: 1,
      contractId: "CON.F.US.MNQ.U26",
      creationTimestamp: "2026-08-19T20:51:31+00:00",
      type: 1,
      size: 2,
      averagePrice: 21500.5,
      contractDisplayName: "MNQU6"
    }
    const trade = {
      id: 4000000001,
      accountId: 1,
      contractId: "CON.F.US.MNQ.U26",
      creationTimestamp: "2026-08-19T20:51:31.4173693+00:00",
      price: 21500.5,
      profitAndLoss: null,
      fees: 0.74,
      side: 0,
      size: 1,
      voided: false,
      orderId: 3408995735
    }
    const bar = { t: "2026-08-19T20:00:00+00:00", o: 1, h: 2, l: 0.5, c: 1.5, v: 100 }
    assert.isTrue(Either.isRight(decode(Models.Account)(account)))
    assert.isTrue(Either.isRight(decode(Models.Contract)(contract)))
    assert.isTrue(Either.isRight(decode(Models.Position)(position)))
    const t = Either.getOrThrow(decode(Models.Trade)(trade))
    assert.strictEqual(t.profitAndLoss, undefined, "an opening fill has no PnL")
    assert.isTrue(Either.isRight(decode(Models.Bar)(bar)))
  })

  it("timestamps: 7 fractional digits and offsets decode; garbage does not", () => {
    const ok = ["2026-08-19T20:51:31.4173693+00:00", "2026-08-19T20:51:31Z", "2026-08-19T16:51:31.1-04:00"]
    for (const s of ok) assert.isTrue(Either.isRight(decode(Models.Timestamp)(s)), s)
    for (const s of ["yesterday", "2026-13-45T99:99:99Z", ""]) assert.isTrue(Either.isLeft(decode(Models.Timestamp)(s)), s)
    assert.strictEqual(
      Models.timestampToMillis("2026-08-19T16:51:31.4173693-04:00"),
      Date.UTC(2026, 7, 19, 20, 51, 31, 417)
    )
  })

  it("timestampFromMillis writes the gateway's format and reads back", () => {
    const millis = Date.UTC(2026, 7, 19, 20, 51, 31, 417)
    const s = Models.timestampFromMillis(millis)
    assert.strictEqual(s, "2026-08-19T20:51:31.4170000+00:00")
    assert.strictEqual(Models.timestampToMillis(s), millis)
  })
})

describe("Hub payloads", () => {
  it("user events decode with and without the {action, data} wrapper", () => {
    const wrapped = Either.getOrThrow(decode(HubEvents.GatewayUserOrder)({ action: 1, data: order }))
    const bare = Either.getOrThrow(decode(HubEvents.GatewayUserOrder)(order))
    assert.strictEqual(wrapped.action, 1)
    assert.strictEqual(bare.action, undefined)
    assert.strictEqual(wrapped.data.id, bare.data.id)
  })

  it("quote deltas merge field by field", () => {
    const first = Either.getOrThrow(decode(HubEvents.Quote)({ symbol: "F.US.MNQ", lastPrice: 100, bestBid: 99.75 }))
    const delta = Either.getOrThrow(decode(HubEvents.Quote)({ lastPrice: 100.25 }))
    assert.deepStrictEqual(HubEvents.mergeQuote(first, delta), { symbol: "F.US.MNQ", lastPrice: 100.25, bestBid: 99.75 })
  })

  it("market trades and depth arrive as arrays", () => {
    const trades = decode(HubEvents.GatewayTrade)([
      { symbolId: "F.US.MNQ", price: 1, timestamp: "2026-08-19T20:51:31.4173693+00:00", type: 0, volume: 2 }
    ])
    const depth = decode(HubEvents.GatewayDepth)([
      { timestamp: "2026-08-19T20:51:31+00:00", type: 6, price: 0, volume: 0, currentVolume: 0 }
    ])
    assert.isTrue(Either.isRight(trades))
    assert.isTrue(Either.isRight(depth))
  })
})

describe("Endpoint table", () => {
  it("lists every endpoint of the reference with its class and mutability", () => {
    const rows = Object.values(Endpoints.all)
    assert.strictEqual(rows.length, 18)
    const mutating = rows.filter((e) => e.mutating).map((e) => e.path).sort()
    assert.deepStrictEqual(mutating, [
      "/api/Order/cancel",
      "/api/Order/modify",
      "/api/Order/place",
      "/api/Position/closeContract",
      "/api/Position/partialCloseContract"
    ])
    assert.deepStrictEqual(rows.filter((e) => e.rateLimit === "history").map((e) => e.path), ["/api/History/retrieveBars"])
    assert.strictEqual(Endpoints.byPath.get("/api/order/place")?.name, "orderPlace")
  })

  it("requests are strict: a missing required field or an extra field does not encode", () => {
    const encode = Schema.encodeUnknownEither(Endpoints.PlaceOrderRequest, { onExcessProperty: "error" })
    assert.isTrue(Either.isRight(encode({ accountId: 1, contractId: "X", type: 2, side: 0, size: 1 })))
    assert.isTrue(Either.isLeft(encode({ accountId: 1, contractId: "X", type: 2, side: 0 })))
    assert.isTrue(Either.isLeft(encode({ accountId: 1, contractId: "X", type: 2, side: 0, size: 1, foo: 1 })))
  })
})
