/**
 * The daemon's two leases (`@tradeguard/store`'s Leases): one daemon per database (lease `database` in the
 * database itself) and one per gateway user (lease `user:<name>` in a machine-wide file, `~/.tradeguard/leases.db`,
 * or `TRADEGUARD_LEASE_DB`). Two enforcers of one account would double every action, and each login ends the
 * other's session.
 *
 * A lease lost while running (another daemon took it over after our heartbeat stopped for 30 s, e.g. the machine
 * slept) is logged as an ERROR, `onLost` runs (by default: the process's exit code becomes 1) and the fiber that
 * took the leases is interrupted: the daemon's scope closes in order (rules first, so no enforcement is sent
 * after the loss) and the process ends.
 */
import { Database, Leases } from "@tradeguard/store"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as os from "node:os"
import * as nodePath from "node:path"
import type { AppConfig } from "../AppConfig.js"
import { CommandFailed } from "./commandFailed.js"

/** The schema version that has the leases table. */
export const leasesVersion = 4

/** The name of the database lease (in the daemon's own database). */
export const databaseLease = "database"

/**
 * The name of the lease of gateway user `userName` (in the machine-wide lease file); the name is trimmed and
 * lower-cased, as `Alice` and `alice` log in as one user.
 */
export const userLease = (userName: string): string => `user:${userName.trim().toLowerCase()}`

/** The machine-wide lease file: `TRADEGUARD_LEASE_DB`, else `~/.tradeguard/leases.db`. */
export const leaseFile = (env: Readonly<Record<string, string | undefined>>): string => {
  const set = (env["TRADEGUARD_LEASE_DB"] ?? "").trim()
  return set !== "" ? set : nodePath.join(os.homedir(), ".tradeguard", "leases.db")
}

/** This process as a lease holder. */
export const thisProcess = (): Leases.Holder => ({ pid: process.pid, host: os.hostname() })

/**
 * Whether a lease's holder is a process of this host that no longer runs (killed, crashed): its lease need not
 * wait out the takeover bound, or a restart by systemd right after a crash would be refused until then.
 */
export const deadHere = (held: Leases.Lease, alive: (pid: number) => boolean = running): boolean =>
  held.host === os.hostname() && held.pid !== process.pid && !alive(held.pid)

/** Whether process `pid` runs (signal 0: only checked; EPERM means it runs as another user). */
export const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The default of {@link holdLeases}' `onLost`: the process exits with 1 once the daemon has closed. */
export const exitWithFailure: Effect.Effect<void> = Effect.sync(() => {
  process.exitCode = 1
})

const iso = (millis: number) => DateTime.formatIso(DateTime.unsafeMake(millis))

/** The database lease is for a file: a `":memory:"` database is private to its connection. */
const databasePath = (config: AppConfig): Option.Option<string> =>
  config.database.path === ":memory:" ? Option.none() : Option.some(nodePath.resolve(config.database.path))

const failed = (message: string) => new CommandFailed({ message, code: 1 })

/** Opens `layer` and holds lease `name` in the caller's scope; `what` names it in the errors. */
const take = (
  layer: Layer.Layer<Leases.Leases, Database.DatabaseError>,
  name: string,
  what: string,
  hint = ""
): Effect.Effect<Leases.Held, CommandFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(layer).pipe(
      Effect.mapError((e) => failed(`tradeguard run: start-up failed at lease of ${what}: ${e.message}${hint}`))
    )
    return yield* Leases.hold(name, thisProcess(), (held) => deadHere(held)).pipe(
      Effect.provide(context),
      Effect.catchTags({
        LeaseHeld: (e) =>
          Effect.fail(failed(`tradeguard run: another daemon holds ${what}: pid ${e.pid} on ${e.host} since ${iso(e.since)}`)),
        SqlError: (e) => Effect.fail(failed(`tradeguard run: start-up failed at lease of ${what}: ${e.message}`))
      })
    )
  })

/**
 * Takes the database lease (unless the database is `":memory:"`) and, when `userName` is given, the lease of that
 * gateway user, in the caller's scope (released when it closes). A lease held by a live daemon fails with one
 * line naming it and its holder (pid, host, since), exit code 1. See the module doc for a lease lost later.
 */
export const holdLeases = (
  config: AppConfig,
  userName: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  onLost: Effect.Effect<void> = exitWithFailure
): Effect.Effect<void, CommandFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const held: Array<readonly [string, Leases.Held]> = []
    const database = databasePath(config)
    if (Option.isSome(database)) {
      if (config.database.schemaVersion < leasesVersion) {
        return yield* failed(
          `tradeguard run: database.schemaVersion ${config.database.schemaVersion} has no leases table ` +
            `(one daemon per database needs version ${leasesVersion}): set database.schemaVersion: ${leasesVersion} or leave it out`
        )
      }
      const what = `the database ${database.value}`
      held.push([what, yield* take(Leases.layer.pipe(Layer.provide(Database.layer(config.database))), databaseLease, what)])
    }
    if (userName !== undefined) {
      const what = `user ${userName}`
      held.push([
        what,
        yield* take(Leases.layerFile(leaseFile(env)), userLease(userName), what, " (TRADEGUARD_LEASE_DB names another file)")
      ])
    }
    if (held.length === 0) return
    const daemon = yield* Effect.withFiberRuntime<Effect.Effect<void>>((fiber) =>
      Effect.succeed(Effect.flatMap(Effect.fiberId, (id) => fiber.interruptAsFork(id)))
    )
    yield* Effect.raceAll(held.map(([what, h]) =>
      Effect.catchAll(h.lost, (e) =>
        Effect.logError(`tradeguard run: lost the lease of ${what}: ${e.message}; stopping`).pipe(
          Effect.zipRight(onLost),
          Effect.zipRight(daemon)
        ))
    )).pipe(Effect.annotateLogs({ module: "risk/lease" }), Effect.forkScoped)
  })

/**
 * The live holder of the database lease of `config` (none when no daemon runs on it, or for a `":memory:"`
 * database, or one of a schema version before the leases table, which no daemon of this build runs on): for
 * `unlock`, which goes through the database only when no daemon holds it. Opens and closes its own connection.
 */
export const databaseHolder = (config: AppConfig): Effect.Effect<Option.Option<Leases.Lease>, CommandFailed> =>
  Option.match(Option.filter(databasePath(config), () => config.database.schemaVersion >= leasesVersion), {
    onNone: () => Effect.succeed(Option.none()),
    onSome: (path) =>
      Effect.flatMap(Leases.Leases, (leases) => leases.holder(databaseLease)).pipe(
        Effect.provide(Leases.layer.pipe(Layer.provide(Database.layer(config.database)))),
        Effect.mapError((e) => failed(`tradeguard: the database ${path}: ${e.message}`))
      )
  })
