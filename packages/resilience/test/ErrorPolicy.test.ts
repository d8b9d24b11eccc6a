import { assert, describe, it } from "@effect/vitest"
import { Endpoints, ErrorCodes, Errors } from "@tradeguard/gateway"
import * as Duration from "effect/Duration"
import * as fc from "fast-check"
import * as ErrorPolicy from "../src/ErrorPolicy.js"
import { AuthenticationFailed, CircuitOpen, QueueOverflow } from "../src/Errors.js"

const read = Endpoints.accountSearch as Endpoints.AnyEndpoint
const bars = Endpoints.historyRetrieveBars as Endpoints.AnyEndpoint
const place = Endpoints.orderPlace as Endpoints.AnyEndpoint
const cancel = Endpoints.orderCancel as Endpoints.AnyEndpoint
const close = Endpoints.positionCloseContract as Endpoints.AnyEndpoint
const validate = Endpoints.authValidate as Endpoints.AnyEndpoint
const loginKey = Endpoints.authLoginKey as Endpoints.AnyEndpoint
const endpoints = Object.values(Endpoints.all) as Array<Endpoints.AnyEndpoint>
const mutations = endpoints.filter((e) => e.mutating)
const reads = endpoints.filter((e) => !e.mutating)

const server = (e: Endpoints.AnyEndpoint, status: number) => new Errors.ServerError({ endpoint: e.name, status })
const status = (e: Endpoints.AnyEndpoint, s: number) => new Errors.UnexpectedStatus({ endpoint: e.name, status: s })
const httpError = (e: Endpoints.AnyEndpoint, s: number): ErrorPolicy.Failure =>
  s === 401
    ? new Errors.Unauthorized({ endpoint: e.name })
    : s === 429
    ? new Errors.RateLimited({ endpoint: e.name })
    : s >= 500
    ? server(e, s)
    : status(e, s)
const rejected = (e: Endpoints.AnyEndpoint, errorCode: number) =>
  new Errors.Rejected({ endpoint: e.name, errorCode, errorName: ErrorCodes.name(e.errors, errorCode) })
const transport = (e: Endpoints.AnyEndpoint, reason: "Timeout" | "Network") =>
  new Errors.TransportError({ endpoint: e.name, reason, detail: "x" })
const unknown = (e: Endpoints.AnyEndpoint, reason: string) =>
  new Errors.OutcomeUnknown({ endpoint: e.name, reason, request: {} })

describe("ErrorPolicy.classify: HTTP statuses", () => {
  it("401 Unauthorized is auth, for reads and mutations", () => {
    assert.strictEqual(ErrorPolicy.classify(new Errors.Unauthorized({ endpoint: "accountSearch" }), read), "auth")
    assert.strictEqual(ErrorPolicy.classify(new Errors.Unauthorized({ endpoint: "orderPlace" }), place), "auth")
  })

  it("429 RateLimited is rateLimited, with or without Retry-After, for reads and mutations", () => {
    const withAfter = new Errors.RateLimited({ endpoint: "orderPlace", retryAfter: Duration.seconds(5) })
    assert.strictEqual(ErrorPolicy.classify(withAfter, place), "rateLimited")
    assert.strictEqual(ErrorPolicy.classify(new Errors.RateLimited({ endpoint: "x" }), read), "rateLimited")
  })

  it.each([408, 500, 502, 503, 504])("seed-retryable status %i is transient for every read", (s) => {
    for (const e of reads) assert.strictEqual(ErrorPolicy.classify(httpError(e, s), e), "transient", e.name)
  })

  it.each([408, 500, 502, 503, 504])("status %i is outcomeUnknown for every mutation (it may have been applied)", (s) => {
    for (const e of mutations) assert.strictEqual(ErrorPolicy.classify(httpError(e, s), e), "outcomeUnknown", e.name)
  })

  it.each([400, 403, 404, 405, 409, 422])("status %i is permanent for reads and mutations", (s) => {
    assert.strictEqual(ErrorPolicy.classify(status(read, s), read), "permanent")
    assert.strictEqual(ErrorPolicy.classify(status(place, s), place), "permanent")
  })

  it("a 5xx outside retryableErrors is permanent for a read but still outcomeUnknown for a mutation", () => {
    assert.strictEqual(ErrorPolicy.classify(server(read, 501), read), "permanent")
    assert.strictEqual(ErrorPolicy.classify(server(place, 501), place), "outcomeUnknown")
  })

  it("honours a configured retryableErrors list", () => {
    assert.strictEqual(ErrorPolicy.classify(server(read, 500), read, [503]), "permanent")
    assert.strictEqual(ErrorPolicy.classify(status(read, 409), read, [409]), "transient")
    assert.strictEqual(ErrorPolicy.classify(status(place, 409), place, [409]), "outcomeUnknown")
  })
})

