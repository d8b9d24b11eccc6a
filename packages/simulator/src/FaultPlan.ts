/**
 * A typed, seeded fault plan. Every rule is optional; `{}` is a healthy
 * gateway. REST rules: added latency, a share of 5xx replies, bursts of 429,
 * and "apply the mutation, then drop the reply". Hub rules (`hub`: dropped,
 * stalled and refused connections, lost and delayed events, token expiry)
 * live in the same plan, so one JSON file describes a whole scenario; the hub
 * server enforces them.
 *
 * Randomness comes from one PRNG seeded with `seed` (or the simulator's seed)
 * and re-seeded whenever the plan is set: the same plan and the same request
 * sequence give the same faults. `count` caps how often a rule fires.
 *
 * @since 0.1.0
 */
import { Endpoints } from "@tradeguard/gateway"
import * as Schema from "effect/Schema"

/**
 * A probability in [0, 1].
 *
 * @since 0.1.0
 */
export const Probability = Schema.Number.pipe(Schema.between(0, 1), Schema.annotations({ identifier: "Probability" }))
const Millis = Schema.Number.pipe(Schema.nonNegative(), Schema.annotations({ identifier: "Millis" }))
const Count = Schema.Int.pipe(Schema.positive(), Schema.annotations({ identifier: "Count" }))

/**
 * A name of the endpoint table (`orderPlace`, `accountSearch`, ...).
 *
 * @since 0.1.0
 */
export const EndpointName = Schema.Literal(...(Object.keys(Endpoints.all) as Array<Endpoints.EndpointName>))
/**
 * The endpoints that change state.
 *
 * @since 0.1.0
 */
export const MutatingEndpointName = Schema.Literal(
  "orderPlace",
  "orderCancel",
  "orderModify",
  "positionCloseContract",
  "positionPartialCloseContract"
)

/**
 * Added latency, uniform in [minMillis, maxMillis], on a share of requests (all by default).
 *
 * @since 0.1.0
 */
export const Latency = Schema.Struct({
  minMillis: Millis,
  maxMillis: Schema.optional(Millis),
  probability: Schema.optional(Probability),
  endpoints: Schema.optional(Schema.Array(EndpointName))
})

/**
 * A share of 5xx replies. Before the endpoint runs by default; with
 * `afterApply` a mutating endpoint runs first (the change is made) and then
 * answers 5xx.
 *
 * @since 0.1.0
 */
export const ServerErrors = Schema.Struct({
  probability: Probability,
  status: Schema.optional(Schema.Literal(500, 502, 503, 504)),
  afterApply: Schema.optional(Schema.Boolean),
  endpoints: Schema.optional(Schema.Array(EndpointName)),
  count: Schema.optional(Count)
})

/**
 * Bursts of 429: a request starts a burst with `probability`; for
 * `durationMillis` every matching request gets 429 with Retry-After
 * (`retryAfterSeconds`, or the time left in the burst). `count` caps bursts.
 *
 * @since 0.1.0
 */
export const RateLimitBursts = Schema.Struct({
  probability: Probability,
  durationMillis: Millis,
  retryAfterSeconds: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  endpoints: Schema.optional(Schema.Array(EndpointName)),
  count: Schema.optional(Count)
})

/**
 * Apply the mutation, then drop the reply: in-process the client sees a
 * transport failure, over a socket the connection is destroyed. Either way
 * GatewayClient reports OutcomeUnknown although the change was made.
 *
 * @since 0.1.0
 */
export const DropReply = Schema.Struct({
  probability: Probability,
  endpoints: Schema.optional(Schema.Array(MutatingEndpointName)),
  count: Schema.optional(Count)
})

/**
 * Which hub a hub rule applies to (both when absent).
 *
 * @since 0.1.0
 */
export const HubName = Schema.Literal("user", "market")

/**
 * Hub faults, enforced by the hub server (`Hubs`) on WebSocket and in-process
 * connections alike. The per-event rules are drawn for every event about to be
 * sent on a connection (invocations, not pings or completions), in the order
 * drop, stall, lose, delay, from the plan's own hub PRNG.
 *
 * @since 0.1.0
 */
