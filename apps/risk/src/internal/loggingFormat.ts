/**
 * The two line formats of the daemon's logger (pretty and JSON), pure over Effect's logger input.
 */
import * as Cause from "effect/Cause"
import * as HashMap from "effect/HashMap"
import * as Inspectable from "effect/Inspectable"
import * as List from "effect/List"
import type * as LogLevel from "effect/LogLevel"
import type * as LogSpan from "effect/LogSpan"
import type { Redactor } from "./loggingRedact.js"

/** What a logger gets, as far as the formats need it. */
export interface Input {
  readonly message: unknown
  readonly logLevel: LogLevel.LogLevel
  readonly date: Date
  readonly annotations: HashMap.HashMap<string, unknown>
  readonly spans: List.List<LogSpan.LogSpan>
  readonly cause: Cause.Cause<unknown>
}

/** A value as JSON can carry it (errors by their message, bigints as strings, cycles and functions dropped). */
export const jsonable = (v: unknown): unknown => {
  if (v === undefined || v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v
  if (typeof v === "bigint") return v.toString()
  if (v instanceof Error) return { name: v.name, message: v.message }
  try {
    const text = JSON.stringify(v, (_, x: unknown) => typeof x === "bigint" ? x.toString() : x)
    return text === undefined ? String(v) : JSON.parse(text) as unknown
  } catch {
    return Inspectable.toStringUnknown(v)
  }
}

/** The message as one string (several arguments joined by a space). */
export const messageText = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((p) =>
    typeof p === "string" ? p : p instanceof Error ? `${p.name}: ${p.message}` : Inspectable.toStringUnknown(p, 0)
  ).join(" ")
}

/** The fields of one line, redacted. */
export interface Fields {
  readonly time: string
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly spans: Record<string, number>
  readonly cause: string | undefined
}

/** Every field of a line, each string passed through `redact`. */
export const fields = (input: Input, redact: Redactor): Fields => {
  const annotations: Record<string, unknown> = {}
  for (const [k, v] of HashMap.toEntries(input.annotations)) annotations[k] = jsonable(v)
  const spans: Record<string, number> = {}
  const now = input.date.getTime()
  for (const span of List.toArray(input.spans)) spans[span.label] = now - span.startTime
  return {
    time: input.date.toISOString(),
    level: input.logLevel.label,
    message: redact.string(messageText(input.message)),
    annotations: redact.value(annotations) as Record<string, unknown>,
    spans,
    cause: Cause.isEmpty(input.cause) ? undefined : redact.string(Cause.pretty(input.cause, { renderErrorCause: true }))
  }
}

/** One JSON object: `time`, `level`, `message`, then `annotations`, `spans` and `cause` when there are any. */
export const json = (f: Fields): string =>
  JSON.stringify({
    time: f.time,
    level: f.level,
    message: f.message,
    ...(Object.keys(f.annotations).length > 0 ? { annotations: f.annotations } : {}),
    ...(Object.keys(f.spans).length > 0 ? { spans: f.spans } : {}),
    ...(f.cause === undefined ? {} : { cause: f.cause })
  })

const show = (v: unknown): string =>
  typeof v === "string" && /^[^\s="]+$/.test(v) ? v : JSON.stringify(v) ?? String(v)

/** One human line: `time LEVEL message key=value ... span=12ms cause="..."` (a multi-line cause is escaped). */
export const pretty = (f: Fields): string => {
  const parts = [f.time, f.level.padEnd(5), f.message.replace(/\r?\n/g, "\\n")]
  for (const [k, v] of Object.entries(f.annotations)) parts.push(`${k}=${show(v)}`)
  for (const [k, ms] of Object.entries(f.spans)) parts.push(`${k}=${ms}ms`)
  if (f.cause !== undefined) parts.push(`cause=${JSON.stringify(f.cause)}`)
  return parts.join(" ")
}