describe("ErrorPolicy.classify: transport and runtime failures", () => {
  it("transport failures and timeouts of a read are transient", () => {
    assert.strictEqual(ErrorPolicy.classify(transport(bars, "Timeout"), bars), "transient")
    assert.strictEqual(ErrorPolicy.classify(transport(bars, "Network"), bars), "transient")
  })

  it("a transport failure reported for a mutation is outcomeUnknown, never transient", () => {
    for (const e of mutations) assert.strictEqual(ErrorPolicy.classify(transport(e, "Network"), e), "outcomeUnknown")
  })

  it("OutcomeUnknown stays outcomeUnknown", () => {
    assert.strictEqual(ErrorPolicy.classify(unknown(place, "Timeout: no reply"), place), "outcomeUnknown")
  })

  it("DecodeError is permanent for a read, outcomeUnknown for a mutation (a success we could not read)", () => {
    const decode = (e: Endpoints.AnyEndpoint) => new Errors.DecodeError({ endpoint: e.name, path: "orderId", detail: "x" })
    assert.strictEqual(ErrorPolicy.classify(decode(read), read), "permanent")
    assert.strictEqual(ErrorPolicy.classify(decode(place), place), "outcomeUnknown")
  })

  it("InvalidRequest is permanent even for a mutation (nothing was sent)", () => {
    const invalid = new Errors.InvalidRequest({ endpoint: "orderPlace", path: "size", detail: "x" })
    assert.strictEqual(ErrorPolicy.classify(invalid, place), "permanent")
  })

  it("AuthenticationFailed is auth; CircuitOpen and QueueOverflow are transient", () => {
    assert.strictEqual(ErrorPolicy.classify(new AuthenticationFailed({ reason: "x" }), read), "auth")
    const open = new CircuitOpen({ group: "orders", endpoint: "orderPlace", halfOpensAt: 0 })
    assert.strictEqual(ErrorPolicy.classify(open, place), "transient")
    assert.strictEqual(ErrorPolicy.classify(new QueueOverflow({ endpoint: "orderPlace", queueSize: 1 }), place), "transient")
  })
})

