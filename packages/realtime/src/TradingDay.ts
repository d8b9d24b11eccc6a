/**
 * The trading day: when "today" starts for AccountState (today's trades and
 * ended orders), the reconciler's start-up catch-up and, later, the daily
 * risk rules. The default is the CME Globex / TopstepX day: it starts at
 * 17:00 America/Chicago (the previous calendar day), so it follows US
 * daylight saving time.
 *
 * When to use: `startOf(now, config.tradingDay)` for the start of the day
 * that contains `now`; `next` for the start of the next one. Pure.
 *
 * Gotcha: on a day whose boundary falls in a daylight-saving gap (e.g.
 * 02:30 on the spring-forward night), the boundary is the first valid time
 * after it (`compatible` disambiguation).
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"

/**
 * Where a trading day starts: a time zone and a local time.
 *
 * @since 0.1.0
 */
export interface Config {
  /** IANA time zone of `startsAt`, e.g. `America/Chicago`. */
  readonly timeZone: string
  /** Local time at which a trading day starts, `HH:MM`. */
  readonly startsAt: string
}

/**
 * The CME trading day: 17:00 America/Chicago.
 *
 * @since 0.1.0
 */
export const defaults: Config = { timeZone: "America/Chicago", startsAt: "17:00" }

const boundaryOn = (day: DateTime.Zoned, startsAt: string): number => {
  const [hours, minutes] = startsAt.split(":").map(Number) as [number, number]
  return DateTime.toEpochMillis(DateTime.setParts(day, { hours, minutes, seconds: 0, millis: 0 }))
}

/** Named zones by id: building one creates an `Intl.DateTimeFormat`, which is slow. */
const zones = new Map<string, DateTime.TimeZone>()
const zoneOf = (id: string): DateTime.TimeZone => {
  let zone = zones.get(id)
  if (zone === undefined) zones.set(id, zone = DateTime.zoneUnsafeMakeNamed(id))
  return zone
}

/** `now` in the zone of `config`, and that calendar day's boundary. */
const around = (now: number, config: Config) => {
  const zoned = DateTime.unsafeMakeZoned(now, { timeZone: zoneOf(config.timeZone) })
  return { zoned, today: boundaryOn(zoned, config.startsAt) }
}

/**
 * Epoch millis at which the trading day containing `now` started (a boundary itself belongs to the day it starts).
 *
 * @since 0.1.0
 */
export const startOf = (now: number, config: Config): number => {
  const { today, zoned } = around(now, config)
  return today <= now ? today : boundaryOn(DateTime.subtract(zoned, { days: 1 }), config.startsAt)
}

/**
 * Epoch millis at which the next trading day after the one containing `now` starts.
 *
 * @since 0.1.0
 */
export const next = (now: number, config: Config): number => {
  const { today, zoned } = around(now, config)
  return today > now ? today : boundaryOn(DateTime.add(zoned, { days: 1 }), config.startsAt)
}

/**
 * Whether `zone` is a time zone this runtime knows (IANA name).
 *
 * @since 0.1.0
 */
export const isTimeZone = (zone: string): boolean => DateTime.zoneMakeNamed(zone)._tag === "Some"
