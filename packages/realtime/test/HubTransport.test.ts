import { assert, describe, it } from "@effect/vitest"
import { HubTransport } from "../src/index.js"

const server = (error: string | undefined): HubTransport.CloseReason => ({ _tag: "ServerClosed", error, allowReconnect: undefined })

describe("HubTransport.tokenRefusal", () => {
  it("a Close from the server refusing the token: the token only, or its whole session", () => {
    for (
      const error of [
        "Unauthorized: the access token has expired.",
        "Connection closed with an error. HttpException: 401",
        "Token expired",
        "expired access token"
      ]
    ) assert.strictEqual(HubTransport.tokenRefusal(server(error)), "token", error)
    for (
      const error of [
        "Unauthorized: the session was ended (logged in elsewhere).",
        "Unauthorized: the session was ended (ended by the operator).",
        "401: logged out"
      ]
    ) assert.strictEqual(HubTransport.tokenRefusal(server(error)), "session", error)
  })

  it("any other close: a Close without an error or for another reason, a drop, our own close", () => {
    assert.isUndefined(HubTransport.tokenRefusal(server(undefined)))
    assert.isUndefined(HubTransport.tokenRefusal(server("Server is shutting down")))
    assert.isUndefined(HubTransport.tokenRefusal(server("chaos: connection dropped after 4010 ms")))
    assert.isUndefined(HubTransport.tokenRefusal({ _tag: "Dropped", error: "Unauthorized" }))
    assert.isUndefined(HubTransport.tokenRefusal({ _tag: "ClientClosed" }))
  })
})
