/**
 * What runs on a live hub socket: the reader (decode, dedupe trades, publish),
 * the pinger, the stale watchdog and the close watcher. All of it is forked
 * into the socket's scope, so closing the scope stops it.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { SignalR } from "../Config.js"
import type { HubEvent } from "../HubEvent.js"
import { describeClose, HubInvokeError, type HubSocket, type Inbound, tokenRefusal } from "../HubTransport.js"
import type { LostCause } from "./connectionMachine.js"
import type { Decoded } from "./decode.js"
import type { HealthCounters } from "./health.js"
import type { IdSet } from "./idSet.js"
import type { SlidingHub } from "./slidingHub.js"

export interface Live {
  readonly id: number
  readonly socket: HubSocket
  /** The token the socket was opened with. */
  readonly token: Redacted.Redacted<string>
  readonly scope: Scope.CloseableScope
}

export interface SocketContext {
  readonly counters: HealthCounters
  readonly decode: (target: string, args: ReadonlyArray<unknown>) => Decoded
  /** Trade ids already delivered on the event stream. */
  readonly delivered: IdSet
  readonly events: SlidingHub<HubEvent>
  readonly health: SignalR["health"]
  /** Reports that connection `id` is lost (`refused`: the server closed it over its token or its session). */
  readonly lost: (id: number, cause: LostCause, reason: string, refused?: "token" | "session") => Effect.Effect<void>
  /** Synchronous consumers run on each batch before it is published (see `HubConnection.attach`). */
  readonly consumers: Consumers
}

/** A synchronous consumer of event batches. */
export type Consumer = (events: ReadonlyArray<HubEvent>) => void

/**
 * The attached consumers. `run` calls each on a batch; a consumer that throws
 * is reported (counted and logged) and the batch still goes to the others.
 */
export class Consumers {
  private readonly set = new Set<Consumer>()
  constructor(private readonly counters: HealthCounters) {}
  add(c: Consumer): void {
    this.set.add(c)
  }
  remove(c: Consumer): void {
    this.set.delete(c)
  }
  run(events: ReadonlyArray<HubEvent>): Effect.Effect<void> {
    let failed: Array<unknown> | undefined
    for (const c of this.set) {
      try {
        c(events)
      } catch (e) {
        this.counters.consumerFailures++
        ;(failed ??= []).push(e)
      }
    }
    return failed === undefined ? Effect.void : Effect.forEach(
      failed,
      (e) => Effect.logError("an attached event consumer failed on a batch", Cause.die(e)),
      { discard: true }
    )
  }
}

/**
 * Runs the attached consumers on `out`, then publishes it: both or neither (uninterruptible),
 * so AccountState never holds an event that subscribers of `events` do not get.
 */
export const deliver = (ctx: SocketContext, out: ReadonlyArray<HubEvent>): Effect.Effect<void> =>
  Effect.uninterruptible(Effect.suspend(() => Effect.zipRight(ctx.consumers.run(out), ctx.events.publishAll(out))))

/** Whether `e` is a trade already delivered (counted as a duplicate); otherwise it is now delivered. */
const isDuplicateTrade = (ctx: SocketContext, e: HubEvent): boolean => {
  if (e._tag !== "Trade" || ctx.delivered.add(e.trade.id)) return false
  ctx.counters.duplicateTrades++
  return true
}

/** Drops trades already delivered; returns what may go out. */
export const dedupeTrades = (ctx: SocketContext, batch: Iterable<HubEvent>): Array<HubEvent> => {
  const out: Array<HubEvent> = []
  for (const e of batch) if (!isDuplicateTrade(ctx, e)) out.push(e)
  return out
}

