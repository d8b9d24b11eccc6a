/**
 * What a chaos session measured, and the invariants judged from it (pure).
 *
 * @internal
 */

/** One breach of a daily loss limit: scripted (the bot went big and the market moved) or found by the oracle. */
export interface Breach {
  readonly account: number
  /** Simulated epoch millis the ground truth crossed the limit. */
  readonly at: number
  readonly scripted: boolean
  /** Simulated millis from the breach to flat at the simulator and locked; undefined: never within the bound. */
  readonly timeToFlat: number | undefined
  /** The faults in force between the breach and flat (e.g. `5xx burst`, `user hub stall`); none: a healthy network. */
  readonly faults?: ReadonlyArray<string> | undefined
}

/** A fault's window of simulated epoch millis, `[from, until)`. */
export interface FaultWindow {
  readonly kind: string
  readonly from: number
  readonly until: number
}

/** The kinds of the fault windows overlapping `[from, to]`, each once, in first-seen order. */
export const faultsDuring = (windows: ReadonlyArray<FaultWindow>, from: number, to: number): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const w of windows) if (w.from <= to && w.until > from && !out.includes(w.kind)) out.push(w.kind)
  return out
}

/**
 * When an account that is flat now became flat, by the gateway's own records: the last order update or trade
 * stamped at or before `now`, and never before `breachAt` (an account already flat then was flat from the breach).
 * Measured this way, the time to flat does not depend on how often the harness looks.
 */
export const flatSince = (
  records: { readonly orders: ReadonlyArray<{ readonly creationTimestamp: string; readonly updateTimestamp?: string | null | undefined }>; readonly trades: ReadonlyArray<{ readonly creationTimestamp: string }> },
  breachAt: number,
  now: number
): number => {
  let last = breachAt
  const see = (stamp: string | null | undefined) => {
    if (stamp === null || stamp === undefined) return
    const t = Date.parse(stamp)
    if (t <= now && t > last) last = t
  }
  for (const o of records.orders) {
    see(o.creationTimestamp)
    see(o.updateTimestamp)
  }
  for (const t of records.trades) see(t.creationTimestamp)
  return last
}

/** The session's figures. */
export interface Figures {
  readonly seed: number
  readonly hours: number
  readonly accounts: ReadonlyArray<number>
  /** Simulated seconds the bots traded (the whole session, before the closing quiet time). */
  readonly simulatedSeconds: number
  /** The pace asked for: user-hub events a simulated second on average. */
  readonly pace: number
  /** Steps the driver took (one per bot action, disturbance, oracle look, new minute; a second apart during a breach). */
  readonly steps: number
  /** Instants the simulated clock delivered (distinct wake-up times of the daemon's and the simulator's sleepers). */
  readonly instants: number
  /** Live user-hub events taken in during the trading time (not the closing quiet time), and its busiest simulated minute. */
  readonly dayEvents: number
  readonly busiestMinute: { readonly start: number; readonly events: number }
  /** Orders the bots placed and cancelled (from the other front-end). */
  readonly botOrders: number
  readonly botCancels: number
  readonly botModifies: number
  /**
   * User-hub events received live by the daemon (the order, trade, position and account updates its user hub
   * delivered, whole session), and delivered by a reconciliation instead. Quotes are not counted.
   */
  readonly liveEvents: number
  readonly reconciledEvents: number
  /** Trades at the simulator (every account), and how many of them reached the daemon's event stream. */
  readonly trades: number
  readonly tradesDelivered: number
  /** Trades delivered more than once; orders sharing a customTag; intents with more than one entry order. */
  readonly duplicateTrades: number
  readonly duplicateTags: number
  /** Reconciliations run, and what they found missing (summed by kind). */
  readonly reconciliations: number
  readonly missed: Readonly<Record<string, number>>
  /** HTTP statuses the daemon received: 429s, 5xx. */
  readonly received429: number
  readonly received5xx: number
  /** Reads fired by the rate-pressure bursts. */
  readonly pressureReads: number
  /** Per account: the differences between AccountState and the simulator at the end (empty: equal). */
  readonly differences: Readonly<Record<string, ReadonlyArray<string>>>
  readonly breaches: ReadonlyArray<Breach>
  /**
   * Hub connect attempts: succeeded; refused by the gateway (503 from the fault plan or the operator); failed
   * otherwise, of which `revoked` answered 401 within two minutes of the gateway revoking the session (token
   * expiry, forced logout).
   */
  readonly connects: { readonly ok: number; readonly refused: number; readonly revoked: number; readonly failed: number }
  /** Disturbances applied, by kind (the schedule's, plus the fault plan's hub drops and stalls). */
  readonly disturbances: Readonly<Record<string, number>>
  /** Error and warning log lines of the daemon. */
  readonly errorLogs: number
  readonly warningLogs: number
}

