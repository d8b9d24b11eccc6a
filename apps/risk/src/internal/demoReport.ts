/**
 * Pure helpers of the demo: one timeline line per thing the daemon reports (hub lifecycle, events,
 * reconciliations, breaker transitions, rule decisions, enforcement steps), the end-of-run summary with its
 * invariants, and a comparison of the cached picture with the simulator's ground truth.
 *
 * @internal
 */
import { Enums, type Models } from "@tradeguard/gateway"
import type { AccountState, HubConnection, HubEvent, StateReconciler } from "@tradeguard/realtime"
import type { CircuitBreaker } from "@tradeguard/resilience"
import type { AccountView, Enforcer, RiskEngine } from "@tradeguard/rules"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import { CommandFailed } from "./commandFailed.js"
import type { Snapshot } from "./demoBot.js"

const origin = (e: { readonly reconciled: boolean }) => (e.reconciled ? "reconciled" : "live")

/** `+12.3s  text`: a timeline line, `elapsedMillis` after the start of the demo. */
export const stamp = (elapsedMillis: number, text: string): string =>
  `${`+${(Math.max(0, elapsedMillis) / 1000).toFixed(1)}s`.padStart(7)}  ${text}`

/** One line for a user event. */
export const describeEvent = (e: HubEvent.Account | HubEvent.Order | HubEvent.Position | HubEvent.Trade): string => {
  switch (e._tag) {
    case "Account":
      return `account ${e.account.id} balance ${e.account.balance.toFixed(2)} (${origin(e)})`
    case "Order": {
      const o = e.order
      return `order ${o.id} acct ${o.accountId} ${Enums.nameOf(Enums.OrderSide, o.side)} ${o.size} ${Enums.nameOf(Enums.OrderType, o.type)} ` +
        `${Enums.nameOf(Enums.OrderStatus, o.status)} filled ${o.fillVolume}${o.filledPrice !== undefined ? ` @ ${o.filledPrice}` : ""}` +
        `${o.customTag !== undefined ? ` tag ${o.customTag}` : ""} (${origin(e)})`
    }
    case "Position": {
      const p = e.position
      return p.size === 0
        ? `position acct ${p.accountId} ${p.contractId} closed (${origin(e)})`
        : `position acct ${p.accountId} ${p.contractId} ${Enums.nameOf(Enums.PositionType, p.type)} ${p.size} @ ${p.averagePrice} (${origin(e)})`
    }
    case "Trade": {
      const t = e.trade
      return `trade ${t.id} acct ${t.accountId} ${Enums.nameOf(Enums.OrderSide, t.side)} ${t.size} @ ${t.price}` +
        `${t.profitAndLoss !== undefined ? ` pnl ${t.profitAndLoss.toFixed(2)}` : ""} fees ${t.fees.toFixed(2)} (${origin(e)})`
    }
  }
}

/** One line for a hub's lifecycle event. */
export const describeLifecycle = (hub: string, e: HubConnection.LifecycleEvent): string => {
  switch (e._tag) {
    case "Connected":
      return `${hub} hub connected`
    case "Reconnecting":
      return `${hub} hub lost (${e.reason}): reconnecting with backoff`
    case "Reconnected":
      return `${hub} hub reconnected after ${e.attempts} attempt(s)`
    case "Subscribed":
      return `${hub} hub subscriptions ${e.afterReconnect ? "replayed" : "active"}`
    case "SubscriptionActive":
      return `${hub} hub subscription ${e.subscription.method} active`
    case "Closed":
      return `${hub} hub closed: ${e.reason}`
  }
}

/** One line for a circuit breaker transition. */
export const describeTransition = (t: CircuitBreaker.Transition): string =>
  `circuit ${t.group}: ${t.from._tag} -> ${t.to._tag}`

/** One line for an Enforcer event. */
export const describeEnforcement = (e: Enforcer.Event): string => {
  switch (e._tag) {
    case "Started":
      return `enforcement ${e.id} on ${e.accountId} started (${e.rule}${e.resumed ? ", resumed" : ""})`
    case "ActionDone":
      return `enforcement ${e.id} on ${e.accountId}: ${e.step.action} -> ${e.step.outcome} (${e.step.endedAt - e.step.startedAt} ms)`
    case "Verified":
      return `enforcement ${e.id} on ${e.accountId} verified: ${e.final.flat ? "flat" : "NOT flat"}, ` +
        `${e.final.positions.length} position(s), ${e.final.workingOrders.length} working order(s)`
    case "Escalated":
      return `enforcement ${e.id} on ${e.accountId} ESCALATED: ${e.remaining}`
  }
}

