import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { AccountState, HubConnection, InProcessTransport } from "@tradeguard/realtime"
import { ResilientGateway, TokenManager } from "@tradeguard/resilience"
import { OrderIntent, OrderManager } from "@tradeguard/orders"
import { Simulator } from "@tradeguard/simulator"
import { Locks, RiskConfig } from "@tradeguard/rules"
import { Database, OrderIntents } from "@tradeguard/store"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { AppConfig, Runtime } from "../src/index.js"
import { compareWithTruth } from "../src/internal/demoReport.js"

const config = Effect.runSync(AppConfig.decode("test", {
  api: { baseUrl: Simulator.baseUrl, allowInsecure: true },
  authentication: { storage: { type: "memory" } },
  signalr: { hubs: { userHubUrl: `${Simulator.baseUrl}/hubs/user`, marketHubUrl: `${Simulator.baseUrl}/hubs/market` } }
}))

/** The in-process transports and the demo credentials. */
const transports = Layer.merge(
  InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (sim) => sim.hubs)),
  TokenManager.Credentials.layer("demo", "demo-api-key")
)

/** The daemon's runtime over the in-process simulator; one session per user, as a strict gateway would allow. */
const stack = Runtime.layer(config).pipe(
  Layer.provide(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (sim) => sim.hubs))),
  Layer.provide(TokenManager.Credentials.layer("demo", "demo-api-key")),
  Layer.provideMerge(Simulator.layerInProcess({ seed: 3, singleSessionPerUser: true, wakeInterval: "1 minute" }))
)

const settle = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) {
    yield* TestClock.adjust("1 second")
    yield* Effect.yieldNow()
  }
})

