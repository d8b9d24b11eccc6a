/**
 * Trading sessions of the `tradingHours` rule: a session opens at `open` on
 * each of `days` (the calendar day in `timeZone` on which it opens) and
 * closes at `close`, on the next calendar day when `close` <= `open`. Local
 * times are resolved with effect/DateTime, DST-aware, `compatible`
 * disambiguation (a time in a spring-forward gap is the first valid time
 * after it), like the realtime package's TradingDay. Pure.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"

/** What `tradingHours` says about sessions. */
export interface Hours {
  readonly timeZone: string
  readonly open: string
  readonly close: string
  readonly days: ReadonlyArray<string>
  readonly flatBy?: string | undefined
}

/** One session: epoch millis of its open and close, and of its `flatBy` (on the day it closes), if any. */
export interface Session {
  readonly open: number
  readonly close: number
  readonly flatBy: number | undefined
}

const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const

const zones = new Map<string, DateTime.TimeZone>()
const zoneOf = (id: string): DateTime.TimeZone => {
  let zone = zones.get(id)
  if (zone === undefined) zones.set(id, zone = DateTime.zoneUnsafeMakeNamed(id))
  return zone
}

const minutesOf = (local: string): number => {
  const [h, m] = local.split(":").map(Number) as [number, number]
  return h * 60 + m
}

/** Epoch millis of `local` (HH:MM) on the calendar day of `day`. */
const at = (day: DateTime.Zoned, local: string): number => {
  const [hours, minutes] = local.split(":").map(Number) as [number, number]
  return DateTime.toEpochMillis(DateTime.setParts(day, { hours, minutes, seconds: 0, millis: 0 }))
}

/** The session that opens on the calendar day of `day`, if `days` lists that weekday. */
const sessionOpeningOn = (day: DateTime.Zoned, hours: Hours): Session | undefined => {
  const weekday = weekdays[DateTime.getPart(day, "weekDay")]
  if (!hours.days.includes(weekday as string)) return undefined
  const closeDay = minutesOf(hours.close) <= minutesOf(hours.open) ? DateTime.add(day, { days: 1 }) : day
  const close = at(closeDay, hours.close)
  const flatBy = hours.flatBy === undefined ? undefined : at(closeDay, hours.flatBy)
  return { open: at(day, hours.open), close, flatBy }
}

/** Sessions found, by hours and UTC minute (bounded: cleared when full). */
const found = new Map<string, Session | undefined>()
const maxFound = 1024

/**
 * The session containing `now` (open <= now < close), if any. Every boundary is a whole minute (local HH:MM, zone
 * offsets in whole minutes), so the answer is the same for a whole UTC minute and is kept per minute: resolving
 * local times is slow (Intl), and the rules ask every second.
 */
export const sessionAt = (now: number, hours: Hours): Session | undefined => {
  const minute = Math.floor(now / 60_000) * 60_000
  const key = `${hours.timeZone}|${hours.open}|${hours.close}|${hours.days.join(",")}|${hours.flatBy}|${minute}`
  if (found.has(key)) return found.get(key)
  if (found.size >= maxFound) found.clear()
  const session = compute(minute, hours)
  found.set(key, session)
  return session
}

const compute = (now: number, hours: Hours): Session | undefined => {
  const today = DateTime.setParts(DateTime.unsafeMakeZoned(now, { timeZone: zoneOf(hours.timeZone) }), { hours: 12 })
  for (const offset of [0, 1]) {
    const s = sessionOpeningOn(DateTime.subtract(today, { days: offset }), hours)
    if (s !== undefined && s.open <= now && now < s.close) return s
  }
  return undefined
}

/** Whether `now` is in a session's flat-by window: from `flatBy` (on the session's last day) until its close. */
export const inFlatBy = (session: Session, now: number): boolean =>
  session.flatBy !== undefined && session.flatBy <= now && now < session.close
