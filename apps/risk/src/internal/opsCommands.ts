/**
 * `tradeguard status`, `unlock` and `audit`: through the running daemon's ops endpoint, or (unlock, audit)
 * straight through the database.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { Audit, Locks } from "@tradeguard/rules"
import { AccountLocks, EnforcementLog } from "@tradeguard/store"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as AppConfig from "../AppConfig.js"
import * as Ops from "../Ops.js"
import * as Runtime from "../Runtime.js"
import * as Status from "../Status.js"
import { CommandFailed } from "./commandFailed.js"
import * as Lease from "./lease.js"
import * as OpsTables from "./opsTables.js"
import * as OpsToken from "./opsToken.js"

/** Where the commands look: the config file, an ops URL that overrides the config's `ops`, the environment. */
export interface Target {
  readonly config: string
  /** Whether `config` was given (`--config`): a missing default `config.yaml` means the defaults. */
  readonly configGiven: boolean
  readonly ops: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}

const failed = (command: string, message: string) =>
  new CommandFailed({ message: `tradeguard ${command}: ${message}`, code: 1 })

/**
 * The exit codes of `tradeguard status`, for scripts and monitors: the daemon is ready (0), it answers but is
 * not ready (1: starting, degraded, stopping; the status is printed all the same), or its status could not be
 * read (2: no daemon answers, the token was refused, no answer in time, an answer that is not a status, an
 * unreadable config).
 */
export const StatusExit = { ready: 0, notReady: 1, unknown: 2 } as const

/** A failure of `status` that leaves the daemon's readiness unknown: exit 2. */
const unknown = (e: CommandFailed) => new CommandFailed({ message: e.message, code: StatusExit.unknown })

/** The config of `target`: the file, or the defaults when the default `config.yaml` is not there. */
export const configOf = (
  command: string,
  target: Target
): Effect.Effect<AppConfig.AppConfig, CommandFailed, FileSystem.FileSystem> =>
  !target.configGiven && !fs.existsSync(target.config)
    ? Effect.succeed(AppConfig.defaults)
    : AppConfig.load(target.config).pipe(Effect.mapError((e) => failed(command, e.message)))

/** The ops URL: `--ops`, else the config's `ops` (a wildcard bind is reached on loopback). */
export const opsUrlOf = (config: AppConfig.AppConfig, ops: string | undefined): string => {
  if (ops !== undefined) return ops.replace(/\/+$/, "")
  const host = config.ops.host === "0.0.0.0" ? "127.0.0.1" : config.ops.host === "::" ? "::1" : config.ops.host
  return Ops.urlOf(host, config.ops.port)
}

/** The token: the variable `ops.tokenEnv`, else `ops.token` beside the database. */
export const tokenOf = (config: AppConfig.AppConfig, env: Readonly<Record<string, string | undefined>>): string | undefined => {
  const fromEnv = (env[config.ops.tokenEnv] ?? "").trim()
  return fromEnv !== "" ? fromEnv : OpsToken.read(OpsToken.tokenFileOf(config.database.path))
}

/** Nothing listens at the URL (connection refused): no daemon is running there. */
export class NoDaemon {
  readonly _tag = "NoDaemon"
  constructor(readonly url: string) {}
}

const isRefused = (e: unknown): boolean => {
  const cause = (e as { cause?: { code?: string } } | undefined)?.cause
  return cause?.code === "ECONNREFUSED"
}

/** One request to the ops endpoint: the status and the body as JSON (undefined when not JSON). */
export const request = (
  command: string,
  url: string,
  init: { readonly method: "GET" | "POST"; readonly token: string | undefined; readonly body?: unknown }
): Effect.Effect<{ readonly status: number; readonly body: unknown }, CommandFailed | NoDaemon> =>
  Effect.tryPromise({
    try: async (signal) => {
      const headers: Record<string, string> = {}
      if (init.token !== undefined) headers["authorization"] = `Bearer ${init.token}`
      if (init.body !== undefined) headers["content-type"] = "application/json"
      const r = await fetch(url, {
        method: init.method,
        headers,
        signal,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
      })
      const text = await r.text()
      let body: unknown = undefined
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      return { status: r.status, body }
    },
    catch: (e): CommandFailed | NoDaemon =>
      isRefused(e) ? new NoDaemon(url) : failed(command, `${url}: ${(e as Error).message}`)
  }).pipe(
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => failed(command, `${url}: no answer within 10 s`) })
  )

