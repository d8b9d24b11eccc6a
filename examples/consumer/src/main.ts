/**
 * A small Effect program as a user of the published packages writes it: only
 * the public entry points of `@tradeguard/*`, composed once in {@link stack}.
 *
 * It logs in, lists the accounts, picks a contract, subscribes the account's
 * orders, positions and trades on the user hub, places a MARKET order with a
 * unique customTag, waits until AccountState shows that order filled (at most
 * `TRADEGUARD_WAIT_SECONDS`, default 20, for the hub and again for the fill),
 * prints ONE JSON line with what it saw and exits 0. Any failure: one
 * `consumer failed: ...` line on stderr, exit 1.
 *
 * Environment: `TRADEGUARD_BASE_URL` (the gateway's REST root; the hub URLs
 * are derived from it: `<base>/hubs/user` and `/hubs/market` on
 * `tradeguard-sim`, `rtc.` for an `api.` host), `PROJECTX_USERNAME`,
 * `PROJECTX_API_KEY`, optional `TRADEGUARD_WAIT_SECONDS`, `TRADEGUARD_ALLOW_INSECURE`.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Enums } from "@tradeguard/gateway"
import { AccountState, HubConnection, Subscription } from "@tradeguard/realtime"
import { ResilientGateway } from "@tradeguard/resilience"
import { Stack } from "@tradeguard/runtime"
import { Cause, Config, Console, Duration, Effect, HashMap, Layer, Logger, LogLevel, Option, Random, Stream } from "effect"

/** What the program reads from the environment. */
const settings = Config.all({
  baseUrl: Config.string("TRADEGUARD_BASE_URL"),
  userName: Config.string("PROJECTX_USERNAME"),
  apiKey: Config.redacted("PROJECTX_API_KEY"),
  waitSeconds: Config.integer("TRADEGUARD_WAIT_SECONDS").pipe(Config.withDefault(20)),
  /** Plaintext http:// to a host that is not loopback (never needed for tradeguard-sim on 127.0.0.1). */
  allowInsecure: Config.boolean("TRADEGUARD_ALLOW_INSECURE").pipe(Config.withDefault(false))
})

type Settings = Config.Config.Success<typeof settings>

/**
 * The whole stack, composed by `@tradeguard/runtime`: one config (hub URLs derived from the base
 * URL, the token kept in memory), REST + both hubs over SignalR + AccountState + the reconciler
 * sharing one TokenManager, the credentials given as a value. Building it logs in.
 */
export const stack = (s: Settings) =>
  Stack.layer({ api: { baseUrl: s.baseUrl, timeout: 10_000, allowInsecure: s.allowInsecure } }).pipe(
    Layer.provide(Stack.credentials({ userName: s.userName, apiKey: s.apiKey }))
  )

/** A customTag no earlier run used: the time and a random suffix. */
const uniqueTag = Effect.gen(function*() {
  const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
  const suffix = yield* Random.nextIntBetween(0, 1_000_000)
  return `consumer-${now}-${suffix}`
})

/** Logs in (building the stack), trades once and reports what AccountState saw. */
const program = (s: Settings) =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    const userHub = yield* HubConnection.UserHub
    const state = yield* AccountState.AccountState

    const { accounts } = yield* gateway.accountSearch({ onlyActiveAccounts: true })
    const account = accounts.find((a) => a.canTrade) ?? accounts[0]
    if (account === undefined) return yield* Effect.fail(new Error("no active account"))
    const { contracts } = yield* gateway.contractAvailable({ live: false })
    const contract = contracts[0]
    if (contract === undefined) return yield* Effect.fail(new Error("no contract available"))

    yield* userHub.subscribe(Subscription.orders(account.id))
    yield* userHub.subscribe(Subscription.positions(account.id))
    yield* userHub.subscribe(Subscription.trades(account.id))
    yield* HubConnection.awaitSubscribed(userHub).pipe(Effect.timeoutFail({
      duration: Duration.seconds(s.waitSeconds),
      onTimeout: () => new Error(`the user hub (${userHub.url}) not connected within ${s.waitSeconds} s`)
    }))

    const customTag = yield* uniqueTag
    const { orderId } = yield* gateway.orderPlace({
      accountId: account.id,
      contractId: contract.id,
      type: Enums.OrderType.Market,
      side: Enums.OrderSide.Bid,
      size: 1,
      customTag
    })

    const seen = yield* state.snapshot.changes.pipe(
      Stream.map((snapshot) => ({
        order: Option.orElse(HashMap.get(snapshot.orders, orderId), () => HashMap.get(snapshot.completedOrders, orderId)),
        position: HashMap.get(snapshot.positions, AccountState.positionKey(account.id, contract.id))
      })),
      Stream.filter(({ order, position }) =>
        Option.isSome(order) && order.value.status === Enums.OrderStatus.Filled && Option.isSome(position)),
      Stream.runHead,
      Effect.flatten,
      Effect.timeoutFail({
        duration: Duration.seconds(s.waitSeconds),
        onTimeout: () => new Error(`order ${orderId} (customTag ${customTag}) not seen filled within ${s.waitSeconds} s`)
      })
    )
    const order = Option.getOrThrow(seen.order)
    const position = Option.getOrThrow(seen.position)
    yield* Console.log(JSON.stringify({
      accounts: accounts.length,
      accountId: account.id,
      contractId: contract.id,
      orderId,
      customTag: order.customTag ?? null,
      filled: true,
      filledPrice: order.filledPrice ?? null,
      position: { size: position.size, averagePrice: position.averagePrice }
    }))
  }).pipe(Effect.provide(stack(s)))

/** One clear line for any failure (the cause's pretty form when it is no plain error). */
const report = (cause: Cause.Cause<unknown>) => {
  const failure = Cause.failureOption(cause)
  const message = Option.isSome(failure) && failure.value instanceof Error ? failure.value.message : Cause.pretty(cause)
  return Console.error(`consumer failed: ${message}`)
}

const main = Effect.flatMap(settings, program).pipe(
  Effect.tapErrorCause(report),
  // Logs (warnings and above) go to stderr; stdout carries only the JSON line.
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  Logger.withMinimumLogLevel(LogLevel.Warning)
)

NodeRuntime.runMain(main, { disableErrorReporting: true, disablePrettyLogger: true })
