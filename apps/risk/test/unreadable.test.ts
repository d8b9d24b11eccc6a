import { assert, describe, it } from "@effect/vitest"
import { BadArgument, SystemError } from "@effect/platform/Error"
import { reasonOf } from "../src/internal/unreadable.js"

const stat = (reason: SystemError["reason"], description?: string) =>
  new SystemError({ reason, module: "FileSystem", method: "stat", pathOrDescriptor: "/etc/tg/config.yaml", description })

describe("unreadable", () => {
  it("a missing file and a file the user may not read, in words", () => {
    assert.strictEqual(reasonOf(stat("NotFound", "ENOENT: no such file or directory, stat '/etc/tg/config.yaml'")), "no such file")
    assert.strictEqual(reasonOf(stat("PermissionDenied", "EACCES: permission denied, open '/etc/tg/config.yaml'")), "permission denied")
  })

  it("other system errors: the system's text without the path", () => {
    assert.strictEqual(
      reasonOf(stat("Unknown", "ENAMETOOLONG: name too long, stat '/etc/tg/config.yaml'")),
      "name too long"
    )
    assert.strictEqual(
      reasonOf(stat("BadResource", "ENOTDIR: not a directory, stat '/etc/tg/config.yaml'")),
      "a part of the path is a file, not a directory"
    )
  })

  it("without an errno text, the platform's message as it is", () => {
    const bare = stat("Busy")
    assert.strictEqual(reasonOf(bare), bare.message)
    const bad = new BadArgument({ module: "FileSystem", method: "stat", description: "path contains a NUL byte" })
    assert.strictEqual(reasonOf(bad), "FileSystem.stat: path contains a NUL byte")
  })
})
