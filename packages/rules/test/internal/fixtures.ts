/**
 * Builders of account views for the pure rules' tests: MNQ, NQ and ES with their real tick sizes and values, and
 * positions, orders, trades and quotes written in a line each.
 */
import type { Models } from "@tradeguard/gateway"
import { TradingDay } from "@tradeguard/realtime"
import type { AccountView, ActiveLock, QuoteSeen } from "../../src/AccountView.js"
import type { RiskConfig, Rules as RulesConfig } from "../../src/RiskConfig.js"
import { RiskConfig as Risk } from "../../src/index.js"
import * as Rules from "../../src/Rules.js"
import * as Schema from "effect/Schema"

export const MNQ = "CON.F.US.MNQ.Z26"
export const NQ = "CON.F.US.ENQ.Z26"
export const ES = "CON.F.US.EP.Z26"

const contract = (id: string, symbolId: string, tickValue: number): Models.Contract =>
  ({ id, name: id, description: id, tickSize: 0.25, tickValue, activeContract: true, symbolId }) as Models.Contract

export const contracts: ReadonlyMap<string, Models.Contract> = new Map([
  [MNQ, contract(MNQ, "F.US.MNQ", 0.5)],
  [NQ, contract(NQ, "F.US.ENQ", 5)],
  [ES, contract(ES, "F.US.EP", 12.5)]
])

/** Wednesday 2026-12-02 09:00 Chicago (CST, UTC-6). */
export const NOW = Date.parse("2026-12-02T15:00:00Z")
export const iso = (at: number) => new Date(at).toISOString()
export const minutes = (n: number) => n * 60_000

export const position = (
  contractId: string,
  type: 1 | 2,
  size: number,
  averagePrice: number,
  openedAt = NOW - minutes(30)
): Models.Position =>
  ({ id: size * 1000 + averagePrice, accountId: 1, contractId, creationTimestamp: iso(openedAt), type, size, averagePrice }) as Models.Position

let tradeId = 1
export const trade = (
  t: {
    contractId?: string
    at?: number
    pnl?: number | null
    fees?: number
    size?: number
    voided?: boolean
    side?: 0 | 1
    price?: number
  }
): Models.Trade =>
  ({
    id: tradeId++,
    accountId: 1,
    contractId: t.contractId ?? MNQ,
    creationTimestamp: iso(t.at ?? NOW - minutes(10)),
    price: t.price ?? 21500,
    profitAndLoss: t.pnl ?? undefined,
    fees: t.fees ?? 0,
    side: t.side ?? 0,
    size: t.size ?? 1,
    voided: t.voided ?? false,
    orderId: 1
  }) as Models.Trade

let orderId = 1
export const order = (contractId: string, side: 0 | 1, status: 1 | 2 | 6 | 7 | 8 = 1, size = 1): Models.Order =>
  ({
    id: orderId++,
    accountId: 1,
    contractId,
    creationTimestamp: iso(NOW - minutes(5)),
    status,
    type: 1,
    side,
    size,
    fillVolume: 0
  }) as Models.Order

export const quote = (
  q: { bestBid?: number | undefined; bestAsk?: number | undefined; lastPrice?: number | undefined },
  receivedAt = NOW - 1000
): QuoteSeen => ({ quote: q, receivedAt })

export const locked = (end: ActiveLock["end"], until: number | undefined, rule: ActiveLock["rule"] = "dailyLossLimit"): ActiveLock => ({
  rule,
  reason: "test",
  since: NOW - minutes(1),
  end,
  until
})

/** A view at `now` (default {@link NOW}) with the trading day computed as the engine does (17:00 Chicago). */
export const view = (over: Partial<AccountView> = {}): AccountView => {
  const now = over.now ?? NOW
  return {
    accountId: 1,
    now,
    dayStart: TradingDay.startOf(now, TradingDay.defaults),
    nextDayStart: TradingDay.next(now, TradingDay.defaults),
    balance: 50_000,
    positions: [],
    workingOrders: [],
    trades: [],
    quotes: new Map(),
    barPrices: new Map(),
    contracts,
    marketHubDownSince: undefined,
    userHubDownSince: undefined,
    lock: undefined,
    ...over
  }
}

export const risk = (input: unknown = {}): RiskConfig => Schema.decodeUnknownSync(Risk.RiskConfigSchema)(input)

/** Decodes `rules` as the config would (defaults filled in). */
export const rules = (input: unknown): RulesConfig => Schema.decodeUnknownSync(Risk.Rules)(input)

/** Evaluates and returns the one verdict (the rules given must be a single rule). */
export const one = (
  input: unknown,
  v: AccountView,
  memory?: Rules.Evaluation["memory"],
  config: RiskConfig = risk()
) => {
  const e = Rules.evaluate(config, rules(input), v, memory)
  if (e.verdicts.length !== 1) throw new Error(`expected one verdict, got ${e.verdicts.length}`)
  return { ...e, verdict: e.verdicts[0]! }
}
