/**
 * The simulator's options and their defaults: users and their API keys,
 * accounts, contracts, the market (seed, tick interval, liquidity), auth and
 * rate limits, the hubs' timers, and the initial fault plan. Everything is
 * optional: `{}` gives the user `demo` / `demo-api-key` with two accounts and
 * MNQ, MES, NQ and ES.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import type { FaultPlan } from "./FaultPlan.js"

/**
 * An account of a user.
 *
 * @since 0.1.0
 */
export interface AccountOptions {
  /** A 32-bit account id; assigned in order from 100001 when absent. */
  readonly id?: number
  readonly name: string
  readonly balance?: number
  readonly canTrade?: boolean
  readonly isVisible?: boolean
  /** Listed by `Account/search` with `onlyActiveAccounts: true` (default true). */
  readonly active?: boolean
}

/**
 * A user and its credentials and accounts.
 *
 * @since 0.1.0
 */
export interface UserOptions {
  readonly userName: string
  readonly apiKey: string
  /** For `Auth/loginApp`. */
  readonly password?: string
  /** Default: one 50K account named after the user. */
  readonly accounts?: ReadonlyArray<AccountOptions>
}

/**
 * An app of `Auth/loginApp`: its id and verify key.
 *
 * @since 0.1.0
 */
export interface AppOptions {
  readonly appId: string
  readonly verifyKey: string
}

/**
 * A tradable contract and its price process.
 *
 * @since 0.1.0
 */
export interface ContractOptions {
  /** e.g. `CON.F.US.MNQ.Z26`, `CON.F.US.ENQ.Z26` (NQ), `CON.F.US.EP.Z26` (ES). */
  readonly id: string
  /** e.g. `MNQZ6`, `NQZ6`: the root, the month letter and the year's last digit. */
  readonly name: string
  readonly description: string
  readonly tickSize: number
  readonly tickValue: number
  readonly activeContract: boolean
  /** e.g. `F.US.MNQ`, `F.US.ENQ` (NQ), `F.US.EP` (ES). */
  readonly symbolId: string
  /** Contracts with the same underlying share one price path (NQ and MNQ). */
  readonly underlying: string
  readonly basePrice: number
  /** Fees per contract per half-turn, deducted from the balance on every fill. */
  readonly feePerSide: number
}

/**
 * A rate-limit window: so many requests per window.
 *
 * @since 0.1.0
 */
export interface RateLimitWindow {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * How much fills at each price level.
 *
 * @since 0.1.0
 */
export interface Liquidity {
  /** Contracts available at each price level to a taker (market orders, marketable limits, stops). */
  readonly perLevel?: number
  /** Contracts a resting limit order fills per price tick while the market is at or through it. */
  readonly perTick?: number
  /** Price levels per side in depth updates (default 10). */
  readonly levels?: number
  /**
   * Price levels per side in the book a new depth subscriber gets first
   * (default 1250: about 2,500 entries, stamped `0001-01-01T00:00:00+00:00`,
   * as on the live service).
   */
  readonly snapshotLevels?: number
}

/**
 * The simulator's options: seed, users, contracts, rate limits, fault plan, ...; every one defaulted.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Seeds the price process and the fault plan. Default 1. */
  readonly seed?: number
  /** Extra users; a user named `demo` replaces the default one. */
  readonly users?: ReadonlyArray<UserOptions>
  /** Apps accepted by `Auth/loginApp` (default: `tradeguard-sim` / `demo-verify-key`). */
  readonly apps?: ReadonlyArray<AppOptions>
  /** Replaces the default contracts. */
  readonly contracts?: ReadonlyArray<ContractOptions>
  /** Resolution of the price process: prices change and resting orders fill at most once per tick (default 1 second). */
  readonly tickInterval?: Duration.DurationInput
  /**
   * How often the background fiber brings the market up to date and
   * publishes market data while someone is subscribed to the events (default:
   * tickInterval). Each wake processes every tick since the last one, so fills
   * keep their exact tick times. Under TestClock every wake costs real time:
   * a coarse interval (e.g. "1 minute") lets a test run a trading day in seconds.
   */
  readonly wakeInterval?: Duration.DurationInput
  readonly liquidity?: Liquidity
  /** Token lifetime (default 24 hours). */
  readonly tokenLifetime?: Duration.DurationInput
  /** HS256 secret of the JWTs (default derived from the seed). */
  readonly jwtSecret?: string
  /** A new login ends the user's other sessions and publishes a Logout event (default false). */
  readonly singleSessionPerUser?: boolean
  readonly rateLimits?: {
    readonly enabled?: boolean
    readonly history?: RateLimitWindow
    readonly general?: RateLimitWindow
  }
  /** The fault plan in force at start-up (default: none). */
  readonly faults?: FaultPlan
  /** The hubs send a ping (type 6) on every connection this often (default 15 seconds, as ASP.NET Core). */
  readonly hubPingInterval?: Duration.DurationInput
  /** A WebSocket whose handshake does not arrive within this time is closed (default 15 seconds). */
  readonly hubHandshakeTimeout?: Duration.DurationInput
  /** The first order id (default 3,400,000,000: above 2^31 like the live ids). */
  readonly firstOrderId?: number
  /** The first trade id (default 3,700,000,000). */
  readonly firstTradeId?: number
}

