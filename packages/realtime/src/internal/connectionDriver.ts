/**
 * The Effect shell around the connection state machine: one driver fiber
 * takes machine events from an inbox, runs `transition`, publishes the state
 * and carries out the commands (connect attempts, socket fibers, replay,
 * lifecycle events). Timers and sockets live here, decisions in the machine.
 *
 * @internal
 */
import type { TokenManager } from "@tradeguard/resilience"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberHandle from "effect/FiberHandle"
import * as Queue from "effect/Queue"
import type * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { SignalR } from "../Config.js"
import type { HubEvent } from "../HubEvent.js"
import { HubConnectError, type Service as Transport } from "../HubTransport.js"
import * as M from "./connectionMachine.js"
import { makeDecoder, marketDecoders, userDecoders } from "./decode.js"
import { HealthCounters } from "./health.js"
import { IdSet } from "./idSet.js"
import { makeHubStreams } from "./slidingHub.js"
import { type Consumer, Consumers, dedupeTrades, deliver, type Live, type SocketContext, watchSocket } from "./liveSocket.js"
import { makeSubscriber } from "./subscriptions.js"

export interface DriverOptions {
  readonly autoStart: boolean
  readonly hub: "user" | "market"
  readonly url: string
  readonly tradeIdMemory: number
  readonly signalr: SignalR
  readonly transport: Transport
  readonly tokens: TokenManager.Service
  readonly stateRef: SubscriptionRef.SubscriptionRef<M.ConnectionState>
  /** Events (and lifecycle events) each subscriber may hold untaken; beyond, the oldest are dropped. */
  readonly subscriberBuffer: number
}


