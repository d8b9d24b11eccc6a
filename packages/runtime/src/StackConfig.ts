/**
 * One config for the whole stack: every section of the resilience and the
 * realtime packages (`api`, `authentication`, `errorHandling`,
 * `logging.resilience`, `signalr`, `stateReconciliation`, `tradingDay`),
 * decoded by ONE Schema into ONE value that provides both
 * `ResilienceConfig` and `RealtimeConfig`.
 *
 * - The hub URLs (`signalr.hubs.userHubUrl` / `marketHubUrl`) are optional:
 *   when absent they are derived from `api.baseUrl` ({@link hubUrls}).
 * - The checks across keys apply: plaintext to a host that is not loopback
 *   (unless `api.allowInsecure`), a base URL and hub URLs of different
 *   gateways, `retries.backoffBase` above `maxBackoffMs`, `keySource:
 *   keyring` (not implemented). {@link warnings} lists what is allowed but
 *   probably wrong (rate limits above the gateway's).
 * - {@link decode} has LIBRARY defaults: the token is kept in memory unless
 *   the input says `authentication.storage.type` (a library must not write a
 *   token file into the cwd). {@link decodeSeed} keeps the seed's defaults
 *   (the encrypted token file), as the daemon does.
 *
 * @example
 * ```ts
 * import { StackConfig } from "@tradeguard/runtime"
 *
 * const config = StackConfig.make({ api: { baseUrl: "https://gateway-api-demo.s2f.projectx.com" } })
 * config.signalr.hubs.userHubUrl // "https://gateway-rtc-demo.s2f.projectx.com/hubs/user"
 * config.authentication.storage.type // "memory"
 * ```
 *
 * @since 0.2.0
 */
import { Config as RealtimeConfig } from "@tradeguard/realtime"
import { Config as ResilienceConfig } from "@tradeguard/resilience"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Checks from "./internal/checks.js"
import * as HubUrlsFns from "./internal/hubUrls.js"

const { section } = ResilienceConfig

/**
 * The user and market hub URLs of the gateway whose REST root is `baseUrl`:
 * the `api` token of the host's first label becomes `rtc`
 * (`https://api.topstepx.com` -> `https://rtc.topstepx.com/hubs/user`), any
 * other host keeps the base URL's origin and path
 * (`http://127.0.0.1:5000` -> `http://127.0.0.1:5000/hubs/user`).
 *
 * @since 0.2.0
 */
export const hubUrls: (baseUrl: string) => HubUrlsFns.HubUrls = HubUrlsFns.hubUrls

/**
 * `signalr.hubs` as the input gives it: both URLs optional (derived from
 * `api.baseUrl` when absent), `connectTimeout` with its default.
 *
 * @since 0.2.0
 */
export const HubsInput = Schema.Struct({
  userHubUrl: Schema.optionalWith(RealtimeConfig.HubUrl, { exact: true }).annotations({ description: "The user hub (accounts, orders, positions, trades); absent: derived from `api.baseUrl` (`https://api.topstepx.com` gives `https://rtc.topstepx.com/hubs/user`). The default shown is the one derived from the default `api.baseUrl`." }),
  marketHubUrl: Schema.optionalWith(RealtimeConfig.HubUrl, { exact: true }).annotations({ description: "The market hub (quotes); absent: derived from `api.baseUrl` like `userHubUrl`." }),
  connectTimeout: RealtimeConfig.Hubs.fields.connectTimeout
})

/**
 * The `signalr` section with {@link HubsInput}.
 *
 * @since 0.2.0
 */
export const SignalRInput = Schema.Struct({ ...RealtimeConfig.SignalR.fields, hubs: section(HubsInput).annotations({ description: "tradeguard addition: where the hubs are (derived from `api.baseUrl` when absent) and how long a connect may take." }) })

/**
 * Every section as decoded: both hub URLs filled in.
 *
 * @since 0.2.0
 */
export const fields = { ...ResilienceConfig.ResilienceConfigSchema.fields, ...RealtimeConfig.RealtimeConfigSchema.fields }

/**
 * Every section as the input gives it: {@link fields}, the hub URLs optional.
 *
 * @since 0.2.0
 */
export const inputFields = { ...fields, signalr: section(SignalRInput).annotations({ description: "The realtime hubs (SignalR): reconnection, health checks, subscriptions, hub URLs." }) }

/** The part of a decoded input the hub derivation reads and fills. */
interface Unfilled {
  readonly api: { readonly baseUrl: string }
  readonly signalr: { readonly hubs: { readonly userHubUrl?: string; readonly marketHubUrl?: string } }
}

/** `c` with the hub URLs it leaves out derived from `api.baseUrl`. */
const fillHubs = <C extends Unfilled>(c: C): C => {
  const derived = hubUrls(c.api.baseUrl)
  const hubs = c.signalr.hubs
  return {
    ...c,
    signalr: {
      ...c.signalr,
      hubs: {
        ...hubs,
        userHubUrl: hubs.userHubUrl ?? derived.userHubUrl,
        marketHubUrl: hubs.marketHubUrl ?? derived.marketHubUrl
      }
    }
  }
}

/** `base` with `extra`'s keys replaced (a section of `extra` wins over one of the same name). */
type Merge<Base extends Schema.Struct.Fields, Extra extends Schema.Struct.Fields> = Omit<Base, keyof Extra> & Extra

/**
 * The stack's schema plus the sections of `extra` (an application's own,
 * e.g. apps/risk's `risk:`; a section of the same name replaces the stack's):
 * the hub URLs derived from `api.baseUrl` when absent, then the checks across
 * keys. Defaults are the seed's.
 *
 * @since 0.2.0
 */
