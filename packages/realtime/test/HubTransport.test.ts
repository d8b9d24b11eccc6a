import { assert, describe, it } from "@effect/vitest"
import { HubTransport } from "../src/index.js"

const server = (error: string | undefined): HubTransport.CloseReason => ({ _tag: "ServerClosed", error, allowReconnect: undefined })

describe("HubTransport.isTokenRefused", () => {
  it("a Close from the server naming the token or the session as refused", () => {
    for (
      const error of [
        "Unauthorized: the access token has expired.",
        "Unauthorized: the session was ended (logged in elsewhere).",
        "Connection closed with an error. HttpException: 401",
        "Token expired",
        "expired access token"
      ]
    ) assert.isTrue(HubTransport.isTokenRefused(server(error)), error)
  })

  it("any other close: a Close without an error or for another reason, a drop, our own close", () => {
    assert.isFalse(HubTransport.isTokenRefused(server(undefined)))
    assert.isFalse(HubTransport.isTokenRefused(server("Server is shutting down")))
    assert.isFalse(HubTransport.isTokenRefused(server("chaos: connection dropped after 4010 ms")))
    assert.isFalse(HubTransport.isTokenRefused({ _tag: "Dropped", error: "Unauthorized" }))
    assert.isFalse(HubTransport.isTokenRefused({ _tag: "ClientClosed" }))
  })
})
