import { assert, describe, it } from "@effect/vitest"
import { Enums, Models } from "@tradeguard/gateway"
import { AccountState, HubConnection, HubEvent } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as MarketData from "../src/MarketData.js"
import * as Bars from "../src/internal/market/bars.js"

const ACCOUNT = TestStack.demoAccountId
const MNQ = "CON.F.US.MNQ.Z26"
const MES = "CON.F.US.MES.Z26"

const stack = (options: TestStack.Options = {}) =>
  MarketData.layer.pipe(Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, ...options.simulator }, ...options })))

/** The contracts of the market hub's quote subscriptions, ascending. */
const quoteSubscriptions = Effect.gen(function*() {
  const market = yield* HubConnection.MarketHub
  return (yield* market.subscriptions)
    .filter((s) => s.method === "SubscribeContractQuotes")
    .map((s) => String(s.args[0]))
    .sort()
})

/** What the simulator's market hub connections are subscribed to (contract quotes), ascending. */
const simQuoteSubscriptions = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const connections = yield* sim.hubs.connections
  const market = connections.filter((c) => c.hub === "market")
  return [...new Set(market.flatMap((c) => [...(c.subscriptions["quotes"] as ReadonlyArray<string>)]))]
    .sort()
})

/** Runs `effect` while simulated time passes (a minute), for calls that retry. */
const withTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestStack.advance("1 minute", "1 second")
    return yield* Fiber.join(fiber)
  })

/** Tells MarketData what the demo account needs now (its positions' and working orders' contracts). */
const needNow = Effect.gen(function*() {
  const state = yield* AccountState.AccountState
  yield* state.settle
  const data = yield* MarketData.MarketData
  yield* data.need(MarketData.contractsOf(yield* state.get, [ACCOUNT]))
  yield* TestStack.settle
})

