/**
 * The exchange side of the bench: the simulator served on loopback (its real
 * HTTP + SignalR server, rate limits off), the accounts and their positions,
 * the quote pump, the price moves that breach, and the stamps of the
 * cancel/close requests arriving (Node's `http.server.request.start`
 * diagnostics channel: the server has parsed the request's headers, before
 * the simulator's handler runs; the simulator needs no hook).
 *
 * {@link local} runs it in the calling thread; `remote.ts` runs the same in a
 * worker thread (so the simulator's work is not on the client's event loop,
 * as the gateway is not in the daemon's process).
 *
 * Positions: one user owns every account; each account holds one long in
 * each contract, the entries of one contract `spacing` ticks apart (account
 * i's rank in contract c is (i + 5c) mod accounts), the market pinned above
 * every entry (`normal`).
 *
 * @internal
 */
import { Enums } from "@tradeguard/gateway"
import { Server, Simulator } from "@tradeguard/simulator"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as diagnostics from "node:diagnostics_channel"
import type { IncomingMessage } from "node:http"
import { now } from "./clock.js"
import { contracts as allContracts, priceOf, ticksOf } from "./contracts.js"
import * as Pump from "./pump.js"

/** How the exchange side is set up. */
export interface MarketOptions {
  readonly accounts: number
  /** Contracts used = positions per account. */
  readonly positions: number
  readonly rate: number
  readonly spacing: number
}

/** The exchange side, wherever it runs. */
export interface Market {
  readonly baseUrl: string
  /** Entries (ticks) per contract index and account, from the simulator's truth after the set-up. */
  readonly entries: ReadonlyArray<ReadonlyArray<readonly [number, number]>>
  /** Each contract's bid (ticks) above every entry. */
  readonly normal: ReadonlyArray<number>
  /** Moves contract `index` to a bid of `ticks` (the simulator publishes the quote); the time just before the publish. */
  readonly move: (index: number, ticks: number) => Effect.Effect<number>
  /** The account holds a position in the contract (simulator's truth). */
  readonly holds: (accountId: number, contractId: string) => Effect.Effect<boolean>
  /** A market buy of one contract for the account (fills at once). */
  readonly buy: (accountId: number, contractId: string) => Effect.Effect<void>
  /** Open positions over every account. */
  readonly openPositions: Effect.Effect<number>
  /** Quotes the pump published, over how many seconds. */
  readonly published: Effect.Effect<{ readonly quotes: number; readonly seconds: number }>
  /** Arrival times of the cancel/close requests so far (the array grows). */
  readonly arrivals: ReadonlyArray<number>
}

/** The user owning every account, and the bare client's user. */
export const users = {
  guard: { userName: "bench-guard", apiKey: "bench-guard-key" },
  bare: { userName: "bench-bare", apiKey: "bench-bare-key" }
}

/** The first account id (the others follow). */
export const firstAccount = 300001

const isEnforcement = (url: string | undefined) => {
  const path = (url ?? "").split("?")[0]!.toLowerCase()
  return path === "/api/order/cancel" || path === "/api/position/closecontract"
}

/** Whether a request path is a cancel or a close (for the client-side stamps too). */
export { isEnforcement }

/** The simulator, the positions, the pump and the stamps, in this thread, for as long as the scope lives. */
export const local = (o: MarketOptions): Effect.Effect<Market, never, Scope.Scope> =>
  Effect.gen(function*() {
    const contracts = allContracts.slice(0, o.positions)
    const accountIds = Array.from({ length: o.accounts }, (_, i) => firstAccount + i)
    const options = {
      port: 0,
      seed: 7,
      contracts,
      rateLimits: { enabled: false },
      users: [
        { ...users.guard, accounts: accountIds.map((id, i) => ({ id, name: `BENCH-${i + 1}`, balance: 150_000 })) },
        { ...users.bare, accounts: [{ id: 399001, name: "BENCH-BARE" }] }
      ]
    }
    const context = yield* Effect.orDie(Layer.build(Server.layerSimulator(options)))
    const sim = yield* Effect.provide(Simulator.Simulator, context)
    const port = yield* Effect.provide(Server.port, context)
    const userId = yield* Effect.orDie(sim.exchange.ownerOf(firstAccount))

    const buy = (accountId: number, contractId: string) =>
      Effect.asVoid(Effect.orDie(sim.exchange.place(userId, {
        accountId,
        contractId,
        type: Enums.OrderType.Market,
        side: Enums.OrderSide.Bid,
        size: 1
      })))
    // account i's entry in contract c at base + rank x spacing (a market buy fills at the ask, one tick above the bid)
    const base = contracts.map((c) => ticksOf(c, c.basePrice))
    for (const [ci, c] of contracts.entries()) {
      for (let rank = 0; rank < o.accounts; rank++) {
        const ai = (((rank - 5 * ci) % o.accounts) + o.accounts) % o.accounts
        yield* Effect.orDie(sim.exchange.setPrice(c.id, priceOf(c, base[ci]! + rank * o.spacing - 1)))
        yield* buy(accountIds[ai]!, c.id)
      }
    }
    const normal = base.map((b) => b + o.accounts * o.spacing + 20)
    for (const [ci, c] of contracts.entries()) yield* Effect.orDie(sim.exchange.setPrice(c.id, priceOf(c, normal[ci]!)))
    const entries = contracts.map(() => [] as Array<readonly [number, number]>)
    for (const id of accountIds) {
      for (const p of (yield* Effect.orDie(sim.exchange.peek(id))).positions) {
        const ci = contracts.findIndex((c) => c.id === p.contractId)
        entries[ci]!.push([id, ticksOf(contracts[ci]!, p.averagePrice)])
      }
    }

    const arrivals: Array<number> = []
    const onRequest = (message: unknown) => {
      if (isEnforcement((message as { readonly request: IncomingMessage }).request.url)) arrivals.push(now())
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => diagnostics.subscribe("http.server.request.start", onRequest)),
      () => Effect.sync(() => diagnostics.unsubscribe("http.server.request.start", onRequest))
    )
    const pump = yield* Pump.start({ exchange: sim.exchange, contracts, levels: normal, rate: o.rate })

    return {
      baseUrl: `http://127.0.0.1:${port}`,
      entries,
      normal,
      move: pump.move,
      holds: (accountId, contractId) =>
        Effect.map(
          Effect.orDie(sim.exchange.peek(accountId)),
          (snap) => snap.positions.some((p) => p.contractId === contractId && p.size > 0)
        ),
      buy,
      openPositions: Effect.gen(function*() {
        let open = 0
        for (const id of accountIds) {
          open += (yield* Effect.orDie(sim.exchange.peek(id))).positions.filter((p) => p.size > 0).length
        }
        return open
      }),
      published: Effect.sync(pump.published),
      arrivals
    } satisfies Market
  })
