/**
 * Test helpers: the in-process simulator with GatewayClient on top, the
 * default credentials, and shortcuts for common calls.
 */
import { type Errors, GatewayClient } from "@tradeguard/gateway"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { Options, Simulator } from "../../src/index.js"

export const MNQ = "CON.F.US.MNQ.Z26"
export const ES = "CON.F.US.EP.Z26"
export const EXPIRED_MNQ = "CON.F.US.MNQ.U26"
/** The demo user's first account. */
export const ACCOUNT = 100001
export const SINCE_EPOCH = "1970-01-01T00:00:00.0000000+00:00"

/** GatewayClient over the in-process simulator for `options`. */
export const layer = (options: Options.Options = {}) =>
  GatewayClient.layer({ baseUrl: Simulator.baseUrl }).pipe(Layer.provideMerge(Simulator.layerInProcess(options)))

export const client = GatewayClient.GatewayClient

/** Logs in as `demo` (or another configured user). */
export const login = (
  userName = Options.defaultUserName,
  apiKey = Options.defaultApiKey
): Effect.Effect<Token, Errors.GatewayError, GatewayClient.GatewayClient> =>
  Effect.flatMap(GatewayClient.GatewayClient, (c) => c.authLoginKey({ userName, apiKey })).pipe(
    Effect.map((r) => r.token)
  )

/** Pins MNQ's bid (the ask is one tick above). */
export const pin = (price: number, contractId = MNQ) =>
  Effect.flatMap(Simulator.Simulator, (sim) => sim.exchange.setPrice(contractId, price))

export const snapshot = (accountId = ACCOUNT) =>
  Effect.flatMap(Simulator.Simulator, (sim) => sim.exchange.snapshot(accountId))

export type Token = Redacted.Redacted<string>

/** A market order on MNQ for the demo account. */
export const market = (
  token: Token,
  side: 0 | 1,
  size: number,
  extra: { customTag?: string } = {}
): Effect.Effect<{ readonly orderId: number }, Errors.GatewayError, GatewayClient.GatewayClient> =>
  Effect.flatMap(GatewayClient.GatewayClient, (c) =>
    c.orderPlace({ accountId: ACCOUNT, contractId: MNQ, type: 2, side, size, ...extra }, token))