/** What the timeline last said of an account's rules: the breached rules and the lock. */
export interface Decision {
  readonly breached: ReadonlyArray<string>
  readonly lock: string | undefined
}

/**
 * The lines for what changed in the rule decisions since `previous` (a rule breached or back within its limit, a
 * lock set or ended), and the decisions now.
 */
export const decisionLines = (
  previous: ReadonlyMap<number, Decision>,
  statuses: ReadonlyArray<Pick<RiskEngine.AccountStatus, "accountId" | "rules" | "lock">>
): [ReadonlyMap<number, Decision>, Array<string>] => {
  const next = new Map(previous)
  const lines: Array<string> = []
  for (const s of statuses) {
    const before = previous.get(s.accountId) ?? { breached: [], lock: undefined }
    const breached = s.rules.filter((r) => r.breached)
    for (const r of breached) {
      if (!before.breached.includes(r.rule)) {
        lines.push(`rule ${r.rule} on ${s.accountId}: BREACHED (${r.reason}; figure ${r.figure ?? "?"}, limit ${r.limit ?? "?"})`)
      }
    }
    for (const rule of before.breached) {
      if (!breached.some((r) => r.rule === rule)) lines.push(`rule ${rule} on ${s.accountId}: within its limit again`)
    }
    const lock = s.lock === undefined ? undefined : `${s.lock.rule}: ${s.lock.reason}`
    if (lock !== before.lock) lines.push(lock === undefined ? `account ${s.accountId} unlocked` : `account ${s.accountId} LOCKED (${lock})`)
    next.set(s.accountId, { breached: breached.map((r) => r.rule), lock })
  }
  return [next, lines]
}

/** What the demo measured, for {@link invariants} and {@link renderSummary}. */
export interface Summary {
  readonly seed: number
  readonly elapsedMillis: number
  /** Orders the bot (the other front-end) sent, and how many were accepted. */
  readonly ordersSent: number
  /** Orders at the simulator the bot did not send: the daemon's (its closes and its intents' orders). */
  readonly daemonOrders: number
  /** Order intents the daemon wrote ahead of its own orders. */
  readonly intents: number
  /** One line per order sent more than once (a bot tag or a daemon intent with two orders at the simulator). */
  readonly duplicates: ReadonlyArray<string>
  /** 429s the daemon received (limiter pauses) plus those of the burst it was put under. */
  readonly received429: number
  /** How many requests the 429 pressure sent through the daemon's limiter, and the longest wait, ms. */
  readonly pressure: { readonly requests: number; readonly completed: number; readonly maxWaitMillis: number }
  readonly reconnects: { readonly user: number; readonly market: number }
  readonly reconciliations: number
  readonly eventsReconciled: number
  readonly breaches: ReadonlyArray<string>
  /** Enforcement steps by `action -> outcome`. */
  readonly actions: ReadonlyArray<readonly [string, number]>
  /** Enforcements by outcome (`verified flat`, `escalated`, ...). */
  readonly enforcements: ReadonlyArray<readonly [string, number]>
  readonly locked: {
    readonly accountId: number
    readonly lock: string | undefined
    readonly positions: number
    readonly workingOrders: number
  }
  /** The other front-end's orders on the locked account: the resting one cancelled, the filled one flattened. */
  readonly otherFrontEnd: { readonly cancelled: boolean; readonly flattened: boolean }
  /** The account that stayed within its limits: what the daemon did to it (nothing, hopefully). */
  readonly untouched: { readonly accountId: number; readonly touched: ReadonlyArray<string> }
  /** Differences between the daemon's cached picture and the simulator's, per account. */
  readonly mismatches: ReadonlyArray<string>
}

/** One invariant: its name, whether it holds, and its figure. */
export interface Invariant {
  readonly name: string
  readonly ok: boolean
  readonly figure: string
}

