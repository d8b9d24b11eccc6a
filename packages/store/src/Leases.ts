/**
 * Leases: "one holder at a time" for a named resource (`database`, `user:<name>`), as a row in the store with a
 * heartbeat. The holder writes its heartbeat every {@link heartbeatEvery}; a lease whose heartbeat is
 * {@link takeoverAfter} old or older is free and the next {@link Leases} `acquire` takes it over. A live lease is
 * refused with {@link LeaseHeld}, which names its holder (pid, host, since).
 *
 * When to use: {@link hold} in the scope of a program that must run alone (the daemon: one per database and per
 * gateway user); {@link holding} to run one effect under a lease.
 *
 * Gotchas: every time comes from Effect's Clock, so two processes compare their wall clocks: keep the machines'
 * clocks in sync when two hosts share a database. A lease in a `":memory:"` database only excludes programs that
 * share that connection.
 *
 * @example
 * ```ts
 * import { Database, Leases } from "@tradeguard/store"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const alone = Effect.log("the only one").pipe(Leases.holding("database", { pid: process.pid, host: "here" }))
 * Effect.runPromise(Effect.provide(alone, Leases.layer.pipe(Layer.provide(Database.layerMemory()))))
 * ```
 *
 * @since 0.3.0
 */
import type * as SqlError from "@effect/sql/SqlError"
import * as SqlClient from "@effect/sql/SqlClient"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as crypto from "node:crypto"
import * as Database from "./Database.js"
import { decodeFirst, now } from "./internal/rows.js"
import * as StoreConfig from "./StoreConfig.js"

/**
 * How often {@link hold} writes the heartbeat of a lease it holds: 5 seconds.
 *
 * @since 0.3.0
 */
export const heartbeatEvery: Duration.Duration = Duration.seconds(5)

/**
 * How old a heartbeat must be for its lease to be taken over: 30 seconds (six missed heartbeats, so a holder
 * that is only slow keeps its lease).
 *
 * @since 0.3.0
 */
export const takeoverAfter: Duration.Duration = Duration.seconds(30)

/**
 * Who asks for a lease: the process id and the host name.
 *
 * @since 0.3.0
 */
export interface Holder {
  readonly pid: number
  readonly host: string
}

/**
 * A lease as stored: `owner` is the token of one acquisition (a second `acquire` by the same process is a
 * different owner and is refused), `since` when it was acquired and `heartbeatAt` its last heartbeat (epoch ms).
 *
 * @since 0.3.0
 */
export const Lease = Schema.Struct({
  name: Schema.String,
  owner: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  since: Schema.Number,
  heartbeatAt: Schema.Number
})

/**
 * A lease (the type of {@link Lease}).
 *
 * @since 0.3.0
 */
export type Lease = typeof Lease.Type

const iso = (millis: number): string => DateTime.formatIso(DateTime.unsafeMake(millis))

/**
 * The lease is held by a live holder (its heartbeat is younger than {@link takeoverAfter}); `since` is epoch ms.
 *
 * @since 0.3.0
 */
export class LeaseHeld extends Schema.TaggedError<LeaseHeld>()("LeaseHeld", {
  name: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  since: Schema.Number
}) {
  /**
   * Names the lease and its holder: pid, host and since when (ISO time).
   *
   * @since 0.3.0
   */
  override get message(): string {
    return `lease ${this.name} is held by pid ${this.pid} on ${this.host} since ${iso(this.since)}`
  }
}

/**
 * A heartbeat found that the lease is no longer ours: taken over by `holder` (after our heartbeat stopped for
 * {@link takeoverAfter}), or released by someone else (`holder` none); or {@link hold} could not write a
 * heartbeat for so long that another process may take the lease over any moment (`unwritable`: the last error).
 *
 * @since 0.3.0
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  name: Schema.String,
  holder: Schema.OptionFromSelf(Lease),
  unwritable: Schema.optional(Schema.String)
}) {
  /**
   * Names the lease and who holds it now.
   *
   * @since 0.3.0
   */
  override get message(): string {
    if (this.unwritable !== undefined) {
      return `lease ${this.name} was lost: its heartbeat could not be written for ${
        Duration.format(Duration.subtract(takeoverAfter, heartbeatEvery))
      } (${this.unwritable}); another process may take it over`
    }
    return Option.match(this.holder, {
      onNone: () => `lease ${this.name} was lost: it was released by another process`,
      onSome: (h) => `lease ${this.name} was lost: taken over by pid ${h.pid} on ${h.host} since ${iso(h.since)}`
    })
  }
}

