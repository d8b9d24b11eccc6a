/**
 * What starts a reconciliation, and of which accounts: the start-up run, the
 * reconnect (the replayed subscriptions' accounts), a subscription that
 * becomes active later (its account), and the periodic safety net.
 */
import { assert, describe, it } from "@effect/vitest"
import { Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { AccountState, Config, HubConnection, StateReconciler } from "../src/index.js"
import { makeFakeGateway } from "./utils/FakeGateway.js"
import { makeFakeHub } from "./utils/FakeTransport.js"
import { makeFakeTokens } from "./utils/FakeTokens.js"
import * as F from "./utils/fixtures.js"
import { flush } from "./utils/harness.js"
import { setupReconciler } from "./utils/reconcilerHarness.js"
import { ACCOUNT, MNQ } from "./utils/reconnectScenario.js"
import { inProcessStack } from "./utils/stack.js"
import { testClock, waitFor } from "./utils/waits.js"

const adjust = (ms: number) => TestClock.adjust(ms).pipe(Effect.zipRight(flush))
const summary = (rs: ReadonlyArray<StateReconciler.Report>) => rs.map((r) => `${r.trigger}@${r.startedAt}:${r.accountIds.join(",")}`)

describe("StateReconciler triggers", () => {
  it.scoped("a subscription retried successfully is followed by a run of its account", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({ hub: (server) => server.failingMethods.add("SubscribeTrades") })
      assert.isFalse((yield* r.conn.health).healthy)
      r.server.failingMethods.clear()
      yield* adjust(2000) // the retry succeeds
      yield* adjust(3000) // minInterval after the start-up run
      assert.deepStrictEqual(summary(yield* r.reports), ["startup@0:465", "subscription@5000:465"])
    }))

  it.scoped("subscriptions declared while connected: one run of their accounts, after minInterval, never twice", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({
        subscriptions: [],
        options: {},
        before: (g) => [465, 466, 467].forEach((id) => g.accounts.set(id, F.account({ id })))
      })
      yield* r.conn.subscribe("SubscribeOrders", 466)
      yield* r.conn.subscribe("SubscribeTrades", 466)
      yield* r.conn.subscribe("SubscribePositions", 467)
      yield* r.conn.subscribe("SubscribeContractQuotes", "CON.F.US.MNQ.U26") // not an account's
      yield* adjust(60_000)
      assert.deepStrictEqual(summary(yield* r.reports), ["startup@0:465,466,467", "subscription@5000:466,467"])
      yield* r.conn.subscribe("SubscribeAccounts")
      yield* adjust(1)
      assert.deepStrictEqual(summary(yield* r.reports).at(-1), "subscription@60000:465,466,467")
    }))

  it.scoped("a reconnect reconciles the accounts of the replayed subscriptions only", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler({
        subscriptions: [["SubscribeOrders", 465], ["SubscribeTrades", 465]],
        options: {},
        before: (g) => [465, 466].forEach((id) => g.accounts.set(id, F.account({ id })))
      })
      yield* adjust(10_000)
      yield* r.server.current()!.drop()
      yield* adjust(1000)
      assert.deepStrictEqual(summary(yield* r.reports), ["startup@0:465,466", "reconnect@11000:465"])
    }))

  it.scoped("an account outside Options.accountIds is not reconciled for a subscription", () =>
    Effect.gen(function*() {
      const r = yield* setupReconciler()
      yield* r.conn.subscribe("SubscribeOrders", 999)
      yield* adjust(60_000)
      assert.deepStrictEqual(summary(yield* r.reports), ["startup@0:465"])
    }))

  it.scoped("subscriptions declared before the hub starts: the start-up run waits for them, and is the only run", () =>
    Effect.gen(function*() {
      const server = yield* makeFakeHub
      const tokens = yield* makeFakeTokens
      const gateway = yield* makeFakeGateway
      const config = Config.RealtimeConfig.layer({})
      const hub = yield* HubConnection.make({ hub: "user", url: "https://hub.test/hubs/user", autoStart: false }).pipe(
        Effect.provide(Layer.mergeAll(server.layer, tokens.layer, config))
      )
      const state = yield* AccountState.make
      yield* state.follow(hub)
      const reconciler = yield* StateReconciler.make({ accountIds: [465, 466] }).pipe(
        Effect.provide(Layer.mergeAll(
          gateway.layer,
          Layer.succeed(AccountState.AccountState, state),
          Layer.succeed(HubConnection.UserHub, hub),
          config
        ))
      )
      const reports: Array<StateReconciler.Report> = []
      yield* Effect.forkScoped(Stream.runForEach(reconciler.reports, (x) => Effect.sync(() => reports.push(x))))
      yield* StateReconciler.triggerOnConnect(reconciler, hub).pipe(Effect.provide(config))
      yield* Effect.orDie(hub.subscribe("SubscribeOrders", 465))
      yield* Effect.orDie(hub.subscribe("SubscribeTrades", 466))
      yield* adjust(10_000)
      assert.deepStrictEqual(gateway.calls, [], "nothing before the hub starts")
      yield* hub.start
      yield* adjust(60_000)
      assert.deepStrictEqual(summary(reports), ["startup@10000:465,466"])
      const invoked = server.sockets[0].invocations.map((i) => i.at)
      assert.deepStrictEqual(invoked, [10_000, 10_000])
      assert.isTrue(gateway.calls.every((c) => c.at >= 10_000), "the run read REST after the subscriptions went out")
    }))

  it.scoped("periodic: with many accounts, a tick reconciles only a few, and every account is covered within the interval", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 50 }, (_, i) => 1000 + i)
      const r = yield* setupReconciler({
        options: {},
        subscriptions: [],
        before: (g) => ids.forEach((id) => g.accounts.set(id, F.account({ id })))
      })
      yield* adjust(300_000)
      const periodic = (yield* r.reports).filter((x) => x.trigger === "periodic")
      assert.isAtLeast(periodic.length, 10)
      for (const p of periodic) assert.isAtMost(p.accountIds.length, 5, `the periodic run at ${p.startedAt}`)
      for (let i = 1; i < periodic.length; i++) {
        assert.isAtLeast(periodic[i].startedAt - periodic[i - 1].startedAt, 25_000, "spread: at most one run in five slots of minInterval")
      }
      assert.sameMembers([...new Set(periodic.flatMap((p) => p.accountIds))], ids, "every account within the interval")
      const synced = yield* r.reconciler.syncedAt
      const now = yield* TestClock.currentTimeMillis
      for (const id of ids) assert.isAtMost(now - synced.get(id)!, 300_000, `account ${id}`)
    }))

  it.scoped("periodic: an account reconciled by another trigger meanwhile is not read again early; 0 disables", () =>
    Effect.gen(function*() {
      // A fake server sends no pings: no stale detection here.
      const r = yield* setupReconciler({ config: { signalr: { health: { staleThreshold: 10_000_000 } } } })
      yield* adjust(140_000)
      yield* r.server.current()!.drop()
      yield* adjust(1000) // the reconnect run at 141 s
      yield* adjust(300_000)
      const runs = summary(yield* r.reports)
      assert.deepStrictEqual(runs.slice(0, 2), ["startup@0:465", "reconnect@141000:465"])
      const periodic = (yield* r.reports).filter((x) => x.trigger === "periodic")
      assert.isAtLeast(periodic.length, 1)
      assert.isAtLeast(periodic[0].startedAt - 141_000, 150_000)
      assert.isAtMost(periodic[0].startedAt - 141_000, 300_000)
      const off = yield* setupReconciler({
        config: { signalr: { health: { staleThreshold: 10_000_000 } }, stateReconciliation: { periodicIntervalMs: 0 } }
      })
      yield* adjust(3_600_000)
      assert.deepStrictEqual((yield* off.reports).map((x) => x.trigger), ["startup"])
    }))

  it.effect("periodic: an event lost on the live connection is recovered within the interval", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const user = yield* HubConnection.UserHub
      const state = yield* AccountState.AccountState
      const reconciler = yield* StateReconciler.StateReconciler
      yield* Effect.orDie(user.subscribe("SubscribeAccounts"))
      for (const m of ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]) yield* Effect.orDie(user.subscribe(m, ACCOUNT))
      yield* waitFor(testClock, "the start-up reconciliation", Effect.map(reconciler.last, (x) => x?.trigger === "startup"))
      yield* Effect.orDie(sim.exchange.setPrice(MNQ, 21_000))
      // Every user-hub event is lost from now on, until the fill's have gone by.
      yield* sim.setFaults({ hub: { hubs: ["user"], loseEvents: { probability: 1, count: 1000 } } })
      const owner = yield* Effect.orDie(sim.exchange.ownerOf(ACCOUNT))
      yield* Effect.orDie(sim.exchange.place(owner, { accountId: ACCOUNT, contractId: MNQ, type: 2, side: 0, size: 1 }))
      const lostAt = yield* TestClock.currentTimeMillis
      yield* TestClock.adjust("2 seconds")
      yield* state.settle
      assert.strictEqual(AccountState.tradesOf(yield* state.get, ACCOUNT).length, 0, "the fill's events were lost")
      yield* sim.setFaults({})
      yield* waitFor(
        testClock,
        "the lost trade in AccountState",
        Effect.map(state.get, (s) => AccountState.tradesOf(s, ACCOUNT).length === 1)
      )
      const recovered = (yield* reconciler.last)!
      assert.strictEqual(recovered.trigger, "periodic")
      assert.strictEqual(recovered.missed.trades, 1)
      assert.isAtMost(recovered.startedAt - lostAt, 300_000, "within periodicIntervalMs")
      assert.strictEqual((yield* user.health).reconnects, 0, "no reconnect did it")
    }).pipe(Effect.scoped, Effect.provide(inProcessStack({ simulator: { seed: 11, wakeInterval: "1 minute" } }))))
})