/** The invariants the demo checks: the exit code is non-zero when one fails. */
export const invariants = (s: Summary): Array<Invariant> => [
  { name: "duplicates", ok: s.duplicates.length === 0, figure: `${s.duplicates.length}${s.duplicates.length > 0 ? ` (${s.duplicates.join("; ")})` : ""}` },
  { name: "429 received", ok: s.received429 === 0, figure: `${s.received429}` },
  { name: "429 pressure absorbed", ok: s.pressure.completed === s.pressure.requests, figure: `${s.pressure.completed} of ${s.pressure.requests} completed` },
  { name: "breach enforced", ok: s.breaches.length > 0 && s.locked.lock !== undefined, figure: s.locked.lock ?? "no lock" },
  {
    name: `locked account ${s.locked.accountId} flat`,
    ok: s.locked.positions === 0 && s.locked.workingOrders === 0,
    figure: `${s.locked.positions} position(s), ${s.locked.workingOrders} working order(s)`
  },
  {
    name: "other front-end undone",
    ok: s.otherFrontEnd.cancelled && s.otherFrontEnd.flattened,
    figure: `resting order ${s.otherFrontEnd.cancelled ? "cancelled" : "NOT cancelled"}, filled order ${s.otherFrontEnd.flattened ? "flattened" : "NOT flattened"}`
  },
  {
    name: `account ${s.untouched.accountId} untouched`,
    ok: s.untouched.touched.length === 0,
    figure: s.untouched.touched.length === 0 ? "no enforcement" : s.untouched.touched.join("; ")
  },
  { name: "state equals ground truth", ok: s.mismatches.length === 0, figure: s.mismatches.length === 0 ? "yes" : s.mismatches.join("; ") }
]

/** 0 when every invariant holds, else 1. */
export const exitCodeOf = (checked: ReadonlyArray<Invariant>): number => (checked.every((i) => i.ok) ? 0 : 1)