describe("ErrorPolicy.classify: gateway errorCodes", () => {
  it("PlaceOrder: OrderRejected is permanent, OrderPending and UnknownError are outcomeUnknown (duplicate risk)", () => {
    assert.strictEqual(ErrorPolicy.classify(rejected(place, ErrorCodes.PlaceOrder.OrderRejected), place), "permanent")
    assert.strictEqual(ErrorPolicy.classify(rejected(place, ErrorCodes.PlaceOrder.OrderPending), place), "outcomeUnknown")
    assert.strictEqual(ErrorPolicy.classify(rejected(place, ErrorCodes.PlaceOrder.UnknownError), place), "outcomeUnknown")
    assert.strictEqual(ErrorPolicy.classify(rejected(place, ErrorCodes.PlaceOrder.InsufficientFunds), place), "permanent")
  })

  it("CancelOrder Pending is transient (not applied, cancel is idempotent); OrderNotFound is permanent", () => {
    assert.strictEqual(ErrorPolicy.classify(rejected(cancel, ErrorCodes.CancelOrder.Pending), cancel), "transient")
    assert.strictEqual(ErrorPolicy.classify(rejected(cancel, ErrorCodes.CancelOrder.OrderNotFound), cancel), "permanent")
  })

  it("ClosePosition OrderPending is outcomeUnknown (closing again could flip the position)", () => {
    assert.strictEqual(ErrorPolicy.classify(rejected(close, ErrorCodes.ClosePosition.OrderPending), close), "outcomeUnknown")
    assert.strictEqual(ErrorPolicy.classify(rejected(close, ErrorCodes.ClosePosition.PositionNotFound), close), "permanent")
  })

  it("Validate: a dead session is auth (log in afresh), UnknownError is transient", () => {
    for (const code of [1, 2, 3]) assert.strictEqual(ErrorPolicy.classify(rejected(validate, code), validate), "auth")
    assert.strictEqual(ErrorPolicy.classify(rejected(validate, ErrorCodes.Validate.UnknownError), validate), "transient")
  })

  it("Login: credential problems are permanent, UnknownError transient", () => {
    assert.strictEqual(ErrorPolicy.classify(rejected(loginKey, ErrorCodes.Login.InvalidCredentials), loginKey), "permanent")
    assert.strictEqual(ErrorPolicy.classify(rejected(loginKey, ErrorCodes.Login.UnknownError), loginKey), "transient")
  })

  it("an undocumented code is permanent on a read and outcomeUnknown on a mutation", () => {
    const odd = (e: Endpoints.AnyEndpoint) => new Errors.Rejected({ endpoint: e.name, errorCode: 99, errorName: "99" })
    assert.strictEqual(ErrorPolicy.classify(odd(read), read), "permanent")
    assert.strictEqual(ErrorPolicy.classify(odd(place), place), "outcomeUnknown")
  })

  it("the only transient codes of mutations are the Pending of cancel and modify", () => {
    const transientMutationCodes = ErrorPolicy.errorCodeTable
      .filter((r) => r.path !== "*" && r.classification === "transient" && Endpoints.all[r.endpoint as Endpoints.EndpointName].mutating)
      .map((r) => `${r.endpoint}.${r.name}`)
    assert.deepStrictEqual(transientMutationCodes, ["orderCancel.Pending", "orderModify.Pending"])
  })
})

describe("ErrorPolicy: mutations are never transient on an ambiguous failure", () => {
  it("property: any status, transport failure, decode failure or OutcomeUnknown of a mutation is never transient", () => {
    const ambiguous = fc.oneof(
      fc.integer({ min: 402, max: 599 }).filter((s) => s !== 429).map((s) => (e: Endpoints.AnyEndpoint) => httpError(e, s)),
      fc.constantFrom("Timeout", "Network").map((r) => (e: Endpoints.AnyEndpoint) => transport(e, r as "Timeout")),
      fc.constant((e: Endpoints.AnyEndpoint) => new Errors.DecodeError({ endpoint: e.name, path: "", detail: "" })),
      fc.string().map((r) => (e: Endpoints.AnyEndpoint) => unknown(e, r))
    )
    fc.assert(
      fc.property(fc.constantFrom(...mutations), ambiguous, fc.array(fc.integer({ min: 400, max: 599 })), (e, make, retryable) => {
        const c = ErrorPolicy.classify(make(e), e, retryable)
        return c !== "transient"
      })
    )
  })

  it("toOutcomeUnknown turns an ambiguous mutation failure into OutcomeUnknown with the customTag", () => {
    const request = { accountId: 1, customTag: "tg-1" }
    const out = ErrorPolicy.toOutcomeUnknown(server(place, 503), place, request)
    assert.strictEqual(out._tag, "OutcomeUnknown")
    if (out._tag === "OutcomeUnknown") {
      assert.strictEqual(out.customTag, "tg-1")
      assert.strictEqual(out.reason, "HTTP 503")
      assert.isTrue(ErrorPolicy.isCircuitFailure(out))
    }
    const rejection = rejected(place, ErrorCodes.PlaceOrder.OrderRejected)
    assert.strictEqual(ErrorPolicy.toOutcomeUnknown(rejection, place, request), rejection)
    assert.strictEqual(ErrorPolicy.toOutcomeUnknown(server(read, 503), read, {})._tag, "ServerError")
  })
})