export const extend = <Extra extends Schema.Struct.Fields>(extra: Extra): Schema.Schema<
  Schema.Struct.Type<Merge<typeof fields, Extra>>,
  Schema.Struct.Encoded<Merge<typeof inputFields, Extra>>,
  Schema.Struct.Context<Extra>
> => {
  const fromFields: Schema.Struct.Fields = { ...inputFields, ...extra }
  const toFields: Schema.Struct.Fields = { ...fields, ...extra }
  const filled = Schema.transform(Schema.Struct(fromFields), Schema.typeSchema(Schema.Struct(toFields)), {
    strict: false,
    decode: (c) => fillHubs(c as unknown as Unfilled),
    encode: (c) => c
  })
  return filled.pipe(Schema.filter((c) => Checks.errors(c as unknown as Checks.Checked))) as unknown as Schema.Schema<
    Schema.Struct.Type<Merge<typeof fields, Extra>>,
    Schema.Struct.Encoded<Merge<typeof inputFields, Extra>>,
    Schema.Struct.Context<Extra>
  >
}

/**
 * The whole stack: every section, hub URLs derived from `api.baseUrl` when
 * absent, the checks across keys. Defaults are the seed's (use
 * {@link decode} for the library's).
 *
 * @since 0.2.0
 */
export const StackConfigSchema = extend({})

/**
 * A decoded stack config: a `ResilienceConfigShape` and a
 * `RealtimeConfigShape` at once.
 *
 * @since 0.2.0
 */
export type StackConfig = typeof StackConfigSchema.Type

/**
 * What {@link decode} accepts: any part of the encoded config (every omitted
 * key gets its default).
 *
 * @since 0.2.0
 */
export type StackConfigInput = ResilienceConfig.DeepPartial<typeof StackConfigSchema.Encoded>

/**
 * The input is not a valid stack config: one problem per entry, each
 * `path: message` (e.g. `signalr.reconnection.delays[2]: Expected number, actual "x"`).
 *
 * @since 0.2.0
 */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return `invalid configuration\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

/**
 * `a.b[2].c: message` for every issue of a ParseError.
 *
 * @since 0.2.0
 */
export const formatProblems = (error: ParseResult.ParseError): Array<string> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join("")
    return `${path || "<root>"}: ${issue.message}`
  })

/**
 * Which defaults apply to what the input leaves out: `"library"` (the token
 * in memory) or `"seed"` (the seed's: an encrypted token file).
 *
 * @since 0.2.0
 */
export type Defaults = "library" | "seed"

/**
 * Options of {@link decode}.
 *
 * @since 0.2.0
 */
export interface DecodeOptions {
  /** Default `"library"`. */
  readonly defaults?: Defaults
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * `input` with `authentication.storage.type: memory` unless it says
 * otherwise (a part that is not an object is left for the schema to refuse).
 *
 * @since 0.2.0
 */
export const withLibraryDefaults = (input: unknown): unknown => {
  const root = input ?? {}
  if (!isRecord(root)) return root
  const authentication = root["authentication"] ?? {}
  if (!isRecord(authentication)) return root
  const storage = authentication["storage"] ?? {}
  if (!isRecord(storage) || storage["type"] !== undefined) return root
  return { ...root, authentication: { ...authentication, storage: { ...storage, type: "memory" } } }
}

/**
 * Decodes a stack config. Unknown keys are errors (a typo must not silently
 * fall back to a default); every problem is reported, each naming its path.
 * Library defaults unless `options.defaults` is `"seed"`.
 *
 * @since 0.2.0
 */
export const decode = (input: unknown, options: DecodeOptions = {}): Effect.Effect<StackConfig, ConfigError> =>
  Schema.decodeUnknown(StackConfigSchema, { onExcessProperty: "error", errors: "all" })(
    options.defaults === "seed" ? input ?? {} : withLibraryDefaults(input)
  ).pipe(Effect.mapError((e) => new ConfigError({ problems: formatProblems(e) })))

/**
 * {@link decode} with the seed's defaults (an encrypted token file), as the daemon decodes its `config.yaml`.
 *
 * @since 0.2.0
 */
export const decodeSeed = (input: unknown): Effect.Effect<StackConfig, ConfigError> => decode(input, { defaults: "seed" })

/**
 * {@link decode}, synchronously (library defaults): for tests and examples. Throws the ConfigError on invalid input.
 *
 * @since 0.2.0
 */
export const make = (input: StackConfigInput = {}): StackConfig => {
  const result = Effect.runSync(Effect.either(decode(input)))
  if (result._tag === "Left") throw result.left
  return result.right
}

/**
 * Both config tags from one decoded value.
 *
 * @since 0.2.0
 */
export const layerDecoded = (
  config: StackConfig
): Layer.Layer<ResilienceConfig.ResilienceConfig | RealtimeConfig.RealtimeConfig> =>
  Layer.merge(
    Layer.succeed(ResilienceConfig.ResilienceConfig, config),
    Layer.succeed(RealtimeConfig.RealtimeConfig, config)
  )

/**
 * Both config tags from one input (library defaults); an invalid input fails the layer with {@link ConfigError}.
 *
 * @since 0.2.0
 */
export const layer = (
  input: StackConfigInput = {}
): Layer.Layer<ResilienceConfig.ResilienceConfig | RealtimeConfig.RealtimeConfig, ConfigError> =>
  Layer.unwrapEffect(Effect.map(decode(input), layerDecoded))

/**
 * What is allowed but probably wrong, as `path: message` lines: a rate limit
 * that lets more requests through than the gateway's own limit (history
 * 50 / 30 s, general 200 / 60 s), which means 429s.
 *
 * @since 0.2.0
 */
export const warnings = (config: StackConfig): Array<string> => Checks.warnings(config).map(Checks.format)