const counts = (entries: ReadonlyArray<readonly [string, number]>) =>
  entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} x${n}`).join(", ")

/** The summary: the figures, then each invariant with `ok` or `FAILED`. */
export const renderSummary = (s: Summary, checked: ReadonlyArray<Invariant> = invariants(s)): Array<string> => [
  `summary (seed ${s.seed}, ${(s.elapsedMillis / 1000).toFixed(1)} s)`,
  `  orders sent:          ${s.ordersSent} by the bot, ${s.daemonOrders} by the daemon (${s.intents} write-ahead intent(s))`,
  `  duplicates:           ${s.duplicates.length}`,
  `  429 received:         ${s.received429} (pressure: ${s.pressure.requests} requests queued by the limiter, longest wait ${Math.round(s.pressure.maxWaitMillis)} ms)`,
  `  reconnects:           user hub ${s.reconnects.user}, market hub ${s.reconnects.market}`,
  `  reconciliations:      ${s.reconciliations}, events reconciled ${s.eventsReconciled}`,
  `  breaches:             ${s.breaches.length === 0 ? "none" : s.breaches.join("; ")}`,
  `  enforcement actions:  ${counts(s.actions)}`,
  `  enforcements:         ${counts(s.enforcements)}`,
  `  locked account:       ${s.locked.accountId}: ${s.locked.lock ?? "NOT locked"}; ${s.locked.positions} position(s), ${s.locked.workingOrders} working order(s)`,
  "invariants",
  ...checked.map((i) => `  ${i.ok ? "ok    " : "FAILED"} ${i.name}: ${i.figure}`),
  exitCodeOf(checked) === 0 ? "all invariants hold" : `${checked.filter((i) => !i.ok).length} invariant(s) FAILED`
]

/** Per key, how many times it occurs, in first-seen order. */
export const tally = (keys: ReadonlyArray<string>): Array<readonly [string, number]> => {
  const m = new Map<string, number>()
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1)
  return [...m.entries()]
}

/**
 * Orders sent more than once: the simulator's orders grouped by `keyOf(customTag)` (a bot tag, or the intent an
 * attempt's tag belongs to; undefined: not ours), one line per key with more than one order.
 */
export const duplicatesOf = (
  orders: ReadonlyArray<{ readonly id: number; readonly customTag?: string | undefined }>,
  keyOf: (customTag: string) => string | undefined
): Array<string> => {
  const byKey = new Map<string, Array<number>>()
  for (const o of orders) {
    const key = o.customTag === undefined ? undefined : keyOf(o.customTag)
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), o.id])
  }
  return [...byKey.entries()].filter(([, ids]) => ids.length > 1).map(([k, ids]) => `${k}: orders ${ids.join(", ")}`)
}

/** A duplicate close: more orders at the simulator without the bot's tags than closeContract requests the daemon sent. */
export const extraCloses = (daemonOrders: number, closes: number): Array<string> =>
  daemonOrders > closes ? [`${daemonOrders} daemon orders for ${closes} closeContract request(s)`] : []

/**
 * A timeline line for a log line of the daemon, or undefined to leave it out: the SignalR library's own lines
 * (the hub's lifecycle says the same, shorter). Long lines are cut at 200 characters.
 */
export const logLine = (level: string, message: unknown): string | undefined => {
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  if (text.startsWith("signalr:")) return undefined
  const line = `(${level.toLowerCase()}) ${text}`
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** The ground truth of an account, as the simulator's snapshot gives it. */
export interface Truth {
  readonly account: Models.Account
  readonly openOrders: ReadonlyArray<Models.Order>
  readonly positions: ReadonlyArray<Models.Position>
  readonly trades: ReadonlyArray<Models.Trade>
}

/** Every difference between the cached state of `accountId` and the ground truth; empty when they agree. */
export const compareWithTruth = (mine: AccountState.Snapshot, truth: Truth, accountId: number): Array<string> => {
  const out: Array<string> = []
  const myOrders = new Map(
    [...HashMap.values(mine.orders)].filter((o) => o.accountId === accountId).map((o) => [o.id, o] as const)
  )
  for (const o of truth.openOrders) {
    const m = myOrders.get(o.id)
    if (m === undefined) out.push(`working order ${o.id} missing`)
    else if (m.status !== o.status || m.fillVolume !== o.fillVolume) out.push(`order ${o.id} differs`)
    myOrders.delete(o.id)
  }
  for (const id of myOrders.keys()) out.push(`order ${id} cached as working but not working`)
  const myPositions = new Map(
    [...HashMap.values(mine.positions)].filter((p) => p.accountId === accountId).map((p) => [p.contractId, p] as const)
  )
  for (const p of truth.positions) {
    const m = myPositions.get(p.contractId)
    if (m === undefined) out.push(`position ${p.contractId} missing`)
    else if (m.type !== p.type || m.size !== p.size || m.averagePrice !== p.averagePrice) out.push(`position ${p.contractId} differs`)
    myPositions.delete(p.contractId)
  }
  for (const c of myPositions.keys()) out.push(`position ${c} cached but closed`)
  const myTrades = new Set([...HashMap.values(mine.trades)].filter((t) => t.accountId === accountId).map((t) => t.id))
  for (const t of truth.trades) if (!myTrades.delete(t.id)) out.push(`trade ${t.id} missing`)
  for (const id of myTrades) out.push(`trade ${id} cached but unknown`)
  const acct = HashMap.get(mine.accounts, accountId)
  if (acct._tag === "None") out.push(`account ${accountId} missing`)
  else if (Math.abs(acct.value.balance - truth.account.balance) > 1e-6) {
    out.push(`balance ${acct.value.balance} != ${truth.account.balance}`)
  }
  return out
}

/** The average price of the account's first open position (0 when flat). */
export const entryPrice = (s: Pick<Snapshot, "positions">): number => s.positions[0]?.averagePrice ?? 0

/** The size of the position in `contractId` among `positions` (0 when none). */
export const positionSize = (positions: ReadonlyArray<Models.Position>, contractId: string): number =>
  positions.find((p) => p.contractId === contractId)?.size ?? 0

/** No open position and no working order. */
export const isFlat = (s: Pick<Snapshot, "positions" | "openOrders">): boolean => s.positions.length === 0 && s.openOrders.length === 0

/** The order is known to the simulator and no longer working. */
export const isDone = (s: Pick<Snapshot, "orders" | "openOrders">, orderId: number): boolean =>
  s.orders.some((o) => o.id === orderId) && !s.openOrders.some((o) => o.id === orderId)

/** The order filled (at least partly) and the account is flat again. */
export const isFilledAndFlat = (s: Snapshot, orderId: number): boolean =>
  s.orders.some((o) => o.id === orderId && o.fillVolume > 0) && isFlat(s)

/** `yes` / `no` lines of the script's checks. */
export const checkLine = {
  seen: (orderId: number, seen: boolean) => `order ${orderId} in the daemon's picture after the reconnect: ${seen ? "yes" : "MISSING"}`,
  cancelled: (orderId: number, done: boolean) => `resting order ${orderId} ${done ? "cancelled by the daemon" : "STILL WORKING"}`,
  flattened: (orderId: number, done: boolean) =>
    `market order ${orderId} ${done ? "filled, and the position flattened by the daemon" : "NOT undone"}`
}

