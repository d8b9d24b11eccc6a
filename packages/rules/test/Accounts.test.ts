import { assert, describe, it } from "@effect/vitest"
import { Models } from "@tradeguard/gateway"
import { AccountState, HubConnection, HubEvent } from "@tradeguard/realtime"
import { Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Accounts from "../src/Accounts.js"

const FIRST = TestStack.demoAccountId
const SECOND = FIRST + 1
/** Not active at start: Account/search with onlyActiveAccounts leaves it out. */
const DORMANT = FIRST + 2

const simulator: SimulatorOptions.Options = {
  seed: 7,
  users: [{
    ...SimulatorOptions.defaultUser,
    accounts: [
      { name: "SIM-50K-DEMO-1", balance: 50_000 },
      { name: "SIM-150K-DEMO-2", balance: 150_000 },
      { name: "SIM-50K-DEMO-3", balance: 50_000, active: false }
    ]
  }]
}

const stack = (accounts: Accounts.Selection["accounts"]) =>
  Accounts.layer({ accounts }).pipe(Layer.provideMerge(TestStack.layer({ simulator })))

/** The user hub's declared subscriptions as `Method(args)`, sorted. */
const userSubscriptions = Effect.gen(function*() {
  const user = yield* HubConnection.UserHub
  return (yield* user.subscriptions).map((s) => `${s.method}(${s.args.join(",")})`).sort()
})

const perAccount = (id: number) => [`SubscribeOrders(${id})`, `SubscribePositions(${id})`, `SubscribeTrades(${id})`]

describe("Accounts", () => {
  it.effect("a list watches exactly those accounts, each subscribed on the user hub", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts.Accounts
      assert.deepStrictEqual(yield* accounts.watched, [SECOND])
      assert.deepStrictEqual(yield* userSubscriptions, ["SubscribeAccounts()", ...perAccount(SECOND)].sort())
      // An account event of another account does not add it.
      const sim = yield* Simulator.Simulator
      yield* Effect.orDie(sim.exchange.updateAccount(DORMANT, { balance: 50_100 }))
      yield* TestStack.advance("2 seconds", "1 second")
      assert.deepStrictEqual(yield* accounts.watched, [SECOND])
      const first = yield* Stream.runHead(accounts.changes)
      assert.deepStrictEqual(first._tag === "Some" ? first.value : undefined, [SECOND])
    }).pipe(Effect.provide(stack([SECOND]))))

  it.effect("all: the active accounts at start, then an account that appears while running (a GatewayUserAccount event)", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts.Accounts
      assert.deepStrictEqual(yield* accounts.watched, [FIRST, SECOND])
      assert.deepStrictEqual(
        yield* userSubscriptions,
        ["SubscribeAccounts()", ...perAccount(FIRST), ...perAccount(SECOND)].sort()
      )
      const seen = yield* Effect.fork(Stream.runCollect(Stream.take(accounts.changes, 2)))
      yield* TestStack.settle

      const sim = yield* Simulator.Simulator
      yield* Effect.orDie(sim.exchange.updateAccount(DORMANT, { balance: 50_100 }))
      yield* TestStack.advance("2 seconds", "1 second")
      assert.deepStrictEqual(yield* accounts.watched, [FIRST, SECOND, DORMANT])
      assert.includeMembers(yield* userSubscriptions, perAccount(DORMANT))
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* Fiber.join(seen)), [[FIRST, SECOND], [FIRST, SECOND, DORMANT]])
    }).pipe(Effect.provide(stack("all"))))

  it.effect("all: an account AccountState gets from a reconciliation is watched from then on", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts.Accounts
      const state = yield* AccountState.AccountState
      const found = new Models.Account({ id: 200_001, name: "FOUND", balance: 50_000, canTrade: true, isVisible: true })
      yield* state.apply(HubEvent.account(found, true))
      yield* TestStack.settle
      assert.deepStrictEqual(yield* accounts.watched, [FIRST, SECOND, 200_001])
      assert.includeMembers(yield* userSubscriptions, perAccount(200_001))
    }).pipe(Effect.provide(stack("all"))))

  it.effect("all: a failed Account/search at start is retried in the background with backoff", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, status: 503, endpoints: ["accountSearch"] } })
      const started = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        // Over an AccountState that knows no account yet: only the search can find them.
        const accounts = yield* Effect.provide(Accounts.make({ accounts: "all" }), AccountState.layerDetached)
        const atStart = yield* accounts.watched
        yield* sim.setFaults({})
        yield* TestStack.advance("3 minutes", "1 second")
        return { atStart, later: yield* accounts.watched }
      })))
      yield* TestStack.advance("5 minutes", "1 second")
      const { atStart, later } = yield* Fiber.join(started)
      assert.deepStrictEqual(atStart, [])
      assert.deepStrictEqual(later, [FIRST, SECOND])
    }).pipe(Effect.provide(TestStack.layer({ simulator }))))
})
