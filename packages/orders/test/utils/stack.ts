/** The OrderManager over the in-process simulator stack and an in-memory store, for TestClock tests. */
import { Enums } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import { Database, OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as OrderConfig from "../../src/OrderConfig.js"
import * as OrderManager from "../../src/OrderManager.js"

export const ACCOUNT = TestStack.demoAccountId
export const MNQ = "CON.F.US.MNQ.Z26"

/** The store layer on its own (kept across "restarts" by providing it outside). */
export const storeLayer = OrderIntents.layer.pipe(Layer.provideMerge(Database.layerMemory()))

/** Everything a test needs: the manager, its config, the store, the stack and the simulator. */
export const layer = (options: {
  readonly config?: OrderConfig.OrderManagementInput
  readonly stack?: TestStack.Options
} = {}) =>
  OrderManager.layer.pipe(
    Layer.provideMerge(OrderConfig.layer(options.config ?? {})),
    Layer.provideMerge(storeLayer),
    Layer.provideMerge(TestStack.layer({ simulator: { seed: 7 }, ...options.stack }))
  )

/** A market buy of `size` on the demo account. */
export const marketBuy = (size = 1) => ({
  accountId: ACCOUNT,
  contractId: MNQ,
  type: Enums.OrderType.Market,
  side: Enums.OrderSide.Bid,
  size
})

/** The simulator's orders with a tag starting with `prefix`. */
export const ordersTagged = (prefix: string) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.Simulator
    const snapshot = yield* Effect.orDie(sim.exchange.peek(ACCOUNT))
    return snapshot.orders.filter((o) => (o.customTag ?? "").startsWith(prefix))
  })