/** What the session observed, raw: {@link summarize} turns it into the {@link Summary}. */
export interface Observed {
  readonly seed: number
  readonly elapsedMillis: number
  /** The customTags of the bot's orders. */
  readonly botTags: ReadonlyArray<string>
  /** The daemon's order attempts: customTag and the intent (idempotency key) it belongs to. */
  readonly attempts: ReadonlyArray<{ readonly custom_tag: string; readonly idempotency_key: string }>
  readonly events: ReadonlyArray<Enforcer.Event>
  readonly reports: ReadonlyArray<StateReconciler.Report>
  readonly breaches: ReadonlyArray<string>
  readonly received429: number
  readonly pressure: Summary["pressure"]
  readonly reconnects: Summary["reconnects"]
  readonly otherFrontEnd: Summary["otherFrontEnd"]
  /** The breached account: its truth at the end and its lock. */
  readonly locked: { readonly accountId: number; readonly snapshot: Snapshot; readonly lock: AccountView.ActiveLock | undefined }
  /** The other account: its truth at the end, and what the bot left there (one position of `size`, a resting order). */
  readonly other: { readonly accountId: number; readonly snapshot: Snapshot; readonly size: number; readonly restingOrderId: number }
  /** The daemon's cached picture at the end. */
  readonly picture: AccountState.Snapshot
}

/** The summary of what the session observed. */
export const summarize = (o: Observed): Summary => {
  const botTags = new Set(o.botTags)
  const intentOf = new Map(o.attempts.map((r) => [r.custom_tag, r.idempotency_key]))
  const orders = [...o.locked.snapshot.orders, ...o.other.snapshot.orders]
  const closes = o.events.filter((e) => e._tag === "ActionDone" && e.step.action === "closeContract").length
  const daemonOrders = orders.filter((x) => x.customTag === undefined || !botTags.has(x.customTag)).length
  const other = o.other.snapshot
  const touched = [
    ...o.events.filter((e) => e.accountId === o.other.accountId).map(describeEnforcement),
    ...(other.positions.length === 1 && other.positions[0]!.size === o.other.size ? [] : [`positions changed: ${other.positions.length}`]),
    ...(other.openOrders.some((x) => x.id === o.other.restingOrderId) ? [] : [`order ${o.other.restingOrderId} no longer working`])
  ]
  const lock = o.locked.lock
  return {
    seed: o.seed,
    elapsedMillis: o.elapsedMillis,
    ordersSent: botTags.size,
    daemonOrders,
    intents: new Set(intentOf.values()).size,
    duplicates: [
      ...duplicatesOf(orders, (tag) => (botTags.has(tag) ? tag : undefined)),
      ...duplicatesOf(orders, (tag) => intentOf.get(tag)),
      ...extraCloses(daemonOrders, closes)
    ],
    received429: o.received429,
    pressure: o.pressure,
    reconnects: o.reconnects,
    reconciliations: o.reports.length,
    eventsReconciled: o.reports.reduce((n, r) => n + r.totalMissed, 0),
    breaches: o.breaches,
    actions: tally(o.events.flatMap((e) => (e._tag === "ActionDone" ? [`${e.step.action} -> ${e.step.outcome}`] : []))),
    enforcements: tally(o.events.flatMap((e) =>
      e._tag === "Verified" ? [e.final.flat ? "verified flat" : "verified not flat"] : e._tag === "Escalated" ? ["escalated"] : []
    )),
    locked: {
      accountId: o.locked.accountId,
      lock: lock === undefined ? undefined : `${lock.rule}: ${lock.reason}`,
      positions: o.locked.snapshot.positions.length,
      workingOrders: o.locked.snapshot.openOrders.length
    },
    otherFrontEnd: o.otherFrontEnd,
    untouched: { accountId: o.other.accountId, touched },
    mismatches: [
      ...compareWithTruth(o.picture, o.locked.snapshot, o.locked.accountId).map((m) => `${o.locked.accountId}: ${m}`),
      ...compareWithTruth(o.picture, other, o.other.accountId).map((m) => `${o.other.accountId}: ${m}`)
    ]
  }
}

/** Prints the summary; fails with exit code 1 when an invariant does not hold. */
export const conclude = (summary: Summary): Effect.Effect<void, CommandFailed> =>
  Effect.gen(function*() {
    const checked = invariants(summary)
    for (const line of renderSummary(summary, checked)) yield* Console.log(line)
    if (exitCodeOf(checked) !== 0) {
      return yield* new CommandFailed({ message: "tradeguard demo: an invariant failed (see the summary)", code: 1 })
    }
  })
