/**
 * What the manager keeps from the user hub: the orders of active intents by tag (for verification), the
 * orders it owns (an intent's order, by id), their fills and status (the pure tracker in `fills.ts`),
 * persisted to the store, and the late landing of an order whose intent was closed. Runs on ONE fiber:
 * every change goes through `handle`.
 *
 * @internal
 */
import { Enums, type Models } from "@tradeguard/gateway"
import type { HubEvent } from "@tradeguard/realtime"
import { OrderIntents } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OrderManagement } from "../OrderConfig.js"
import type { OrderEvent } from "../OrderEvent.js"
import type { RecordedOutcome } from "../OrderIntent.js"
import { parseTag, tagOf } from "../OrderIntent.js"
import * as Fills from "./fills.js"
import type { Persistence } from "./persist.js"
import { outcomeOf, terminalStatusOf } from "./persist.js"

/** An order the manager owns. */
export interface Owned {
  readonly key: string
  readonly customTag: string
  readonly accountId: number
}

/** What the tracking fiber is asked to do. */
export type Command =
  | { readonly _tag: "Hub"; readonly events: ReadonlyArray<HubEvent.HubEvent> }
  /** `firstFillAt`: when the order was first filled, if before now (its stored fills, at start-up). */
  | {
    readonly _tag: "Own"
    readonly orderId: number
    readonly owned: Owned
    readonly order?: Models.Order
    readonly firstFillAt?: number
  }
  | { readonly _tag: "Order"; readonly order: Models.Order }
  | { readonly _tag: "CheckTimeouts" }

/** The manager's side of tracking. */
export interface Deps {
  readonly config: OrderManagement
  readonly store: Persistence
  readonly emit: (event: OrderEvent) => Effect.Effect<void>
  /** Active intents: a hub order of one of their tags is handed to the driver. */
  readonly toDriver: (key: string, order: Models.Order) => Effect.Effect<boolean>
  readonly schedule: (delayMillis: number, command: Command) => Effect.Effect<void>
  readonly cancelRest: (accountId: number, orderId: number) => Effect.Effect<void>
  /**
   * Held while the tracking changes an order's state and while the driver records a placement, so the driver's
   * "Working" never overwrites an end (Filled) the hub reported first.
   */
  readonly lock: Effect.Semaphore
}

/** Trades seen before their order became ours, kept for a while (the hub may send a fill before the order). */
const maxEarlyTrades = 2_000

