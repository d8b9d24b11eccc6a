import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type * as HubConnection from "../src/HubConnection.js"
import * as Subscription from "../src/Subscription.js"
import { flush, setup } from "./utils/harness.js"

const invoked = (s: { readonly invocations: ReadonlyArray<{ method: string; args: ReadonlyArray<unknown> }> }) =>
  s.invocations.map((i) => [i.method, ...i.args])

/**
 * Type-level: the user hub takes user subscriptions, the market hub market ones (`tsc -b` checks
 * the `@ts-expect-error` lines: one that stops being an error fails the build). Never run.
 */
export const typedPerHub = (user: HubConnection.UserHub["Type"], market: HubConnection.MarketHub["Type"]) => [
  user.subscribe(Subscription.orders(465)),
  market.subscribe(Subscription.contractQuotes("CON.F.US.MNQ.U26")),
  // @ts-expect-error a market subscription on the user hub
  user.subscribe(Subscription.contractQuotes("CON.F.US.MNQ.U26")),
  // @ts-expect-error a user subscription on the market hub
  market.unsubscribe(Subscription.trades(465)),
  user.subscribe("SubscribeOrders", 465) // the string form stays unchecked
]

describe("Subscription constructors", () => {
  it("name the hub methods of the reference with their arguments", () => {
    assert.deepStrictEqual(
      [
        Subscription.accounts(),
        Subscription.orders(465),
        Subscription.positions(465),
        Subscription.trades(465),
        Subscription.contractQuotes("CON.F.US.MNQ.U26"),
        Subscription.contractTrades("CON.F.US.MNQ.U26"),
        Subscription.contractMarketDepth("CON.F.US.MNQ.U26")
      ],
      [
        { method: "SubscribeAccounts", args: [] },
        { method: "SubscribeOrders", args: [465] },
        { method: "SubscribePositions", args: [465] },
        { method: "SubscribeTrades", args: [465] },
        { method: "SubscribeContractQuotes", args: ["CON.F.US.MNQ.U26"] },
        { method: "SubscribeContractTrades", args: ["CON.F.US.MNQ.U26"] },
        { method: "SubscribeContractMarketDepth", args: ["CON.F.US.MNQ.U26"] }
      ]
    )
  })
})

describe("HubConnection with typed subscriptions", () => {
  it.scoped("a typed subscription is invoked and declared exactly like its string form", () =>
    Effect.gen(function*() {
      const h = yield* setup()
      yield* h.conn.subscribe(Subscription.accounts())
      yield* h.conn.subscribe(Subscription.orders(465))
      assert.deepStrictEqual(invoked(h.server.sockets[0]), [["SubscribeAccounts"], ["SubscribeOrders", 465]])
      assert.deepStrictEqual(yield* h.conn.subscriptions, [
        { method: "SubscribeAccounts", args: [] },
        { method: "SubscribeOrders", args: [465] }
      ])
    }))

  it.scoped("the typed and the string form deduplicate against each other, also on the replay", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: [["SubscribeOrders", 465]] })
      yield* h.conn.subscribe(Subscription.orders(465))
      yield* h.conn.subscribe(Subscription.positions(465))
      yield* h.conn.subscribe("SubscribePositions", 465)
      assert.deepStrictEqual(invoked(h.server.sockets[0]), [["SubscribeOrders", 465], ["SubscribePositions", 465]])
      yield* h.server.sockets[0].drop()
      yield* TestClock.adjust(1000).pipe(Effect.zipRight(flush))
      assert.deepStrictEqual(invoked(h.server.sockets[1]), [["SubscribeOrders", 465], ["SubscribePositions", 465]])
    }))

  it.scoped("unsubscribe by value forgets a subscription declared by string, and the twin is invoked", () =>
    Effect.gen(function*() {
      const h = yield* setup({ subscriptions: [["SubscribeOrders", 465], ["SubscribeTrades", 465]] })
      yield* h.conn.unsubscribe(Subscription.orders(465))
      yield* h.conn.unsubscribe("SubscribeTrades", 465)
      assert.deepStrictEqual(invoked(h.server.sockets[0]).slice(2), [["UnsubscribeOrders", 465], ["UnsubscribeTrades", 465]])
      assert.deepStrictEqual(yield* h.conn.subscriptions, [])
    }))

  it.scoped("market subscriptions go to the market hub the same way", () =>
    Effect.gen(function*() {
      const h = yield* setup({ hub: "market" })
      const quotes: Subscription.MarketSubscription = Subscription.contractQuotes("CON.F.US.MNQ.U26")
      yield* h.conn.subscribe(quotes)
      yield* h.conn.subscribe("SubscribeContractQuotes", "CON.F.US.MNQ.U26")
      assert.deepStrictEqual(invoked(h.server.sockets[0]), [["SubscribeContractQuotes", "CON.F.US.MNQ.U26"]])
    }))
})
