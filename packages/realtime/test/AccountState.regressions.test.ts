/**
 * Regression tests of AccountState, one per bug, named after what broke.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import { AccountState, HubEvent } from "../src/index.js"
import * as Data from "../src/internal/accountData.js"
import * as F from "./utils/fixtures.js"

/** A deterministic LCG: the same batches every run. */
const lcg = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648

/**
 * Batches of order events as the hub delivers them: new working orders and
 * fills of random working ones (which remove them from the working set),
 * with the gateway's ids above 2^31 (numbers that large share hashes in
 * Effect's HashMap, so removals hit its collision nodes).
 */
const batches = (seed: number, count: number) => {
  const random = lcg(seed)
  const working: Array<number> = []
  let next = 3_400_000_000
  const out: Array<Array<HubEvent.HubEvent>> = []
  for (let b = 0; b < count; b++) {
    const batch: Array<HubEvent.HubEvent> = []
    const n = 1 + Math.floor(random() * 20)
    for (let i = 0; i < n; i++) {
      if (random() < 0.5 || working.length === 0) {
        const id = next++
        working.push(id)
        batch.push(HubEvent.order(F.order({ id })))
      } else {
        const id = working.splice(Math.floor(random() * working.length), 1)[0]!
        batch.push(HubEvent.order(F.order({ id, status: 2, fillVolume: 1, filledPrice: 21_500 })))
      }
    }
    out.push(batch)
  }
  return { out, working }
}

describe("AccountState regressions", () => {
  it("removing orders with ids above 2^31 keeps the snapshot intact (Effect HashMap removal inside a mutation)", () => {
    // Broke: HashMap.remove inside beginMutation/endMutation leaves an emptied collision node in
    // effect 3.22's HashMap; later updates threw (`Cannot read properties of undefined`), which killed
    // AccountState's follow fiber: no user event was applied any more and `settle` (so every
    // reconciliation) waited forever.
    for (const seed of [38, 90, 94, 96, 108]) {
      const { out, working } = batches(seed, 2000)
      let data = Data.empty
      for (const batch of out) data = Data.applyAll(data, batch)
      assert.deepStrictEqual([...HashMap.keys(data.orders)].sort(), [...working].sort(), `seed ${seed}`)
      assert.strictEqual(HashMap.size(data.orders) + HashMap.size(data.completedOrders), countOrders(out))
    }
  })

  it.effect("AccountState keeps following a hub after such removals", () =>
    Effect.gen(function*() {
      const state = yield* AccountState.make
      const { out, working } = batches(38, 2000)
      for (const batch of out) yield* state.applyAll(batch)
      const s = yield* state.get
      assert.deepStrictEqual(AccountState.workingOrders(s, 465).map((o) => o.id).sort(), [...working].sort())
    }))

  it("closing positions (removals) keeps the other positions", () => {
    let data = Data.empty
    const random = lcg(5)
    const open = new Map<string, number>()
    for (let b = 0; b < 3000; b++) {
      const batch: Array<HubEvent.HubEvent> = []
      for (let i = 0; i < 5; i++) {
        const accountId = 100_000 + Math.floor(random() * 500)
        const contractId = `CON.F.US.C${Math.floor(random() * 40)}.Z26`
        const key = Data.positionKey(accountId, contractId)
        const close = open.has(key) && random() < 0.5
        if (close) open.delete(key)
        else open.set(key, 1)
        batch.push(HubEvent.position(F.position({ accountId, contractId, ...(close ? { type: 0, size: 0 } : {}) })))
      }
      data = Data.applyAll(data, batch)
    }
    assert.deepStrictEqual([...HashMap.keys(data.positions)].sort(), [...open.keys()].sort())
  })
})

const countOrders = (batches: ReadonlyArray<ReadonlyArray<HubEvent.HubEvent>>) => {
  const ids = new Set<number>()
  for (const b of batches) for (const e of b) if (e._tag === "Order") ids.add(e.order.id)
  return ids.size
}