export const HubFaults = Schema.Struct({
  /** The hubs the rules apply to (both when absent). */
  hubs: Schema.optional(Schema.Array(HubName)),
  /**
   * Per event sent: end the connection instead of sending it. Abruptly (the
   * socket breaks, no Close message) unless `closeFrame` is true: then a Close
   * message (type 7) with `error` comes first.
   */
  dropConnection: Schema.optional(Schema.Struct({
    probability: Probability,
    count: Schema.optional(Count),
    closeFrame: Schema.optional(Schema.Boolean),
    error: Schema.optional(Schema.String)
  })),
  /**
   * Per event sent: stop sending anything (events, completions and pings) for
   * `durationMillis`, or until the connection ends when absent. What was held
   * back is sent when the stall ends.
   */
  stallConnection: Schema.optional(
    Schema.Struct({ probability: Probability, durationMillis: Schema.optional(Millis), count: Schema.optional(Count) })
  ),
  /** Per event sent: lose it. */
  loseEvents: Schema.optional(Schema.Struct({ probability: Probability, count: Schema.optional(Count) })),
  /** Per event sent: send it `minMillis..maxMillis` late (order kept: the events behind it wait too). */
  delayEvents: Schema.optional(
    Schema.Struct({
      probability: Probability,
      minMillis: Millis,
      maxMillis: Schema.optional(Millis),
      count: Schema.optional(Count)
    })
  ),
  /**
   * Refuse connection attempts at the upgrade with HTTP `status` (503 by
   * default, or 401). Each attempt is refused with `probability`; with
   * `durationMillis` a refusal opens a window in which every attempt is
   * refused. With `afterDrop`, only attempts in the `durationMillis` after a
   * dropped connection (by this plan or `Hubs.drop`) are candidates. `count`
   * caps how often the rule fires (a window counts once).
   */
  refuseReconnect: Schema.optional(
    Schema.Struct({
      probability: Probability,
      durationMillis: Schema.optional(Millis),
      count: Schema.optional(Count),
      status: Schema.optional(Schema.Literal(401, 503)),
      afterDrop: Schema.optional(Schema.Boolean)
    })
  ),
  /**
   * Close connections whose token expires (or is expired by
   * `/admin/expireTokens`) with a Close message. Default true; false keeps
   * them open, as a gateway that checks the token only at connect would.
   */
  closeOnTokenExpiry: Schema.optional(Schema.Boolean)
})
/**
 * The decoded type of {@link HubFaults}.
 *
 * @since 0.1.0
 */
export type HubFaults = typeof HubFaults.Type

/**
 * A fault plan: latency, errors, rate limits and hub faults to inject, seeded.
 *
 * @since 0.1.0
 */
export const FaultPlan = Schema.Struct({
  /** Seeds the plan's PRNG (default: the simulator's seed). */
  seed: Schema.optional(Schema.Int),
  latency: Schema.optional(Latency),
  serverErrors: Schema.optional(ServerErrors),
  rateLimitBursts: Schema.optional(RateLimitBursts),
  dropReply: Schema.optional(DropReply),
  hub: Schema.optional(HubFaults)
}).annotations({ identifier: "FaultPlan" })
/**
 * The decoded fault plan.
 *
 * @since 0.1.0
 */
export type FaultPlan = typeof FaultPlan.Type

/**
 * No faults.
 *
 * @since 0.1.0
 */
export const none: FaultPlan = {}

/**
 * Decodes a plan from unknown input (e.g. parsed JSON).
 *
 * @since 0.1.0
 */
export const decodeUnknown = Schema.decodeUnknown(FaultPlan, { onExcessProperty: "error" })
/**
 * Decodes a plan from a JSON string.
 *
 * @since 0.1.0
 */
export const decodeJson = Schema.decodeUnknown(Schema.parseJson(FaultPlan), { onExcessProperty: "error" })