/** One invariant: its name, its figure as printed, whether it holds. */
export interface Invariant {
  readonly name: string
  readonly figure: string
  readonly holds: boolean
}

/** The reconnection success rate the seed asks for (of attempts made while the gateway accepts connections). */
export const requiredConnectRate = 0.99

const pct = (x: number) => `${(Math.round(x * 10_000) / 100).toFixed(2)} %`
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** The slowest breach's time to flat, its account and the faults in force meanwhile. */
const slowestOf = (b: Breach | undefined) => {
  if (b === undefined) return seconds(0)
  const faults = b.faults ?? []
  return `${seconds(b.timeToFlat!)} (account ${b.account}, ${faults.length === 0 ? "no fault in force" : `during ${faults.join(", ")}`})`
}

/** The invariants of a session, in the order they are printed. */
export const invariantsOf = (f: Figures): ReadonlyArray<Invariant> => {
  const duplicates = f.duplicateTrades + f.duplicateTags
  const lost = f.trades - f.tradesDelivered
  const unequal = Object.entries(f.differences).filter(([, d]) => d.length > 0)
  const enforced = f.breaches.filter((b) => b.timeToFlat !== undefined)
  const slowest = enforced.reduce<Breach | undefined>((m, b) => (m === undefined || b.timeToFlat! > m.timeToFlat! ? b : m), undefined)
  const attempts = f.connects.ok + f.connects.failed
  const rate = attempts === 0 ? 1 : f.connects.ok / attempts
  return [
    {
      name: "duplicates",
      figure: `${duplicates} (trades delivered twice ${f.duplicateTrades}, orders sharing a tag or intent ${f.duplicateTags})`,
      holds: duplicates === 0
    },
    {
      name: "lost events",
      figure: `${lost} (${f.trades} trades at the gateway, ${f.tradesDelivered} delivered; ` +
        `reconciliations recovered ${JSON.stringify(f.missed)})`,
      holds: lost === 0
    },
    {
      name: "429 received",
      figure: `${f.received429} (${f.pressureReads} pressure reads queued by the limiter)`,
      holds: f.received429 === 0
    },
    {
      name: "state equals ground truth",
      figure: unequal.length === 0
        ? `${f.accounts.length} of ${f.accounts.length} accounts`
        : `${f.accounts.length - unequal.length} of ${f.accounts.length} accounts; ${
          unequal.map(([a, d]) => `${a}: ${d.slice(0, 3).join("; ")}${d.length > 3 ? ` (+${d.length - 3})` : ""}`).join(" | ")
        }`,
      holds: unequal.length === 0
    },
    {
      name: "every breach enforced",
      figure: `${enforced.length} of ${f.breaches.length} (${f.breaches.filter((b) => b.scripted).length} scripted, ` +
        `${f.breaches.filter((b) => !b.scripted).length} found by the oracle), slowest time to flat ${slowestOf(slowest)}`,
      holds: f.breaches.length > 0 && enforced.length === f.breaches.length
    },
    {
      name: "reconnection success rate",
      figure: `${pct(rate)} (${f.connects.ok} of ${attempts} attempts while the gateway accepted connections; ` +
        `${f.connects.revoked} of the failed answered 401 just after it revoked the session; ` +
        `not counted: ${f.connects.refused} refused with 503; ` +
        `required > ${pct(requiredConnectRate)})`,
      holds: rate > requiredConnectRate
    }
  ]
}