const refusedToken = (command: string, config: AppConfig.AppConfig) =>
  failed(
    command,
    `the ops endpoint refused the token: set ${config.ops.tokenEnv} to the daemon's token ` +
      `(or run where ${OpsToken.tokenFileOf(config.database.path)} is readable)`
  )

/** `tradeguard status`: the daemon's status as tables, or its JSON; the exit code says whether it is ready ({@link StatusExit}). */
export const status = (
  target: Target & { readonly json: boolean }
): Effect.Effect<void, CommandFailed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const { base, s } = yield* readStatus(target).pipe(Effect.mapError(unknown))
    yield* Console.log(target.json ? JSON.stringify(s, null, 2) : OpsTables.renderStatus(s))
    if (!s.ready) {
      const codes = s.reasons.map((x) => x.code).join(", ")
      return yield* new CommandFailed({
        message: `tradeguard status: the daemon at ${base} is not ready${codes === "" ? "" : ` (${codes})`}`,
        code: StatusExit.notReady
      })
    }
  })

/** The daemon's `/status`, and the URL it came from. */
const readStatus = (target: Target) =>
  Effect.gen(function*() {
    const config = yield* configOf("status", target)
    const base = opsUrlOf(config, target.ops)
    const r = yield* request("status", `${base}/status`, { method: "GET", token: tokenOf(config, target.env) }).pipe(
      Effect.catchTag("NoDaemon", () =>
        Effect.fail(failed("status", `no daemon answers at ${base} (is \`tradeguard run\` running? see --ops)`)))
    )
    if (r.status === 401) return yield* refusedToken("status", config)
    const body = r.body as Partial<Status.Status> | null | undefined
    if (
      r.status !== 200 || typeof body !== "object" || body === null || typeof body.ready !== "boolean" ||
      !Array.isArray(body.reasons)
    ) {
      return yield* failed("status", `${base}/status answered HTTP ${r.status}, not a status`)
    }
    return { base, s: body as Status.Status }
  })

/** The store's locks and audit trail over the config's database, for commands run without the daemon. */
export const storeLayer = (config: AppConfig.AppConfig) =>
  Locks.layer.pipe(
    Layer.provideMerge(Audit.layer),
    Layer.provideMerge(Layer.merge(AccountLocks.layer, EnforcementLog.layer)),
    Layer.provide(Runtime.databaseLayer(config)),
    Layer.provide(Runtime.configLayer(config))
  )

const withStore = <A, E>(
  command: string,
  config: AppConfig.AppConfig,
  use: Effect.Effect<A, E, Locks.Locks | Audit.Audit>
): Effect.Effect<A, E | CommandFailed> =>
  config.database.path !== ":memory:" && !fs.existsSync(config.database.path)
    ? Effect.fail(failed(command, `no database at ${config.database.path} (database.path of the config)`))
    : Effect.provide(use, storeLayer(config).pipe(Layer.mapError((e) => failed(command, e.message))))

/**
 * Fails when a live daemon holds the database lease of `config` though its ops endpoint at `tried` does not
 * answer (another address, or hung): writing the database behind its back would be lost or undone. A lease of a
 * process of this host that no longer runs (killed, crashed) is not live. A missing database is left to
 * {@link withStore} to name.
 */
