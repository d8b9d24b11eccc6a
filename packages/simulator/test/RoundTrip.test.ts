/**
 * A round trip of every endpoint of the table through GatewayClient against
 * the in-process simulator.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoints } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Options } from "../src/index.js"
import { ACCOUNT, client, EXPIRED_MNQ, layer, login, MNQ, pin, SINCE_EPOCH } from "./utils/sim.js"

const covered = new Set<string>()
const cover = (...names: Array<Endpoints.EndpointName>) => names.forEach((n) => covered.add(n))

describe("every endpoint through GatewayClient", () => {
  it.effect("Auth: loginKey, loginApp, validate, logout", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      assert.match(Redacted.value(token), /^[\w-]+\.[\w-]+\.[\w-]+$/)
      const app = yield* c.authLoginApp({
        userName: "demo",
        password: Options.defaultPassword,
        deviceId: "laptop",
        appId: Options.defaultApp.appId,
        verifyKey: Options.defaultApp.verifyKey
      })
      assert.notStrictEqual(Redacted.value(app.token), Redacted.value(token))
      const { newToken } = yield* c.authValidate({}, token)
      assert.notStrictEqual(Redacted.value(newToken), Redacted.value(token))
      yield* c.authLogout({}, newToken)
      const after = yield* Effect.flip(c.accountSearch({ onlyActiveAccounts: true }, newToken))
      assert.strictEqual(after._tag, "Unauthorized")
      cover("authLoginKey", "authLoginApp", "authValidate", "authLogout")
    }).pipe(Effect.provide(layer())))

  it.effect("Account/search lists the user's accounts; onlyActiveAccounts hides inactive ones", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const all = yield* c.accountSearch({ onlyActiveAccounts: false }, token)
      assert.deepStrictEqual(all.accounts.map((a) => [a.id, a.name, a.balance, a.canTrade]), [
        [100001, "SIM-50K-DEMO-1", 50_000, true],
        [100002, "SIM-150K-DEMO-2", 150_000, true],
        [100003, "OLD", 1_000, false]
      ])
      const active = yield* c.accountSearch({ onlyActiveAccounts: true }, token)
      assert.deepStrictEqual(active.accounts.map((a) => a.id), [100001, 100002])
      const other = yield* login("alice", "alice-key")
      const theirs = yield* c.accountSearch({ onlyActiveAccounts: false }, other)
      assert.deepStrictEqual(theirs.accounts.map((a) => a.name), ["SIM-50K-ALICE"])
      cover("accountSearch")
    }).pipe(Effect.provide(layer({
      users: [
        {
          ...Options.defaultUser,
          accounts: [...Options.defaultUser.accounts!, { name: "OLD", balance: 1_000, canTrade: false, active: false }]
        },
        { userName: "alice", apiKey: "alice-key" }
      ]
    }))))

  it.effect("Contract/search, searchById, available", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      const found = yield* c.contractSearch({ searchText: "mnq", live: false }, token)
      assert.deepStrictEqual(found.contracts.map((x) => x.id), [MNQ, EXPIRED_MNQ])
      const mnq = found.contracts[0]!
      assert.deepStrictEqual([mnq.name, mnq.tickSize, mnq.tickValue, mnq.symbolId, mnq.activeContract], [
        "MNQZ6",
        0.25,
        0.5,
        "F.US.MNQ",
        true
      ])
      const everything = yield* c.contractSearch({ live: false }, token)
      assert.strictEqual(everything.contracts.length, 5)
      const es = yield* c.contractSearchById({ contractId: "CON.F.US.EP.Z26" }, token)
      assert.deepStrictEqual([es.contract.tickSize, es.contract.tickValue], [0.25, 12.5])
      const missing = yield* Effect.flip(c.contractSearchById({ contractId: "CON.F.US.XX.Z26" }, token))
      assert.strictEqual(missing._tag === "Rejected" && missing.errorName, "ContractNotFound")
      const available = yield* c.contractAvailable({ live: true }, token)
      assert.deepStrictEqual(
        available.contracts.map((x) => x.name),
        ["MNQZ6", "MESZ6", "NQZ6", "ESZ6"]
      )
      cover("contractSearch", "contractSearchById", "contractAvailable")
    }).pipe(Effect.provide(layer())))

  it.effect("History/retrieveBars: newest first, aligned, at most limit; bad input has its codes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 7, 19, 15, 0, 0))
      const c = yield* client
      const token = yield* login()
      const request = {
        contractId: MNQ,
        live: false,
        startTime: "2026-08-19T14:00:00Z",
        endTime: "2026-08-19T15:00:00Z",
        unit: 2 as const,
        unitNumber: 5,
        limit: 100,
        includePartialBar: false
      }
      const { bars } = yield* c.historyRetrieveBars(request, token)
      assert.strictEqual(bars.length, 12)
      assert.strictEqual(bars[0]!.t, "2026-08-19T14:55:00+00:00", "bars have no fractional digits")
      assert.strictEqual(bars[11]!.t, "2026-08-19T14:00:00+00:00")
      for (const b of bars) {
        assert.isTrue(b.l <= Math.min(b.o, b.c) && b.h >= Math.max(b.o, b.c) && b.v > 0)
        assert.strictEqual(b.o % 0.25, 0)
      }
      const limited = yield* c.historyRetrieveBars({ ...request, limit: 3 }, token)
      assert.deepStrictEqual(limited.bars, bars.slice(0, 3))
      const codes = yield* Effect.all([
        Effect.flip(c.historyRetrieveBars({ ...request, contractId: "NOPE" }, token)),
        Effect.flip(c.historyRetrieveBars({ ...request, unit: 0 }, token)),
        Effect.flip(c.historyRetrieveBars({ ...request, unitNumber: 0 }, token)),
        Effect.flip(c.historyRetrieveBars({ ...request, limit: 0 }, token))
      ])
      assert.deepStrictEqual(codes.map((e) => e._tag === "Rejected" ? [e.errorCode, e.errorName] : e._tag), [
        [1, "ContractNotFound"],
        [2, "UnitInvalid"],
        [3, "UnitNumberInvalid"],
        [4, "LimitInvalid"]
      ])
      cover("historyRetrieveBars")
    }).pipe(Effect.provide(layer())))

  it.effect("Order/place, searchOpen, modify, cancel, search", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      yield* pin(21_000)
      const { orderId } = yield* c.orderPlace(
        { accountId: ACCOUNT, contractId: MNQ, type: 1, side: 0, size: 2, limitPrice: 20_990, customTag: "rt-1" },
        token
      )
      assert.isTrue(orderId > 2 ** 31, "order ids are above 2^31")
      const open = yield* c.orderSearchOpen({ accountId: ACCOUNT }, token)
      assert.deepStrictEqual(open.orders.map((o) => [o.id, o.status, o.limitPrice, o.size, o.customTag]), [
        [orderId, 1, 20_990, 2, "rt-1"]
      ])
      yield* c.orderModify({ accountId: ACCOUNT, orderId, size: 3, limitPrice: 20_985 }, token)
      const modified = (yield* c.orderSearchOpen({ accountId: ACCOUNT }, token)).orders[0]!
      assert.deepStrictEqual([modified.size, modified.limitPrice], [3, 20_985])
      assert.isDefined(modified.updateTimestamp)
      yield* c.orderCancel({ accountId: ACCOUNT, orderId }, token)
      assert.deepStrictEqual((yield* c.orderSearchOpen({ accountId: ACCOUNT }, token)).orders, [])
      const all = yield* c.orderSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)
      assert.deepStrictEqual(all.orders.map((o) => [o.id, o.status]), [[orderId, 3]])
      const later = yield* c.orderSearch(
        { accountId: ACCOUNT, startTimestamp: "1970-01-01T00:00:01Z", endTimestamp: "1970-01-02T00:00:00Z" },
        token
      )
      assert.deepStrictEqual(later.orders, [], "the order was created before the window")
      cover("orderPlace", "orderSearchOpen", "orderModify", "orderCancel", "orderSearch")
    }).pipe(Effect.provide(layer())))

  it.effect("Position/searchOpen, partialCloseContract, closeContract and Trade/search", () =>
    Effect.gen(function*() {
      const c = yield* client
      const token = yield* login()
      yield* pin(21_000)
      yield* c.orderPlace({ accountId: ACCOUNT, contractId: MNQ, type: 2, side: 0, size: 3 }, token)
      const { positions } = yield* c.positionSearchOpen({ accountId: ACCOUNT }, token)
      assert.deepStrictEqual(positions.map((p) => [p.contractId, p.type, p.size, p.averagePrice]), [
        [MNQ, 1, 3, 21_000.25]
      ])
      yield* pin(21_010)
      yield* c.positionPartialCloseContract({ accountId: ACCOUNT, contractId: MNQ, size: 1 }, token)
      assert.strictEqual((yield* c.positionSearchOpen({ accountId: ACCOUNT }, token)).positions[0]!.size, 2)
      yield* c.positionCloseContract({ accountId: ACCOUNT, contractId: MNQ }, token)
      assert.deepStrictEqual((yield* c.positionSearchOpen({ accountId: ACCOUNT }, token)).positions, [])
      const { trades } = yield* c.tradeSearch({ accountId: ACCOUNT, startTimestamp: SINCE_EPOCH }, token)
      assert.deepStrictEqual(trades.map((t) => [t.side, t.size, t.price, t.profitAndLoss, t.fees]), [
        [0, 3, 21_000.25, undefined, 1.11],
        [1, 1, 21_010, 19.5, 0.37],
        [1, 2, 21_010, 39, 0.74]
      ])
      assert.isTrue(trades.every((t) => t.id > 2 ** 31 && !t.voided))
      cover("positionSearchOpen", "positionPartialCloseContract", "positionCloseContract", "tradeSearch")
    }).pipe(Effect.provide(layer())))

  it.effect("GET /api/Status/ping answers pong", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* (yield* client).ping, "pong")
    }).pipe(Effect.provide(layer())))

  it("covered every endpoint of the table", () => {
    assert.deepStrictEqual([...covered].sort(), Object.keys(Endpoints.all).sort())
  })
})
