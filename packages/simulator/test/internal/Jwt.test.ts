import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Jwt from "../../src/internal/Jwt.js"

const claims = { sub: "demo", uid: 1, sid: "s1", jti: "t1", iat: 100, exp: 86_500 }

describe("Jwt", () => {
  it("signs HS256 tokens that verify with the same secret only", () => {
    const token = Jwt.sign(claims, "secret")
    const [header] = token.split(".")
    assert.deepStrictEqual(JSON.parse(Buffer.from(header!, "base64url").toString()), { alg: "HS256", typ: "JWT" })
    assert.deepStrictEqual(Jwt.verify(token, "secret"), Either.right(claims))
    assert.deepStrictEqual(Jwt.verify(token, "other"), Either.left("signature"))
  })

  it("refuses malformed tokens and changed claims", () => {
    const token = Jwt.sign(claims, "secret")
    const [h, , s] = token.split(".")
    const changed = Buffer.from(JSON.stringify({ ...claims, exp: 10 ** 10 })).toString("base64url")
    assert.deepStrictEqual(Jwt.verify(`${h}.${changed}.${s}`, "secret"), Either.left("signature"))
    for (const bad of ["", "a.b", "a.b.c.d", "!!.??.##", `${h}.e30.${s}`]) {
      assert.deepStrictEqual(Jwt.verify(bad, "secret"), Either.left("malformed"), bad)
    }
  })
})
