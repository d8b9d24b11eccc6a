/**
 * The bench's baseline: a bare `@microsoft/signalr` client (no stack, no
 * decoding, no state) logged in with its own user over REST, connected to the
 * market hub (skipNegotiation + WebSockets, as the stack's transport) and
 * subscribed to the same quotes. The time from the simulator publishing a
 * quote to this client's `GatewayQuote` callback is the floor under any
 * enforcement on this machine.
 *
 * @internal
 */
import * as signalR from "@microsoft/signalr"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { now } from "./clock.js"

/** A quote as the hub sends it (only the fields the bench reads). */
export interface WireQuote {
  readonly bestBid?: number | null
  readonly bestAsk?: number | null
}

/** Called on every quote with its contract and the receipt time (now()). */
export type OnQuote = (contractId: string, quote: WireQuote, at: number) => void

/** The connected bare client. */
export interface Bare {
  /** Quotes received so far. */
  readonly received: () => number
}

const login = async (baseUrl: string, userName: string, apiKey: string): Promise<string> => {
  const reply = await fetch(`${baseUrl}/api/Auth/loginKey`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userName, apiKey })
  })
  const body = (await reply.json()) as { readonly success?: boolean; readonly token?: string | null }
  if (body.success !== true || typeof body.token !== "string") throw new Error(`bare client: login failed (${reply.status})`)
  return body.token
}

/**
 * Connects the bare client for as long as the scope lives: logs in as
 * `userName`, connects to the market hub of `baseUrl`, subscribes to the
 * quotes of `contractIds` and calls `onQuote` for each one received.
 */
export const connect = (options: {
  readonly baseUrl: string
  readonly userName: string
  readonly apiKey: string
  readonly contractIds: ReadonlyArray<string>
  readonly onQuote: OnQuote
}): Effect.Effect<Bare, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const token = await login(options.baseUrl, options.userName, options.apiKey)
      const connection = new signalR.HubConnectionBuilder()
        .withUrl(`${options.baseUrl}/hubs/market`, {
          skipNegotiation: true,
          transport: signalR.HttpTransportType.WebSockets,
          accessTokenFactory: () => token
        })
        .configureLogging(signalR.LogLevel.Warning)
        .build()
      connection.serverTimeoutInMilliseconds = 600_000
      let received = 0
      connection.on("GatewayQuote", (contractId: string, quote: WireQuote) => {
        received++
        options.onQuote(contractId, quote, now())
      })
      await connection.start()
      for (const id of options.contractIds) await connection.invoke("SubscribeContractQuotes", id)
      return { connection, bare: { received: () => received } }
    }),
    ({ connection }) => Effect.promise(() => connection.stop())
  ).pipe(Effect.map(({ bare }) => bare))