/**
 * The repository of leases (one row per name).
 *
 * @since 0.3.0
 */
export class Leases extends Effect.Service<Leases>()("@tradeguard/store/Leases", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const bound = Duration.toMillis(takeoverAfter)
    const row = decodeFirst(Lease)
    const current = (name: string) => row(sql`SELECT * FROM leases WHERE name = ${name}`)
    const live = (lease: Lease, at: number) => lease.heartbeatAt > at - bound

    const holder = Effect.fn("Leases.holder")(function*(name: string) {
      const at = yield* now
      return Option.filter(yield* current(name), (lease) => live(lease, at))
    })

    const acquire: (
      name: string,
      holder: Holder,
      takeOverIf?: (held: Lease) => boolean
    ) => Effect.Effect<Lease, LeaseHeld | SqlError.SqlError> = Effect.fn(
      "Leases.acquire"
    )(function*(name: string, who: Holder, takeOverIf?: (held: Lease) => boolean) {
      const at = yield* now
      const before = yield* current(name)
      const lease: Lease = { name, owner: crypto.randomUUID(), pid: who.pid, host: who.host, since: at, heartbeatAt: at }
      // one statement: insert, or replace a row whose heartbeat is at least `takeoverAfter` old
      const taken = yield* sql<{ owner: string }>`INSERT INTO leases ${sql.insert(lease)} ON CONFLICT (name) DO UPDATE SET
        owner = excluded.owner, pid = excluded.pid, host = excluded.host, since = excluded.since,
        heartbeat_at = excluded.heartbeat_at
        WHERE leases.heartbeat_at <= ${at - bound} RETURNING owner`
      if (taken.length === 0) {
        const held = yield* current(name)
        // released between the insert and this read: try again
        if (Option.isNone(held)) return yield* acquire(name, who, takeOverIf)
        if (takeOverIf?.(held.value) === true) {
          // e.g. its process is known to be dead: take it from that owner only (a racing taker gets nothing)
          const from = held.value
          const replaced = yield* sql<{ owner: string }>`UPDATE leases SET owner = ${lease.owner}, pid = ${lease.pid},
            host = ${lease.host}, since = ${lease.since}, heartbeat_at = ${lease.heartbeatAt}
            WHERE name = ${name} AND owner = ${from.owner} RETURNING owner`
          if (replaced.length > 0) {
            yield* Effect.logWarning(
              `lease ${name}: took over from pid ${from.pid} on ${from.host} (no longer running), whose last heartbeat was at ${
                iso(from.heartbeatAt)
              }`
            )
            return lease
          }
          return yield* acquire(name, who, takeOverIf)
        }
        return yield* new LeaseHeld({ name, pid: held.value.pid, host: held.value.host, since: held.value.since })
      }
      if (Option.isSome(before)) {
        const stale = before.value
        yield* Effect.logWarning(
          `lease ${name}: took over from pid ${stale.pid} on ${stale.host}, whose last heartbeat was at ${
            iso(stale.heartbeatAt)
          }`
        )
      }
      return lease
    })

    const heartbeat = Effect.fn("Leases.heartbeat")(function*(lease: Lease) {
      const at = yield* now
      const kept = yield* sql<{ name: string }>`UPDATE leases SET heartbeat_at = ${at}
        WHERE name = ${lease.name} AND owner = ${lease.owner} RETURNING name`
      if (kept.length === 0) return yield* new LeaseLost({ name: lease.name, holder: yield* current(lease.name) })
    })

    const release = Effect.fn("Leases.release")(function*(lease: Lease) {
      yield* sql`DELETE FROM leases WHERE name = ${lease.name} AND owner = ${lease.owner}`
    })

    return {
      /**
       * Takes the lease `name` for `holder` (since the Clock's time): inserts it, or takes it over when its
       * heartbeat is {@link takeoverAfter} old (logged as a warning); fails with {@link LeaseHeld} naming a live
       * holder, unless `takeOverIf` says that holder is gone (its process is dead): then it is taken from that
       * owner (logged as a warning). Atomic: two processes racing for it get one lease.
       */
      acquire,
      /** Writes the Clock's time as the heartbeat; fails with {@link LeaseLost} when the lease is no longer ours. */
      heartbeat,
      /** Deletes the lease if it is still ours (a lost lease is left to its new holder). */
      release,
      /** The live holder of `name` (a lease whose heartbeat is {@link takeoverAfter} old is free: none). */
      holder
    } as const
  }).pipe(Effect.annotateLogs({ module: "store/Leases" }))
}) {}

