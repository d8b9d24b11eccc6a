/**
 * Pure: why a config file could not be read, in the words of a person, not
 * of `FileSystem.stat`. The platform's message repeats the path three times
 * (`BadResource: FileSystem.stat (/x/f/config.yaml): ENOTDIR: not a
 * directory, stat '/x/f/config.yaml'`); the user already sees the path at the
 * start of the line, so only the reason is kept.
 *
 * @internal
 */
import type { PlatformError } from "@effect/platform/Error"

/** The errno codes whose own text would mislead (`not a directory` about a file the user named). */
const byCode: Readonly<Record<string, string>> = {
  ENOTDIR: "a part of the path is a file, not a directory"
}

/** `ENOTDIR: not a directory, stat '/x/f'` -> code and text. */
const errno = /^(E[A-Z]+): ([^,]+)/

/** The reason, without the path: `no such file`, `permission denied`, the OS's own text, or the platform's message. */
export const reasonOf = (e: PlatformError): string => {
  if (e._tag !== "SystemError") return e.message
  if (e.reason === "NotFound") return "no such file"
  if (e.reason === "PermissionDenied") return "permission denied"
  const match = errno.exec(e.description ?? "")
  if (match === null) return e.message
  return byCode[match[1]!] ?? match[2]!
}
