/**
 * The daemon's watchers: session conflicts as a readiness reason and alerts, and degraded periods as alerts.
 *
 * Degraded periods: readiness is looked at every `every` while the daemon runs; the
 * first look that finds it not ready starts a degraded period (`degraded`, WARN, naming the reasons), a change
 * of reasons within it is another `degraded` alert, and the first look ready again ends it (`recovered`, INFO).
 * Right after start-up the hubs may still be connecting: that is not a degraded period, unless the daemon is
 * still not ready after `startGrace`.
 *
 * Resumed enforcements: the ones a previous run left unfinished in the store, read before the rules step
 * resumes them (the Enforcer's own `Started` of them comes before anyone listens), alerted at once.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { SessionConflicts } from "@tradeguard/resilience"
import { PendingActions } from "@tradeguard/store"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as Alerts from "../Alerts.js"
import type * as Readiness from "../Readiness.js"

/** `code: detail; code: detail` of the reasons. */
export const describe = (reasons: ReadonlyArray<Readiness.Reason>): string =>
  reasons.map((r) => `${r.code}: ${r.detail}`).join("; ")

/** Watches `readiness` forever (fork it in the daemon's scope). */
export const watchReadiness = (
  readiness: Effect.Effect<Readiness.Readiness>,
  notify: Alerts.Service["notify"],
  every: Duration.DurationInput = Duration.seconds(5),
  startGrace: Duration.DurationInput = Duration.seconds(60)
): Effect.Effect<never> =>
  Effect.gen(function*() {
    // undefined: not ready yet since start-up, for `waited` so far
    let previous: string | undefined = undefined
    let waited = Duration.zero
    while (true) {
      const now = yield* readiness
      const codes = now.ready ? "" : now.reasons.map((r) => r.code).sort().join(",")
      if (previous === undefined && (now.ready || Duration.lessThan(waited, startGrace))) {
        if (now.ready) previous = ""
      } else if (codes !== previous) {
        yield* now.ready
          ? notify({ event: "recovered", message: "the daemon is ready again", detail: { was: (previous ?? "").split(",") } })
          : notify({
            event: "degraded",
            message: `the daemon is degraded: ${describe(now.reasons)}`,
            detail: { reasons: now.reasons.map((r) => ({ code: r.code, detail: r.detail })) }
          })
        previous = codes
      }
      yield* Effect.sleep(every)
      waited = Duration.sum(waited, every)
    }
  })

/**
 * The readiness reason of session conflicts: while any falls within the backoff window (the last 10 minutes),
 * or while logins wait, `session_conflict` names how many, the last one, and until when logins wait.
 */
export const sessionReasons = (s: SessionConflicts.State): ReadonlyArray<Readiness.Reason> => {
  if (s.recent === 0 && !s.degraded) return []
  const last = s.last === undefined ? "" : `, last at ${new Date(s.last.at).toISOString()}: ${s.last.detail}`
  const waiting = s.backingOffUntil === undefined
    ? ` (mode ${s.mode}: logged in again)`
    : `; logins wait until ${new Date(s.backingOffUntil).toISOString()} (mode ${s.mode})`
  return [{
    code: "session_conflict",
    detail: `${s.recent} session conflict(s) in the window, ${s.count} since start${last}: another client logs in as this user${waiting}`
  }]
}

/** Each new session conflict (the count going up) as a `session_conflict` alert, forever (fork it). */
export const watchConflicts = (
  changes: Stream.Stream<SessionConflicts.State>,
  notify: Alerts.Service["notify"]
): Effect.Effect<void> => {
  let seen = 0
  return Stream.runForEach(changes, (s) => {
    if (s.count <= seen) return Effect.void
    seen = s.count
    return notify({
      event: "session_conflict",
      message: `session conflict #${s.count}: another client logged in as this user and ended the daemon's session` +
        (s.backingOffUntil === undefined ? "; logging in again" : `; logins wait until ${new Date(s.backingOffUntil).toISOString()}`),
      detail: { count: s.count, recent: s.recent, mode: s.mode, last: s.last?.detail ?? null }
    })
  })
}

/** The fields of a stored enforcement (PendingActions `action: "enforcement"`) an alert names. */
const StoredEnforcement = Schema.Struct({
  id: Schema.String,
  accountId: Schema.Number,
  rule: Schema.String,
  reason: Schema.String,
  actions: Schema.Array(Schema.Unknown),
  startedAt: Schema.Number,
  rounds: Schema.Number,
  locked: Schema.Boolean
})
const decodeStored = Schema.decodeUnknownOption(StoredEnforcement)

/**
 * The enforcements the Enforcer resumes from `rows` (the store's pending actions): each `enforcement` row that
 * decodes, one per account (the Enforcer joins a second row of an account into the first).
 */
export const resumedOf = (
  rows: ReadonlyArray<{ readonly action: string; readonly payload: unknown }>
): ReadonlyArray<Alerts.Resumed> => {
  const byAccount = new Map<number, Alerts.Resumed>()
  for (const row of rows) {
    if (row.action !== "enforcement") continue
    const e = decodeStored(row.payload)
    if (Option.isNone(e) || byAccount.has(e.value.accountId)) continue
    const { accountId, id, reason, rule, startedAt } = e.value
    byAccount.set(accountId, { id, accountId, rule, reason, startedAt })
  }
  return [...byAccount.values()]
}

/** The enforcements a previous run left unfinished in the database (none when it cannot be read: logged). */
export const pendingEnforcements: Effect.Effect<ReadonlyArray<Alerts.Resumed>, never, SqlClient.SqlClient> =
  Effect.flatMap(PendingActions.PendingActions, (p) => p.list).pipe(
    Effect.map(resumedOf),
    Effect.provide(PendingActions.layer),
    Effect.catchAll((e) =>
      Effect.as(Effect.logError(`the pending enforcements could not be read for their alerts: ${e.message}`), [])
    )
  )