describe("Runtime", () => {
  it.scoped("one login serves REST and both hubs: a second session would end the first", () =>
    Effect.gen(function*() {
      const user = yield* HubConnection.UserHub
      const market = yield* HubConnection.MarketHub
      yield* HubConnection.awaitSubscribed(user)
      yield* HubConnection.awaitSubscribed(market)
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      assert.isAbove(accounts.length, 0)
      yield* settle
      const health = yield* user.health
      assert.strictEqual(health.reconnects, 0, "no hub was kicked out by a second login")
      assert.strictEqual((yield* market.health).reconnects, 0)
    }).pipe(Effect.provide(stack)))

  it.scoped("an order placed through the runtime reaches AccountState, which matches the ground truth", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const user = yield* HubConnection.UserHub
      const state = yield* AccountState.AccountState
      const gw = yield* ResilientGateway.ResilientGateway
      const { accounts } = yield* gw.accountSearch({ onlyActiveAccounts: true })
      const account = accounts[0]!
      for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) yield* user.subscribe(m, account.id)
      yield* user.subscribe("SubscribeAccounts")
      yield* HubConnection.awaitSubscribed(user)
      const { contracts } = yield* gw.contractAvailable({ live: false })
      yield* gw.orderPlace({
        accountId: account.id,
        contractId: contracts[0]!.id,
        type: Enums.OrderType.Market,
        side: Enums.OrderSide.Bid,
        size: 3,
        customTag: "runtime-test-1"
      })
      yield* settle
      yield* state.settle
      const truth = yield* sim.exchange.snapshot(account.id)
      assert.strictEqual(truth.positions.length, 1)
      assert.deepStrictEqual(compareWithTruth(yield* state.get, truth, account.id), [])
    }).pipe(Effect.provide(stack)))

  it.scoped("the orders step recovers an intent a crash left right after its write-ahead row: one order, then Duplicate", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-runtime-")), "orders.db")
      const withOrders = { ...config, database: { ...config.database, path: file } }
      const request = { accountId: 0, contractId: "", type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size: 2 } as const
      // the previous run: the intent and its first attempt committed, then the process died before sending
      const setUp = Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const accounts = yield* sim.exchange.accounts(1, true)
        const contracts = yield* sim.exchange.availableContracts
        return { ...request, accountId: accounts[0]!.id, contractId: contracts[0]!.id }
      })
      const sim = yield* Simulator.Simulator
      const real = yield* setUp
      yield* Effect.gen(function*() {
        const repo = yield* OrderIntents.OrderIntents
        yield* repo.begin({
          idempotencyKey: "crash-1",
          fingerprint: OrderIntent.fingerprint(real),
          accountId: real.accountId,
          contractId: real.contractId,
          side: real.side,
          type: real.type,
          size: real.size
        }, OrderIntent.tagOf("crash-1", 1))
      }).pipe(Effect.provide(OrderIntents.layer.pipe(Layer.provide(Database.layer(withOrders.database)))))
      // this run: the runtime's start-up verifies it before anything else is sent
      yield* Effect.gen(function*() {
        const orders = yield* OrderManager.OrderManager
        const outcome = yield* orders.outcome("crash-1")
        assert.strictEqual(outcome._tag === "Some" && outcome.value._tag, "Placed")
        const tagged = (yield* sim.exchange.peek(real.accountId)).orders.filter((o) => o.customTag === "crash-1.1")
        assert.strictEqual(tagged.length, 1, "exactly one order for the intent")
        const again = yield* orders.submit({ key: "crash-1", request: real })
        assert.strictEqual(again._tag, "Duplicate")
        assert.strictEqual((yield* sim.exchange.peek(real.accountId)).orders.filter((o) => o.customTag?.startsWith("crash-1")).length, 1)
      }).pipe(Effect.provide(Runtime.ordersLayer(withOrders).pipe(Layer.provideMerge(Runtime.layer(withOrders)), Layer.provide(transports))))
    }).pipe(Effect.provide(Simulator.layerInProcess({ seed: 3, wakeInterval: "1 minute" }))))

  it.scoped("the rules step: a daily loss breach on the simulator is flat and locked within 5 simulated seconds; a rebuild keeps the lock", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const account = (yield* sim.exchange.accounts(1, true))[0]!
      const contractId = (yield* sim.exchange.availableContracts)[0]!.id
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tradeguard-runtime-")), "guard.db")
      const withRules = {
        ...config,
        database: { ...config.database, path: file },
        risk: Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)({
          accounts: [account.id],
          defaults: { dailyLossLimit: { amount: 500 } }
        })
      }
      const daemon = Runtime.layerWithRules(withRules).pipe(Layer.provide(transports))
      const flatAndLocked = Effect.gen(function*() {
        const truth = yield* sim.exchange.snapshot(account.id)
        const lock = yield* (yield* Locks.Locks).active(account.id)
        return { flat: truth.positions.length === 0 && truth.openOrders.length === 0, lock }
      })
      yield* Effect.gen(function*() {
        yield* step
        // another front-end buys 2 lots; the guard sees the account, the position and its quotes
        const owner = yield* sim.exchange.ownerOf(account.id)
        yield* sim.exchange.place(owner, { accountId: account.id, contractId, type: Enums.OrderType.Market, side: Enums.OrderSide.Bid, size: 2 })
        yield* step
        assert.strictEqual((yield* sim.exchange.snapshot(account.id)).positions.length, 1)
        assert.isUndefined((yield* flatAndLocked).lock, "no breach yet: no lock")
        // the market drops far enough for the day's loss to pass 500 dollars
        const quote = yield* sim.exchange.quote(contractId)
        const spec = yield* sim.exchange.contractById(contractId)
        const drop = Math.ceil(600 / 2 / spec.tickValue) * spec.tickSize
        yield* sim.exchange.setPrice(contractId, quote.lastPrice - drop)
        let seconds = 0
        let state = yield* flatAndLocked
        while (!(state.flat && state.lock !== undefined) && seconds < 5) {
          yield* step
          seconds++
          state = yield* flatAndLocked
        }
        assert.isTrue(state.flat, "flat on the ground truth within 5 simulated seconds")
        assert.strictEqual(state.lock?.rule, "dailyLossLimit")
      }).pipe(Effect.provide(daemon))
      // a restart over the same file: the lock is still in force
      yield* Effect.gen(function*() {
        yield* step
        const lock = yield* (yield* Locks.Locks).active(account.id)
        assert.strictEqual(lock?.rule, "dailyLossLimit", "the lock survives the rebuild")
        assert.strictEqual(lock?.end._tag, "NextTradingDay")
      }).pipe(Effect.provide(daemon))
    }).pipe(Effect.provide(Simulator.layerInProcess({ seed: 3, wakeInterval: "1 minute" }))))
})

/** One simulated second, then the in-process fibers and promises run. */
const step = TestClock.adjust("1 second").pipe(
  Effect.zipRight(Effect.promise(() => new Promise<void>((r) => setImmediate(r))).pipe(Effect.repeatN(5)))
)