export const makeDriver = (o: DriverOptions) =>
  Effect.gen(function*() {
    const { health: hc, hubs, reconnection, subscriptions: subsConfig } = o.signalr
    const machineConfig: M.MachineConfig = {
      delays: reconnection.delays,
      maxDelayMs: reconnection.maxDelayMs,
      maxAttempts: reconnection.maxAttempts,
      autoResubscribe: subsConfig.autoResubscribe,
      resubscribeDelay: subsConfig.resubscribeDelay
    }
    const table = o.hub === "user" ? userDecoders : marketDecoders
    const decode = makeDecoder(table)
    const targets = Object.keys(table)
    const counters = new HealthCounters()
    const delivered = new IdSet(o.tradeIdMemory)
    const inbox = yield* Queue.unbounded<M.Event>()
    const connectHandle = yield* FiberHandle.make()
    /** Connection scopes are children of this one: nothing outlives the service. */
    const parentScope = yield* Effect.scope
    /** Completed once the machine has reached Closed and carried out its commands. */
    const closed = yield* Deferred.make<void>()
    let machine = M.initial
    let live: Live | undefined
    const pending = new Map<number, Live>()
    const consumers = new Consumers(counters)
    const { events, lifecycle } = yield* makeHubStreams(o.hub, o.subscriberBuffer, counters)
    const offer = (e: M.Event) => Queue.offer(inbox, e)
    const subs = yield* makeSubscriber({ counters, machine: machineConfig, live: () => live, offer })
    const socketContext: SocketContext = {
      counters,
      decode,
      delivered,
      events,
      health: hc,
      lost: (connectionId, cause, reason, refused) =>
        offer({ _tag: "Lost", connectionId, cause, reason, ...(refused === undefined ? {} : { refused }) }).pipe(
          Effect.asVoid
        ),
      consumers
    }


    const closeLive = (id: number) =>
      Effect.suspend(() => {
        if (live === undefined || live.id !== id) return Effect.void
        const conn = live
        live = undefined
        subs.reset()
        return conn.socket.close.pipe(Effect.zipRight(Scope.close(conn.scope, Exit.void)))
      })

    // -------------------------------------------------------------- connect

    const token = (forceLogin: boolean) => (forceLogin ? o.tokens.forceLogin : o.tokens.get)

    const attempt = (cmd: Extract<M.Command, { _tag: "Connect" }>) =>
      Effect.gen(function*() {
        if (cmd.delayMs > 0) yield* Effect.sleep(cmd.delayMs)
        counters.attempts++
        const scope = yield* Scope.fork(parentScope, ExecutionStrategy.sequential)
        const exit = yield* Effect.gen(function*() {
          const t: Redacted.Redacted<string> = yield* token(cmd.forceLogin)
          const socket = yield* o.transport.connect(o.url, t, targets).pipe(
            Effect.tapError((e) => (e.reason === "Unauthorized" ? o.tokens.invalidate(t) : Effect.void))
          )
          return { socket, token: t }
        }).pipe(
          Effect.timeoutFail({
            duration: hubs.connectTimeout,
            onTimeout: () => new HubConnectError({ url: o.url, reason: "Timeout", detail: `${hubs.connectTimeout} ms` })
          }),
          Scope.extend(scope),
          Effect.onInterrupt(() => Scope.close(scope, Exit.void)),
          Effect.exit
        )
        if (Exit.isSuccess(exit)) {
          pending.set(cmd.id, { id: cmd.id, socket: exit.value.socket, token: exit.value.token, scope })
          return yield* offer({ _tag: "ConnectSucceeded", id: cmd.id })
        }
        yield* Scope.close(scope, Exit.void)
        const failure = Cause.failureOption(exit.cause)
        const error = failure._tag === "Some" ? failure.value.message : Cause.pretty(exit.cause)
        counters.failedAttempts++
        counters.lastError = error
        yield* Effect.logWarning(`connect attempt failed: ${error}`)
        yield* offer({ _tag: "ConnectFailed", id: cmd.id, error })
      })

    // -------------------------------------------------------------- commands

    const emit = (e: M.LifecycleEvent) =>
      Effect.gen(function*() {
        switch (e._tag) {
          case "Connected":
            counters.connects++
            yield* Effect.logInfo(`connected to ${o.url}`)
            break
          case "Reconnected":
            counters.connects++
            counters.reconnects++
            yield* Effect.logInfo(`reconnected after ${e.attempts} attempt(s)`)
            break
          case "Reconnecting":
            yield* Effect.logWarning(`connection lost (${e.cause}): ${e.reason}; reconnecting`)
            break
          case "Subscribed":
            yield* Effect.logDebug(`subscriptions replayed on connection ${e.connectionId}`)
            break
          case "SubscriptionActive":
            yield* Effect.logDebug(`${e.subscription.method} active on connection ${e.connectionId}`)
            break
          case "Closed":
            yield* Effect.logInfo(`closed: ${e.reason}`)
        }
        yield* lifecycle.publish(e)
        if (e._tag === "Closed") yield* Deferred.succeed(closed, undefined)
      })

    const run = (c: M.Command): Effect.Effect<void> => {
      switch (c._tag) {
        case "Connect":
          return FiberHandle.run(connectHandle, attempt(c)).pipe(Effect.asVoid)
        case "InvalidateToken":
          if (live === undefined || live.id !== c.connectionId) return Effect.void
          counters.tokenRefusals++
          return o.tokens.invalidate(live.token, c.scope).pipe(
            Effect.zipRight(Effect.logInfo("the server ended the session's token: reconnecting with a fresh one"))
          )
        case "Activate": {
          const conn = pending.get(c.connectionId)
          pending.delete(c.connectionId)
          if (conn === undefined) return Effect.void
          live = conn
          subs.reset()
          return watchSocket(socketContext, conn)
        }
        case "Discard": {
          const conn = pending.get(c.id)
          pending.delete(c.id)
          return conn === undefined ? Effect.void : conn.socket.close.pipe(Effect.zipRight(Scope.close(conn.scope, Exit.void)))
        }
        case "CloseSocket":
          return closeLive(c.connectionId)
        case "CancelConnect":
          return FiberHandle.clear(connectHandle)
        case "Replay":
          return live === undefined || live.id !== c.connectionId
            ? Effect.void
            : Effect.forkIn(subs.replay(live, c.delayMs), live.scope).pipe(Effect.asVoid)
        case "Escalate":
          counters.escalations++
          return Effect.logError(
            `${c.failures} connect attempts failed in a row: logging in afresh, retrying every ${reconnection.maxDelayMs} ms`
          )
        case "Emit":
          return emit(c.event)
      }
    }

    const step = (e: M.Event) =>
      Effect.gen(function*() {
        const [next, commands] = M.transition(machineConfig, machine, e)
        const changed = next.state !== machine.state
        machine = next
        if (changed) yield* SubscriptionRef.set(o.stateRef, next.state)
        for (const c of commands) yield* run(c)
      })

    const driverFiber = yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(inbox), step)))
    yield* Effect.forkScoped(Stream.runForEach(o.tokens.changes, () =>
      Effect.sync(() => {
        counters.tokenChanges++
      })
    ))
    // On scope close: stop deciding first (a socket closing below must not cause a reconnect),
    // then stop any attempt, then close the sockets.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        const all = [...pending.values(), ...(live === undefined ? [] : [live])]
        pending.clear()
        live = undefined
        return Fiber.interrupt(driverFiber).pipe(
          Effect.zipRight(FiberHandle.clear(connectHandle)),
          Effect.zipRight(Effect.forEach(all, (c) => c.socket.close.pipe(Effect.zipRight(Scope.close(c.scope, Exit.void))), {
            discard: true
          }))
        )
      })
    )
    if (o.autoStart) yield* offer({ _tag: "Start" })

    return {
      events,
      lifecycle,
      start: offer({ _tag: "Start" }).pipe(Effect.asVoid),
      live: () => live,
      health: Effect.map(Clock.currentTimeMillis, (now) =>
        counters.snapshot(o.hub, machine.state, now, hc.staleThreshold)),
      subscribe: subs.subscribe,
      unsubscribe: subs.unsubscribe,
      subscriptions: subs.all,
      publish: (events: Iterable<HubEvent>) =>
        Effect.suspend(() => {
          const out = dedupeTrades(socketContext, events)
          return out.length === 0 ? Effect.succeed(0) : Effect.as(deliver(socketContext, out), out.length)
        }),
      attach: (consumer: Consumer) =>
        Effect.acquireRelease(
          Effect.sync(() => consumers.add(consumer)),
          () => Effect.sync(() => consumers.remove(consumer))
        ),
      /** Messages received on the live socket and not handled yet. */
      backlog: () => {
        const size = live?.socket.incoming.unsafeSize()
        return size === undefined || size._tag === "None" ? 0 : size.value
      },
      lose: (cause: M.LostCause, reason: string) =>
        Effect.suspend(() =>
          live === undefined ? Effect.void : offer({ _tag: "Lost", connectionId: live.id, cause, reason })
        ).pipe(Effect.asVoid),
      stop: (reason: string) => offer({ _tag: "Stop", reason }).pipe(Effect.zipRight(Deferred.await(closed)))
    }
  })
