/**
 * A typed, seeded fault plan. Every rule is optional; `{}` is a healthy
 * gateway. REST rules: added latency, a share of 5xx replies, bursts of 429,
 * and "apply the mutation, then drop the reply". Hub rules are declared here
 * so that one plan (one JSON file) describes a whole scenario; the hub server
 * enforces them.
 *
 * Randomness comes from one PRNG seeded with `seed` (or the simulator's seed)
 * and re-seeded whenever the plan is set: the same plan and the same request
 * sequence give the same faults. `count` caps how often a rule fires.
 *
 * @since 0.1.0
 */
import { Endpoints } from "@tradeguard/gateway"
import * as Schema from "effect/Schema"

/** A probability in [0, 1]. */
export const Probability = Schema.Number.pipe(Schema.between(0, 1), Schema.annotations({ identifier: "Probability" }))
const Millis = Schema.Number.pipe(Schema.nonNegative(), Schema.annotations({ identifier: "Millis" }))
const Count = Schema.Int.pipe(Schema.positive(), Schema.annotations({ identifier: "Count" }))

/** A name of the endpoint table (`orderPlace`, `accountSearch`, ...). */
export const EndpointName = Schema.Literal(...(Object.keys(Endpoints.all) as Array<Endpoints.EndpointName>))
/** The endpoints that change state. */
export const MutatingEndpointName = Schema.Literal(
  "orderPlace",
  "orderCancel",
  "orderModify",
  "positionCloseContract",
  "positionPartialCloseContract"
)

/** Added latency, uniform in [minMillis, maxMillis], on a share of requests (all by default). */
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
 */
export const DropReply = Schema.Struct({
  probability: Probability,
  endpoints: Schema.optional(Schema.Array(MutatingEndpointName)),
  count: Schema.optional(Count)
})

/** Which hub a hub rule applies to (both when absent). */
export const HubName = Schema.Literal("user", "market")

/** Hub faults (enforced by the hub server). */
export const HubFaults = Schema.Struct({
  hubs: Schema.optional(Schema.Array(HubName)),
  /** Close a connection abruptly, per event sent. */
  dropConnection: Schema.optional(Schema.Struct({ probability: Probability, count: Schema.optional(Count) })),
  /** Stop sending anything (events and pings) for a while, per event sent. */
  stallConnection: Schema.optional(
    Schema.Struct({ probability: Probability, durationMillis: Millis, count: Schema.optional(Count) })
  ),
  /** Lose single events. */
  loseEvents: Schema.optional(Schema.Struct({ probability: Probability, count: Schema.optional(Count) })),
  /** Deliver events late (order kept). */
  delayEvents: Schema.optional(
    Schema.Struct({ probability: Probability, minMillis: Millis, maxMillis: Schema.optional(Millis) })
  ),
  /** Refuse new connections (handshake fails) for a while after a drop, or with a share. */
  refuseReconnect: Schema.optional(
    Schema.Struct({
      probability: Probability,
      durationMillis: Schema.optional(Millis),
      count: Schema.optional(Count)
    })
  )
})

export const FaultPlan = Schema.Struct({
  /** Seeds the plan's PRNG (default: the simulator's seed). */
  seed: Schema.optional(Schema.Int),
  latency: Schema.optional(Latency),
  serverErrors: Schema.optional(ServerErrors),
  rateLimitBursts: Schema.optional(RateLimitBursts),
  dropReply: Schema.optional(DropReply),
  hub: Schema.optional(HubFaults)
}).annotations({ identifier: "FaultPlan" })
export type FaultPlan = typeof FaultPlan.Type

/** No faults. */
export const none: FaultPlan = {}

/** Decodes a plan from unknown input (e.g. parsed JSON). */
export const decodeUnknown = Schema.decodeUnknown(FaultPlan, { onExcessProperty: "error" })
/** Decodes a plan from a JSON string. */
export const decodeJson = Schema.decodeUnknown(Schema.parseJson(FaultPlan), { onExcessProperty: "error" })