/**
 * The options with every default filled in.
 *
 * @since 0.1.0
 */
export interface Resolved {
  readonly seed: number
  readonly users: ReadonlyArray<{
    readonly id: number
    readonly userName: string
    readonly apiKey: string
    readonly password: string | undefined
    readonly accounts: ReadonlyArray<Required<AccountOptions>>
  }>
  readonly apps: ReadonlyArray<AppOptions>
  readonly contracts: ReadonlyArray<ContractOptions>
  readonly tickMillis: number
  readonly wakeMillis: number
  readonly liquidity: Required<Liquidity>
  readonly tokenLifetimeMillis: number
  readonly jwtSecret: string
  readonly singleSessionPerUser: boolean
  readonly rateLimits: {
    readonly enabled: boolean
    readonly history: { readonly limit: number; readonly windowMillis: number }
    readonly general: { readonly limit: number; readonly windowMillis: number }
  }
  readonly faults: FaultPlan
  readonly hubPingMillis: number
  readonly hubHandshakeMillis: number
  readonly firstOrderId: number
  readonly firstTradeId: number
}

/**
 * The default user's name.
 *
 * @since 0.1.0
 */
export const defaultUserName = "demo"
/**
 * The default user's API key.
 *
 * @since 0.1.0
 */
export const defaultApiKey = "demo-api-key"
/**
 * The default user's password (for `Auth/loginApp`).
 *
 * @since 0.1.0
 */
export const defaultPassword = "demo-password"
/**
 * The default app of `Auth/loginApp`.
 *
 * @since 0.1.0
 */
export const defaultApp: AppOptions = { appId: "tradeguard-sim", verifyKey: "demo-verify-key" }

const contract = (
  root: string,
  symbol: string,
  underlying: string,
  month: string,
  year: number,
  description: string,
  tickValue: number,
  basePrice: number,
  feePerSide: number,
  activeContract = true
): ContractOptions => ({
  id: `CON.F.US.${symbol}.${month}${year}`,
  name: `${root}${month}${year % 10}`,
  description,
  tickSize: 0.25,
  tickValue,
  activeContract,
  symbolId: `F.US.${symbol}`,
  underlying,
  basePrice,
  feePerSide
})

/**
 * MNQ, MES, NQ and ES (December 2026) with their real tick sizes and values, plus an expired MNQ.
 * The ids use the gateway's symbols, as recorded on the live service: NQ is `CON.F.US.ENQ.Z26`
 * (`F.US.ENQ`) and ES `CON.F.US.EP.Z26` (`F.US.EP`); the micros keep their root (`CON.F.US.MNQ.Z26`).
 *
 * @since 0.1.0
 */