describe("MarketData", () => {
  it.effect("subscribes quotes for a position's and a working order's contracts and drops them when they end", () =>
    Effect.gen(function*() {
      yield* TestStack.subscribeAccount(ACCOUNT)
      const gateway = yield* ResilientGateway.ResilientGateway
      yield* needNow
      assert.deepStrictEqual(yield* quoteSubscriptions, [])

      yield* gateway.orderPlace({ accountId: ACCOUNT, contractId: MNQ, type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size: 1 })
      const { orderId } = yield* gateway.orderPlace({
        accountId: ACCOUNT,
        contractId: MES,
        type: Enums.OrderType.Limit,
        side: Enums.OrderSide.Bid,
        size: 1,
        limitPrice: 1_000
      })
      yield* TestStack.advance("1 second", "1 second")
      yield* needNow
      assert.deepStrictEqual(yield* quoteSubscriptions, [MES, MNQ])
      assert.deepStrictEqual(yield* simQuoteSubscriptions, [MES, MNQ])
      // Idempotent: the same need again changes nothing.
      yield* needNow
      assert.deepStrictEqual(yield* quoteSubscriptions, [MES, MNQ])

      yield* gateway.positionCloseContract({ accountId: ACCOUNT, contractId: MNQ })
      yield* TestStack.advance("1 second", "1 second")
      yield* needNow
      assert.deepStrictEqual(yield* quoteSubscriptions, [MES])

      yield* gateway.orderCancel({ accountId: ACCOUNT, orderId })
      yield* TestStack.advance("1 second", "1 second")
      yield* needNow
      assert.deepStrictEqual(yield* quoteSubscriptions, [])
      assert.deepStrictEqual(yield* simQuoteSubscriptions, [])
    }).pipe(Effect.provide(stack())))

  it.effect("contractsOf: the contracts of the given accounts' open positions and working orders only", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      const ts = "2026-12-01T10:00:00Z"
      const position = (accountId: number, contractId: string, size: number) =>
        HubEvent.position(
          new Models.Position({ id: accountId, accountId, contractId, creationTimestamp: ts, type: 1, size, averagePrice: 1 })
        )
      const order = (id: number, accountId: number, contractId: string, status: Enums.OrderStatus) =>
        HubEvent.order(
          new Models.Order({ id, accountId, contractId, creationTimestamp: ts, status, type: 1, side: 0, size: 1, fillVolume: 0 })
        )
      yield* state.applyAll([
        position(1, MNQ, 1),
        position(2, "CON.F.US.EP.Z26", 1),
        order(10, 1, MES, Enums.OrderStatus.Open),
        order(11, 1, "CON.F.US.ENQ.Z26", Enums.OrderStatus.Filled),
        order(12, 3, "CON.F.US.ENQ.Z26", Enums.OrderStatus.Suspended)
      ])
      const snapshot = yield* state.get
      assert.deepStrictEqual([...MarketData.contractsOf(snapshot, [1])].sort(), [MES, MNQ])
      assert.deepStrictEqual([...MarketData.contractsOf(snapshot, [2, 3])].sort(), ["CON.F.US.ENQ.Z26", "CON.F.US.EP.Z26"])
      assert.strictEqual(MarketData.contractsOf(snapshot, []).size, 0)
    }))

  it.effect("quotes carry their local receipt time (TestClock) and only subscribed contracts are listed", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      yield* data.need(new Set([MNQ]))
      yield* TestStack.advance("2 seconds", "1 second")
      yield* Effect.orDie(sim.exchange.setPrice(MNQ, 21_400))
      yield* TestStack.advance("1 second", "1 second")
      const receivedAt = yield* Clock.currentTimeMillis
      yield* (yield* AccountState.AccountState).settle
      const quotes = yield* data.quotes
      assert.deepStrictEqual([...quotes.keys()], [MNQ])
      assert.strictEqual(quotes.get(MNQ)?.quote.bestBid, 21_400)
      assert.strictEqual(quotes.get(MNQ)?.receivedAt, receivedAt)

      yield* data.need(new Set())
      assert.strictEqual((yield* data.quotes).size, 0)
    }).pipe(Effect.provide(stack({ simulator: { wakeInterval: "1 second" } }))))

  it.effect("looks up a contract once (cached) and it is missing while its lookup fails, found after the heal", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, status: 503, endpoints: ["contractSearchById"] } })
      yield* data.need(new Set([MNQ]))
      yield* TestStack.advance("1 minute", "1 second")
      assert.isFalse((yield* data.contracts).has(MNQ), "missing while the lookup fails")

      yield* sim.setFaults({})
      yield* TestStack.advance("2 minutes", "10 seconds")
      assert.isFalse((yield* data.contracts).has(MNQ), "not retried without a need")
      yield* data.need(new Set([MNQ]))
      yield* TestStack.advance("30 seconds", "1 second")
      const contract = (yield* data.contracts).get(MNQ)
      assert.strictEqual(contract?.tickSize, 0.25)
      assert.strictEqual(contract?.tickValue, 0.5)

      // Cached: a later need does not look it up again, even when the endpoint fails now.
      yield* sim.setFaults({ serverErrors: { probability: 1, status: 503, endpoints: ["contractSearchById"] } })
      yield* data.need(new Set([MNQ, MES]))
      yield* TestStack.advance("1 minute", "1 second")
      assert.deepStrictEqual([...(yield* data.contracts).keys()], [MNQ])
    }).pipe(Effect.provide(stack())))

  it.effect("the bar fallback price is the simulator's latest bar close, cached a few seconds; undefined when it fails", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      yield* TestStack.advance("5 minutes", "1 minute")
      const now = yield* Clock.currentTimeMillis
      const bars = yield* Effect.orDie(sim.exchange.bars(Bars.latestBarsRequest(MNQ, now)))
      const [price, same] = yield* Effect.all([data.barPrice(MNQ), data.barPrice(MNQ)], { concurrency: "unbounded" })
      assert.strictEqual(same, price, "concurrent callers share one fetch")
      assert.strictEqual(price?.price, Bars.latestClose(bars))
      assert.strictEqual(price?.price, bars[0].c, "the simulator lists the newest bar first")
      assert.strictEqual(price?.fetchedAt, now)
      assert.deepStrictEqual((yield* data.barPrices).get(MNQ), price)

      yield* sim.setFaults({ serverErrors: { probability: 1, status: 503, endpoints: ["historyRetrieveBars"] } })
      assert.strictEqual(yield* data.barPrice(MNQ), price, "cached")
      yield* TestStack.advance("10 seconds", "1 second")
      assert.isUndefined(yield* withTime(data.barPrice(MNQ)), "undefined when History/retrieveBars fails")
      assert.deepStrictEqual((yield* data.barPrices).get(MNQ), price, "the last good price stays listed")
      yield* sim.setFaults({})
      assert.isUndefined(yield* data.barPrice(MNQ), "a failure is cached too")
      yield* TestStack.advance("2 minutes", "1 second") // the breaker the failures opened lets calls through again
      assert.isNumber((yield* withTime(data.barPrice(MNQ)))?.price, "fetched again once the failure is old")
      assert.isUndefined(yield* withTime(data.barPrice("CON.F.US.NONE.Z26")), "an unknown contract has no price")
    }).pipe(Effect.provide(stack())))

  it.effect("a hub is down from when it drops until it is connected again", () =>
    Effect.gen(function*() {
      const data = yield* MarketData.MarketData
      const sim = yield* Simulator.Simulator
      assert.isUndefined(yield* data.marketHubDownSince)
      assert.isUndefined(yield* data.userHubDownSince)
      yield* TestStack.advance("10 seconds", "1 second")
      const droppedAt = yield* Clock.currentTimeMillis
      yield* sim.hubs.refuse("1 minute", { hub: "market" })
      yield* sim.hubs.drop({ hub: "market" })
      yield* TestStack.settle
      yield* TestStack.advance("30 seconds", "1 second")
      assert.strictEqual(yield* data.marketHubDownSince, droppedAt)
      assert.isUndefined(yield* data.userHubDownSince)
      yield* TestStack.advance("2 minutes", "1 second")
      assert.isUndefined(yield* data.marketHubDownSince)
    }).pipe(Effect.provide(stack())))
})