describe("ErrorPolicy.isCircuitFailure", () => {
  it("counts 5xx, transport failures and timeouts, and an OutcomeUnknown caused by them", () => {
    assert.isTrue(ErrorPolicy.isCircuitFailure(server(read, 500)))
    assert.isTrue(ErrorPolicy.isCircuitFailure(server(read, 503)))
    assert.isTrue(ErrorPolicy.isCircuitFailure(transport(read, "Timeout")))
    assert.isTrue(ErrorPolicy.isCircuitFailure(transport(read, "Network")))
    assert.isTrue(ErrorPolicy.isCircuitFailure(unknown(place, "Timeout: no reply within 30s")))
    assert.isTrue(ErrorPolicy.isCircuitFailure(unknown(place, "Network: ECONNRESET")))
  })

  it("408 Request Timeout is a server-side timeout: it counts as a circuit failure for reads and mutations", () => {
    assert.isTrue(ErrorPolicy.isCircuitFailure(status(read, 408)))
    const out = ErrorPolicy.toOutcomeUnknown(status(place, 408), place, {})
    assert.strictEqual(out._tag === "OutcomeUnknown" && out.reason, "HTTP 408")
    assert.isTrue(ErrorPolicy.isCircuitFailure(out))
    assert.isFalse(ErrorPolicy.isCircuitFailure(status(read, 409)))
    assert.isFalse(ErrorPolicy.isCircuitFailure(unknown(place, "HTTP 4080")))
  })

  it("does not count business rejections, 401, 429, 4xx, invalid requests, decode failures, or limiter/breaker errors", () => {
    const notCounted: Array<ErrorPolicy.Failure> = [
      rejected(place, ErrorCodes.PlaceOrder.OrderRejected),
      new Errors.Unauthorized({ endpoint: "x" }),
      new Errors.RateLimited({ endpoint: "x" }),
      status(read, 400),
      status(read, 404),
      new Errors.InvalidRequest({ endpoint: "x", path: "", detail: "" }),
      new Errors.DecodeError({ endpoint: "x", path: "", detail: "" }),
      unknown(place, "Rejected OrderPending (6)"),
      new QueueOverflow({ endpoint: "x", queueSize: 1 }),
      new CircuitOpen({ group: "g", endpoint: "x", halfOpensAt: 0 }),
      new AuthenticationFailed({ reason: "x" })
    ]
    for (const e of notCounted) assert.isFalse(ErrorPolicy.isCircuitFailure(e), e._tag)
  })
})

describe("ErrorPolicy.errorCodeTable", () => {
  it("has exactly one row for every code of every endpoint's enum", () => {
    for (const e of endpoints) {
      for (const [name, code] of Object.entries(ErrorCodes.all[e.errors] as ErrorCodes.ErrorEnum)) {
        const rows = ErrorPolicy.errorCodeTable.filter((r) => r.endpoint === e.name && r.code === code)
        assert.strictEqual(rows.length, 1, `${e.name} ${name}`)
        assert.strictEqual(rows[0]!.name, name)
        assert.strictEqual(rows[0]!.path, e.path)
        assert.isAbove(rows[0]!.reason.length, 5)
        assert.isAbove(rows[0]!.action.length, 5)
      }
    }
  })

  it("property: every code row agrees with classify on the matching Rejected", () => {
    const codeRows = ErrorPolicy.errorCodeTable.filter((r) => r.path !== "*")
    fc.assert(
      fc.property(fc.constantFrom(...codeRows), (row) => {
        const e = Endpoints.all[row.endpoint as Endpoints.EndpointName] as Endpoints.AnyEndpoint
        return ErrorPolicy.classify(rejected(e, row.code as number), e) === row.classification
      }),
      { numRuns: codeRows.length * 3 }
    )
  })

  it("has rows for every seed status, 400/401/403/404, transport failure and timeout, for reads and mutations", () => {
    for (const kind of ["reads", "mutations"]) {
      for (const code of [400, 401, 403, 404, 408, 429, 500, 502, 503, 504, "network", "timeout"]) {
        const rows = ErrorPolicy.errorCodeTable.filter((r) => r.endpoint === kind && r.code === code)
        assert.strictEqual(rows.length, 1, `${kind} ${code}`)
      }
    }
    const mutationRows = ErrorPolicy.errorCodeTable.filter((r) => r.endpoint === "mutations")
    assert.isTrue(mutationRows.every((r) => r.classification !== "transient"))
  })
})
