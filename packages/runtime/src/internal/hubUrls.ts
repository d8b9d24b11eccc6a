/**
 * Where a gateway's hubs are, from its REST base URL (pure).
 *
 * The ProjectX gateways serve REST and the hubs on sibling hosts: the `api`
 * token of the host's first label becomes `rtc` (`api.topstepx.com` ->
 * `rtc.topstepx.com`, `gateway-api-demo.s2f.projectx.com` ->
 * `gateway-rtc-demo.s2f.projectx.com`), the hubs at `/hubs/user` and
 * `/hubs/market` there. Any other host (the simulator, a proxy, loopback)
 * serves its hubs under the base URL itself: its origin and path plus
 * `/hubs/...`.
 *
 * @internal
 */

/** The two hub URLs of one gateway. */
export interface HubUrls {
  readonly userHubUrl: string
  readonly marketHubUrl: string
}

/**
 * The host with its first label's `api` token (`api`, `api-x`, `x-api`,
 * `x-api-y`) replaced by `rtc`, or `undefined` when it has none. A host of one
 * label only (`api`, `localhost`) is a local name, not a gateway's: undefined.
 */
export const rtcHost = (hostname: string): string | undefined => {
  const labels = hostname.split(".")
  if (labels.length < 2) return undefined
  const tokens = labels[0]!.split("-")
  if (!tokens.includes("api")) return undefined
  return [tokens.map((t) => (t === "api" ? "rtc" : t)).join("-"), ...labels.slice(1)].join(".")
}

/** The user and market hub URLs of the gateway whose REST root is `baseUrl` (an absolute http(s) URL). */
export const hubUrls = (baseUrl: string): HubUrls => {
  const url = new URL(baseUrl)
  const rtc = rtcHost(url.hostname)
  const root = rtc === undefined
    ? `${url.origin}${url.pathname.replace(/\/+$/, "")}`
    : `${url.protocol}//${rtc}${url.port === "" ? "" : `:${url.port}`}`
  return { userHubUrl: `${root}/hubs/user`, marketHubUrl: `${root}/hubs/market` }
}