export const defaultContracts: ReadonlyArray<ContractOptions> = [
  contract("MNQ", "MNQ", "NQ", "Z", 26, "Micro E-mini Nasdaq-100: December 2026", 0.5, 21_500, 0.37),
  contract("MES", "MES", "ES", "Z", 26, "Micro E-mini S&P 500: December 2026", 1.25, 6_000, 0.37),
  contract("NQ", "ENQ", "NQ", "Z", 26, "E-mini Nasdaq-100: December 2026", 5, 21_500, 1.4),
  contract("ES", "EP", "ES", "Z", 26, "E-mini S&P 500: December 2026", 12.5, 6_000, 1.4),
  contract("MNQ", "MNQ", "NQ", "U", 26, "Micro E-mini Nasdaq-100: September 2026", 0.5, 21_500, 0.37, false)
]

/**
 * The default user `demo`, with two accounts (50K and 150K).
 *
 * @since 0.1.0
 */
export const defaultUser: UserOptions = {
  userName: defaultUserName,
  apiKey: defaultApiKey,
  password: defaultPassword,
  accounts: [
    { name: "SIM-50K-DEMO-1", balance: 50_000 },
    { name: "SIM-150K-DEMO-2", balance: 150_000 }
  ]
}

/**
 * Fills in every default.
 *
 * @since 0.1.0
 */
export const resolve = (options: Options = {}): Resolved => {
  const seed = options.seed ?? 1
  const extra = options.users ?? []
  const users = [...(extra.some((u) => u.userName === defaultUserName) ? [] : [defaultUser]), ...extra]
  let nextAccountId = 100_001
  const tickMillis = Math.max(1, Duration.toMillis(Duration.decode(options.tickInterval ?? "1 second")))
  const window = (w: RateLimitWindow | undefined, limit: number, millis: number) =>
    w === undefined
      ? { limit, windowMillis: millis }
      : { limit: w.limit, windowMillis: Duration.toMillis(Duration.decode(w.window)) }
  return {
    seed,
    users: users.map((u, i) => ({
      id: i + 1,
      userName: u.userName,
      apiKey: u.apiKey,
      password: u.password,
      accounts: (u.accounts ?? [{ name: `SIM-50K-${u.userName.toUpperCase()}` }]).map((a) => {
        const id = a.id ?? nextAccountId
        nextAccountId = Math.max(nextAccountId, id) + 1
        return {
          id,
          name: a.name,
          balance: a.balance ?? 50_000,
          canTrade: a.canTrade ?? true,
          isVisible: a.isVisible ?? true,
          active: a.active ?? true
        }
      })
    })),
    apps: options.apps ?? [defaultApp],
    contracts: options.contracts ?? defaultContracts,
    tickMillis,
    wakeMillis: Math.max(1, Duration.toMillis(Duration.decode(options.wakeInterval ?? tickMillis))),
    liquidity: {
      perLevel: options.liquidity?.perLevel ?? 20,
      perTick: options.liquidity?.perTick ?? 10,
      levels: options.liquidity?.levels ?? 10,
      snapshotLevels: options.liquidity?.snapshotLevels ?? 1250
    },
    tokenLifetimeMillis: Duration.toMillis(Duration.decode(options.tokenLifetime ?? "24 hours")),
    jwtSecret: options.jwtSecret ?? `tradeguard-simulator-${seed}`,
    singleSessionPerUser: options.singleSessionPerUser ?? false,
    rateLimits: {
      enabled: options.rateLimits?.enabled ?? true,
      history: window(options.rateLimits?.history, 50, 30_000),
      general: window(options.rateLimits?.general, 200, 60_000)
    },
    faults: options.faults ?? {},
    hubPingMillis: Math.max(1, Duration.toMillis(Duration.decode(options.hubPingInterval ?? "15 seconds"))),
    hubHandshakeMillis: Duration.toMillis(Duration.decode(options.hubHandshakeTimeout ?? "15 seconds")),
    firstOrderId: options.firstOrderId ?? 3_400_000_000,
    firstTradeId: options.firstTradeId ?? 3_700_000_000
  }
}