export const noLiveHolder = (
  command: string,
  config: AppConfig.AppConfig,
  tried: string,
  alive: (pid: number) => boolean = Lease.running
): Effect.Effect<void, CommandFailed> =>
  config.database.path !== ":memory:" && !fs.existsSync(config.database.path)
    ? Effect.void
    : Effect.flatMap(Lease.databaseHolder(config), (holder) =>
      Option.isSome(holder) && !Lease.deadHere(holder.value, alive)
        ? Effect.fail(failed(
          command,
          `no daemon answers at ${tried}, but pid ${holder.value.pid} on ${holder.value.host} holds the database ` +
            `${config.database.path} since ${new Date(holder.value.since).toISOString()}: not writing it behind that ` +
            `daemon's back; give its ops endpoint with --ops (or stop it)`
        ))
        : Effect.void)

/**
 * `tradeguard unlock <account> --reason`: through the daemon, or through the database when none answers and no
 * live daemon holds its lease ({@link noLiveHolder}).
 */
export const unlock = (
  target: Target & { readonly account: number; readonly reason: string }
): Effect.Effect<void, CommandFailed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const reason = target.reason.trim()
    if (reason === "") return yield* new CommandFailed({ message: "tradeguard unlock: --reason must not be empty", code: 2 })
    const config = yield* configOf("unlock", target)
    const base = opsUrlOf(config, target.ops)
    const token = tokenOf(config, target.env)
    const viaDaemon = request("unlock", `${base}/unlock`, {
      method: "POST",
      token,
      body: { account: target.account, reason }
    })
    const answer = yield* viaDaemon.pipe(
      Effect.map((r) => ({ via: "daemon" as const, ...r })),
      Effect.catchTag("NoDaemon", () =>
        Effect.zipRight(
          noLiveHolder("unlock", config, base),
          withStore(
            "unlock",
            config,
            Effect.flatMap(Locks.Locks, (l) => l.unlock(target.account, reason))
          )
        ).pipe(Effect.map((unlocked) => ({ via: "database" as const, status: unlocked ? 200 : 404, body: undefined }))))
    )
    if (answer.status === 401) return yield* refusedToken("unlock", config)
    if (answer.status === 404) return yield* failed("unlock", `account ${target.account} has no lock in force`)
    if (answer.status !== 200) {
      const error = (answer.body as { error?: string } | undefined)?.error
      return yield* failed("unlock", `${base}/unlock answered HTTP ${answer.status}${error === undefined ? "" : `: ${error}`}`)
    }
    yield* Console.log(
      `account ${target.account} unlocked ${answer.via === "daemon" ? `by the daemon at ${base}` : `in ${config.database.path} (no daemon answers)`}: ${reason}`
    )
  })

/** `30m`, `24h`, `7d` before `now`, or a date/time (`2026-12-01`, `2026-12-01T14:00Z`); undefined when neither. */
export const parseSince = (text: string, now: number): number | undefined => {
  const m = /^(\d+)\s*(m|h|d)$/.exec(text.trim())
  if (m !== null) return now - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"]
  const t = Date.parse(text.trim())
  return Number.isNaN(t) ? undefined : t
}

/** `tradeguard audit`: the enforcement log as a table, or JSON. */
export const audit = (
  target: Target & { readonly account: number | undefined; readonly since: string | undefined; readonly json: boolean }
): Effect.Effect<void, CommandFailed, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const since = target.since === undefined ? undefined : parseSince(target.since, now)
    if (target.since !== undefined && since === undefined) {
      return yield* new CommandFailed({
        message: `tradeguard audit: --since ${target.since}: expected a time (2026-12-01, 2026-12-01T14:00Z) or an age (30m, 24h, 7d)`,
        code: 2
      })
    }
    const config = yield* configOf("audit", target)
    const records = yield* withStore(
      "audit",
      config,
      Effect.flatMap(Audit.Audit, (a) =>
        a.list({
          ...(target.account === undefined ? {} : { accountId: target.account }),
          ...(since === undefined ? {} : { since })
        }))
    ).pipe(Effect.catchTag("AuditUnavailable", (e) => Effect.fail(failed("audit", e.message))))
    if (target.json) return yield* Console.log(JSON.stringify(records, null, 2))
    if (records.length === 0) return yield* Console.log("no audit records")
    yield* Console.log(OpsTables.auditTable(records.map(Status.enforcementLine)))
  })
