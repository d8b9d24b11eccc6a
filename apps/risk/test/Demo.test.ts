/**
 * The demo in-process, over the real daemon and the embedded simulator on loopback (real sockets, real time):
 * it ends with exit 0, a summary with every figure, and every invariant holding.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Demo from "../src/Demo.js"
import { captured } from "./utils/console.js"

describe("Demo", () => {
  it.live("the scripted session over the daemon: breach enforced, faults absorbed, every invariant holds", () =>
    Effect.gen(function*() {
      const [exit, { out }] = yield* captured(Effect.exit(Demo.run({ seed: 7 })))
      const text = out.join("\n")
      assert.isTrue(Exit.isSuccess(exit), text)
      for (let n = 1; n <= 7; n++) assert.include(text, `== ${n}. `)
      assert.match(text, /^ *\+\d+\.\ds {2}daemon ready: guarding 100001 and 100002/m)
      assert.match(text, /user hub reconnected/)
      assert.match(text, /circuit reads: Closed -> Open/)
      assert.match(text, /rule dailyLossLimit on 100001: BREACHED/)
      assert.match(text, /account 100001 LOCKED/)
      assert.match(text, /enforcement \S+ on 100001 verified: flat/)
      assert.match(text, /daemon logged in again/)
      for (const figure of ["orders sent:", "duplicates:           0", "429 received:         0", "reconnects:", "events reconciled", "breaches:", "enforcement actions:"]) {
        assert.include(text, figure)
      }
      assert.notInclude(text, "FAILED")
      assert.include(text, "all invariants hold")
      const config = /config (\S+config\.yaml) \(removed at the end\)/.exec(text)![1]!
      assert.isFalse(fs.existsSync(path.dirname(config)), "the demo's temporary directory is removed")
    }), 150_000)
})