/** The tracking state and its single entry point. */
export const make = (deps: Deps) => {
  const owned = new Map<number, Owned>()
  /** The order of each key's current intent (a key reused past its TTL owns its earlier orders too). */
  const latest = new Map<string, number>()
  const seenByKey = new Map<string, Map<string, Models.Order>>()
  const early = new Map<number, Array<Models.Trade>>()
  let earlyCount = 0
  let tracker: Fills.Tracker = Fills.empty
  const status = new Map<number, Enums.OrderStatus>()

  const warn = (key: string | undefined, message: string) =>
    Effect.zipRight(Effect.logWarning(message), deps.emit(key === undefined ? { _tag: "Alert", message } : { _tag: "Alert", key, message }))
  const quietly = <E>(what: string, effect: Effect.Effect<unknown, E>) =>
    Effect.catchAll(Effect.asVoid(effect), (e) => warn(undefined, `order tracking: ${what} failed: ${String((e as { message?: unknown }).message ?? e)}`))

  const announce = (events: ReadonlyArray<Fills.FillEvent>) =>
    Effect.forEach(events, (e) => {
      const o = owned.get(e.orderId)
      if (o === undefined) return Effect.void
      switch (e._tag) {
        case "PartiallyFilled":
        case "Filled":
          return Effect.zipRight(
            quietly(
              "recording the fill volume",
              deps.store.updateAttempt(o.customTag, {
                fillVolume: e.fillVolume,
                averageFillPrice: e.avgPrice,
                status: e._tag === "Filled" ? "Filled" : "PartiallyFilled"
              })
            ),
            deps.emit({ ...e, key: o.key })
          )
        case "Incomplete":
          return Effect.zipRight(
            deps.emit({ ...e, key: o.key }),
            e.action === "cancelRest" ? deps.cancelRest(o.accountId, e.orderId) : Effect.void
          )
      }
    }, { discard: true })

  const afterChange = (before: Fills.OrderFills | undefined, orderId: number, now: number) => {
    const after = tracker.get(orderId)
    if (before?.firstFillAt !== undefined || after?.firstFillAt === undefined) return Effect.void
    // counted from the FIRST fill, which may be before now (an order recovered at start-up)
    return deps.schedule(Math.max(0, after.firstFillAt + deps.config.partialFills.completeTimeout - now), { _tag: "CheckTimeouts" })
  }

  /** Applies a change of the tracker for one order: its fill events, and the completeTimeout timer at its first fill. */
  const update = (
    orderId: number,
    f: (t: Fills.Tracker, now: number) => readonly [Fills.Tracker, ReadonlyArray<Fills.FillEvent>]
  ) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const before = tracker.get(orderId)
      const [next, events] = f(tracker, now)
      tracker = next
      yield* announce(events)
      yield* afterChange(before, orderId, now)
    })

  const applyTrade = (trade: Models.Trade) =>
    Effect.gen(function*() {
      if (!trade.voided) {
        yield* quietly("recording a fill", deps.store.recordFill({
          tradeId: trade.id,
          gatewayOrderId: trade.orderId,
          accountId: trade.accountId,
          contractId: trade.contractId,
          side: trade.side,
          size: trade.size,
          price: trade.price,
          fees: trade.fees,
          profitAndLoss: trade.profitAndLoss ?? null,
          at: Date.parse(trade.creationTimestamp)
        }))
      }
      if (deps.config.partialFills.trackingEnabled) yield* update(trade.orderId, (t, now) => Fills.applyTrade(t, trade, now))
    })

  const applyOwnedOrder = (order: Models.Order, own: Owned, firstFillAt?: number) =>
    Effect.gen(function*() {
      status.set(order.id, order.status)
      if (deps.config.partialFills.trackingEnabled) {
        yield* update(order.id, (t, now) => Fills.applyOrder(t, order, Math.min(firstFillAt ?? now, now)))
      }
      const terminal = terminalStatusOf(order.status)
      // only the current intent's order ends the intent
      if (terminal !== undefined && latest.get(own.key) === order.id) {
        yield* quietly("recording the order's end", end(own.key, terminal))
      }
    })

  /** Records the intent's end, unless it already has one (Expired, written when its time in force ran out). */
  const end = (key: string, terminal: OrderIntents.IntentStatus) =>
    Effect.flatMap(deps.store.find(key), (row) =>
      Option.isSome(row) && OrderIntents.terminal.includes(row.value.status) ? Effect.void : deps.store.setStatus(key, terminal))

  /** The order ended before its placement was recorded (Working): write its end again, after that. */
  const restate = (orderId: number, o: Owned) => {
    const seen = status.get(orderId)
    const terminal = seen === undefined ? undefined : terminalStatusOf(seen)
    if (terminal === undefined) return Effect.void
    return Effect.zipRight(
      quietly("recording the order's end", deps.store.setStatus(o.key, terminal)),
      terminal === "Filled" ? quietly("recording the fill volume", deps.store.updateAttempt(o.customTag, { status: terminal })) : Effect.void
    )
  }

  const own = (orderId: number, o: Owned) =>
    Effect.gen(function*() {
      if (owned.has(orderId)) return
      owned.set(orderId, o)
      latest.set(o.key, orderId)
      const waiting = early.get(orderId)
      if (waiting !== undefined) {
        early.delete(orderId)
        earlyCount -= waiting.length
        for (const t of waiting) yield* applyTrade(t)
      }
    })

  /** An order with one of our tags that no active intent claimed: ours if the store knows its attempt. */
  const adoptLate = (order: Models.Order, key: string, n: number) =>
    Effect.gen(function*() {
      const customTag = tagOf(key, n)
      const attempt = yield* deps.store.findAttempt(customTag)
      if (Option.isNone(attempt)) return
      yield* own(order.id, { key, customTag, accountId: order.accountId })
      if (attempt.value.gatewayOrderId !== null) return
      const intent = yield* deps.store.find(key)
      const outcome = Option.flatMap(intent, outcomeOf)
      yield* deps.store.updateAttempt(customTag, { gatewayOrderId: order.id, status: "Working" })
      if (Option.isSome(outcome) && (outcome.value._tag === "Rejected" || outcome.value._tag === "Failed")) {
        const placed = { _tag: "Placed" as const, orderId: order.id, customTag }
        yield* deps.store.setStatus(key, "Working", placed)
        yield* warn(key, `order intent ${key}: order ${order.id} (${customTag}) appeared after the intent was closed as ${outcome.value._tag}; adopted`)
        yield* deps.emit({ _tag: "OutcomeReached", key, outcome: placed })
      }
    }).pipe(Effect.catchAll((e) => warn(key, `order tracking: looking up ${key} failed: ${e.message}`)))

  const onOrder = (order: Models.Order) =>
    Effect.gen(function*() {
      const parsed = order.customTag === undefined || order.customTag === null ? Option.none() : parseTag(order.customTag)
      if (Option.isSome(parsed)) {
        const { key, leg, n } = parsed.value
        const seen = seenByKey.get(key)
        if (seen !== undefined) seen.set(order.customTag!, order)
        const claimed = yield* deps.toDriver(key, order)
        if (leg === undefined && !owned.has(order.id)) {
          if (claimed) yield* own(order.id, { key, customTag: order.customTag!, accountId: order.accountId })
          else yield* adoptLate(order, key, n)
        }
      }
      const o = owned.get(order.id)
      if (o !== undefined) yield* applyOwnedOrder(order, o)
    })

  const onTrade = (trade: Models.Trade) => {
    if (owned.has(trade.orderId)) return applyTrade(trade)
    let waiting = early.get(trade.orderId)
    if (waiting === undefined) early.set(trade.orderId, waiting = [])
    waiting.push(trade)
    if (++earlyCount > maxEarlyTrades) {
      const oldest = early.keys().next().value!
      earlyCount -= early.get(oldest)!.length
      early.delete(oldest)
    }
    return Effect.void
  }

  /** Records an intent's placement: its order id, and the state the hub already reported for that order. */
  const recordPlaced = (key: string, orderId: number, customTag: string, outcome: RecordedOutcome) =>
    deps.lock.withPermits(1)(Effect.gen(function*() {
      const s = status.get(orderId)
      const terminal = s === undefined ? undefined : terminalStatusOf(s)
      const p = tracker.get(orderId)
      const { avgPrice, fillVolume } = p === undefined ? { fillVolume: 0, avgPrice: undefined } : Fills.progress(p)
      yield* quietly("recording the outcome", deps.store.setStatus(key, terminal ?? "Working", outcome))
      yield* quietly("recording the order id", deps.store.updateAttempt(customTag, {
        gatewayOrderId: orderId,
        status: terminal ?? (fillVolume > 0 ? "PartiallyFilled" : "Working"),
        ...(fillVolume > 0 ? { fillVolume } : {}),
        ...(avgPrice === undefined ? {} : { averageFillPrice: avgPrice })
      }))
    }))

  /**
   * Whether a hub event can matter here: a trade (it may belong to an order owned later), or an order with a tag or
   * already owned. Another front-end's untagged orders are most of a busy account's events: they skip the lock.
   */
  const concerns = (e: HubEvent.HubEvent) =>
    e._tag === "Trade" ||
    (e._tag === "Order" && ((e.order.customTag !== undefined && e.order.customTag !== null) || owned.has(e.order.id)))

  const handle = (c: Command): Effect.Effect<void> =>
    c._tag === "Hub" && !c.events.some(concerns) ? Effect.void : deps.lock.withPermits(1)(handleUnlocked(c))

  const handleUnlocked = (c: Command): Effect.Effect<void> => {
    switch (c._tag) {
      case "Hub":
        return Effect.forEach(c.events, (e) => {
          switch (e._tag) {
            case "Order":
              return onOrder(e.order)
            case "Trade":
              return onTrade(e.trade)
            default:
              return Effect.void
          }
        }, { discard: true })
      case "Own":
        return Effect.zipRight(
          own(c.orderId, c.owned),
          c.order === undefined ? restate(c.orderId, c.owned) : applyOwnedOrder(c.order, c.owned, c.firstFillAt)
        )
      case "Order": {
        const o = owned.get(c.order.id)
        return o === undefined ? Effect.void : applyOwnedOrder(c.order, o)
      }
      case "CheckTimeouts":
        return Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const [next, events] = Fills.checkTimeouts(tracker, now, deps.config.partialFills)
          tracker = next
          yield* announce(events)
        })
    }
  }

  return {
    handle,
    recordPlaced,
    /** Starts keeping the hub orders of an active intent's tags. */
    watch: (key: string) => void seenByKey.set(key, seenByKey.get(key) ?? new Map()),
    /** Stops keeping them (the intent is done). */
    unwatch: (key: string) => void seenByKey.delete(key),
    /** A hub order of one of `tags`, if seen. */
    seen: (key: string, tags: ReadonlySet<string>): Option.Option<Models.Order> => {
      const seen = seenByKey.get(key)
      if (seen === undefined) return Option.none()
      for (const [tag, order] of seen) {
        const parsed = parseTag(tag)
        if (Option.isSome(parsed) && tags.has(tagOf(parsed.value.key, parsed.value.n))) return Option.some(order)
      }
      return Option.none()
    },
    /** The fill volume and average price of an order, if tracked. */
    progress: (orderId: number) => {
      const o = tracker.get(orderId)
      return o === undefined ? undefined : Fills.progress(o)
    },
    /** The last status seen of an owned order. */
    statusOf: (orderId: number) => status.get(orderId),
    isOwned: (orderId: number) => owned.has(orderId)
  }
}

/** The tracking of {@link make}. */
export type Tracking = ReturnType<typeof make>

/** Whether a status means the order is done. */
export const isTerminal = (s: Enums.OrderStatus | undefined) => s !== undefined && Enums.isTerminalStatus(s)