/** Starts reading, pinging and watching a socket that just connected. */
export const watchSocket = (ctx: SocketContext, conn: Live): Effect.Effect<void> => {
  const { counters } = ctx
  const hc = ctx.health
  const offer = (
    e: {
      readonly connectionId: number
      readonly cause: LostCause
      readonly reason: string
      readonly refused?: "token" | "session" | undefined
    }
  ) => ctx.lost(e.connectionId, e.cause, e.reason, e.refused)
  /**
   * Decodes a batch, drops trades already delivered, runs the attached consumers and publishes.
   * Plain code with an Effect only where one is needed: it runs once per WebSocket message.
   */
  const handleBatch = (conn: Live, batch: Chunk.Chunk<Inbound>, now: number): Effect.Effect<void> => {
    counters.lastMessageAt = now
    const out: Array<HubEvent> = []
    let invalid: Array<{ target: string; error: string }> | undefined
    let logout = false
    for (const m of Chunk.toReadonlyArray(batch)) {
      if (m._tag === "Activity") continue
      const d = ctx.decode(m.target, m.arguments)
      if (d._tag === "Event") {
        if (isDuplicateTrade(ctx, d.event)) continue
        if (d.event._tag === "Logout") logout = true
        out.push(d.event)
      } else if (d._tag === "Invalid") {
        counters.decodeFailures++
        ;(invalid ??= []).push(d)
      } else {
        counters.unknownTargets++
      }
    }
    counters.eventsReceived += out.length
    const delivered = out.length > 0 ? deliver(ctx, out) : Effect.void
    if (invalid === undefined && !logout) return Effect.asVoid(delivered)
    return Effect.gen(function*() {
      yield* delivered
      for (const i of invalid ?? []) {
        yield* Effect.logWarning(`undecodable ${i.target} payload dropped`).pipe(Effect.annotateLogs("error", i.error))
      }
      if (logout) {
        counters.logouts++
        yield* Effect.logWarning("GatewayLogout: the session was ended elsewhere; logging in afresh")
        yield* offer({ connectionId: conn.id, cause: "logout", reason: "GatewayLogout" })
      }
    })
  }

  /**
   * Waits for messages (interruptible), then handles what it took without interruption: a
   * batch taken is applied and published whole, never half.
   */
  const reader = (conn: Live, clock: Clock.Clock): Effect.Effect<void> => {
    const step: Effect.Effect<boolean> = Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(conn.socket.incoming.takeAll), ([batch, done]) =>
        Chunk.isNonEmpty(batch)
          ? Effect.as(handleBatch(conn, batch, clock.unsafeCurrentTimeMillis()), done)
          : Effect.succeed(done))
    )
    const loop: Effect.Effect<void> = Effect.flatMap(step, (done) => (done ? Effect.void : Effect.suspend(() => loop)))
    return loop
  }

  const pinger = (conn: Live) =>
    Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep(hc.pingInterval)
        const r = yield* conn.socket.ping.pipe(
          Effect.timeoutFail({
            duration: hc.pingTimeout,
            onTimeout: () => new HubInvokeError({ method: "ping", reason: "Timeout", detail: `${hc.pingTimeout} ms` })
          }),
          Effect.either
        )
        if (r._tag === "Left") {
          counters.pingFailures++
          return yield* offer({ connectionId: conn.id, cause: "ping", reason: r.left.message })
        }
      }
    })

  const staleWatch = (conn: Live) =>
    Effect.gen(function*() {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const idle = now - (counters.lastMessageAt ?? now)
        if (idle >= hc.staleThreshold) {
          counters.staleDetections++
          yield* Effect.logWarning(`stale: no message from the server for ${idle} ms; reconnecting`)
          return yield* offer({
            connectionId: conn.id,
            cause: "stale",
            reason: `no message from the server for ${idle} ms`
          })
        }
        yield* Effect.sleep(hc.staleThreshold - idle)
      }
    })

  const activate = (conn: Live) =>
    Effect.gen(function*() {
      counters.lastMessageAt = yield* Clock.currentTimeMillis
      counters.connectedSince = counters.lastMessageAt
      const readerFiber = yield* Effect.forkIn(reader(conn, yield* Effect.clock), conn.scope)
      // A reader that dies (a bug) would leave the connection deaf: replace the connection.
      yield* Effect.forkIn(
        Effect.flatMap(Fiber.await(readerFiber), (exit) =>
          Exit.isFailure(exit) && !Exit.isInterrupted(exit)
            ? Effect.logError("hub reader failed; replacing the connection", exit.cause).pipe(
              Effect.zipRight(offer({ connectionId: conn.id, cause: "closed", reason: "the reader failed" }))
            )
            : Effect.void),
        conn.scope
      )
      yield* Effect.forkIn(
        conn.socket.closed.pipe(
          Effect.tap(() => Fiber.await(readerFiber)),
          Effect.flatMap((reason) =>
            offer({
              connectionId: conn.id,
              cause: "closed",
              reason: describeClose(reason),
              refused: tokenRefusal(reason)
            })
          )
        ),
        conn.scope
      )
      yield* Effect.forkIn(pinger(conn), conn.scope)
      yield* Effect.forkIn(staleWatch(conn), conn.scope)
    })
  return activate(conn)
}