/**
 * {@link Leases} over the `SqlClient` of `Database.layer`.
 *
 * @since 0.3.0
 */
export const layer: Layer.Layer<Leases, never, SqlClient.SqlClient> = Leases.Default

/**
 * {@link Leases} over its own database file at `path` (opened and migrated like the store's database, closed
 * with the layer): for leases shared by every program of a machine, whatever database each one uses.
 *
 * @since 0.3.0
 */
export const layerFile = (path: string): Layer.Layer<Leases, Database.DatabaseError> =>
  Leases.Default.pipe(Layer.provide(Database.layer(StoreConfig.make({ path }))))

/**
 * A lease held by {@link hold}: the lease, and `lost`, which fails with {@link LeaseLost} once a heartbeat finds
 * that the lease is no longer ours (and never succeeds).
 *
 * @since 0.3.0
 */
export interface Held {
  readonly lease: Lease
  readonly lost: Effect.Effect<never, LeaseLost>
}

/**
 * Acquires the lease `name` in the caller's scope: heartbeats every {@link heartbeatEvery} in a fiber of the
 * scope and releases it when the scope closes. A heartbeat that cannot be written (database busy) is logged as a
 * warning and tried again at the next beat; none written for `takeoverAfter - heartbeatEvery` (25 s) counts as
 * lost, as another process may take the lease over any moment. A heartbeat that finds the lease taken by someone else logs an ERROR,
 * stops beating and fails the returned `lost`: the caller must stop what it does under the lease (race its work
 * with `lost`, or use {@link holding}, which does).
 *
 * @since 0.3.0
 */
export const hold = (
  name: string,
  holder: Holder,
  takeOverIf?: (held: Lease) => boolean
): Effect.Effect<Held, LeaseHeld | SqlError.SqlError, Leases | Scope.Scope> =>
  Effect.gen(function*() {
    const leases = yield* Leases
    const lease = yield* Effect.acquireRelease(
      leases.acquire(name, holder, takeOverIf),
      (lease) =>
        leases.release(lease).pipe(
          Effect.catchAll((e) => Effect.logWarning(`lease ${name}: could not release it: ${e.message}`))
        )
    )
    const lost = yield* Deferred.make<never, LeaseLost>()
    // the last heartbeat written: unwritable for `takeoverAfter - heartbeatEvery`, the lease is as good as lost
    let written = lease.heartbeatAt
    const giveUp = Duration.toMillis(takeoverAfter) - Duration.toMillis(heartbeatEvery)
    const beat = leases.heartbeat(lease).pipe(
      Effect.zipRight(Effect.flatMap(now, (at) => Effect.sync(() => void (written = at)))),
      Effect.catchTag("SqlError", (e) =>
        Effect.flatMap(now, (at) =>
          at - written >= giveUp
            ? Effect.fail(new LeaseLost({ name, holder: Option.none(), unwritable: e.message }))
            : Effect.logWarning(`lease ${name}: heartbeat not written: ${e.message}`)))
    )
    yield* beat.pipe(
      Effect.repeat(Schedule.spaced(heartbeatEvery)),
      Effect.delay(heartbeatEvery),
      Effect.catchTag("LeaseLost", (e) =>
        Effect.logError(`${e.message}; stopping what ran under it`).pipe(Effect.zipRight(Deferred.fail(lost, e)))),
      Effect.annotateLogs({ module: "store/Leases" }),
      Effect.forkScoped
    )
    return { lease, lost: Deferred.await(lost) }
  })

/**
 * Runs `self` under the lease `name` ({@link hold}): released when `self` ends; if the lease is lost meanwhile,
 * `self` is interrupted and the result fails with {@link LeaseLost}.
 *
 * @since 0.3.0
 */
export const holding = (name: string, holder: Holder, takeOverIf?: (held: Lease) => boolean) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | LeaseHeld | LeaseLost | SqlError.SqlError, R | Leases> =>
  Effect.scoped(Effect.flatMap(hold(name, holder, takeOverIf), (held) => Effect.raceFirst(self, held.lost)))
