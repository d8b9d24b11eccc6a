/**
 * The checks of a decoded stack config that span several keys: errors (the
 * config is refused: StackConfig's schema, and so apps/risk's `config.yaml`)
 * and warnings (allowed but probably wrong: apps/risk's `config check` prints
 * them and exits 0). Each names the path it is about, like the schema's own
 * errors.
 *
 * @internal
 */
import { TokenStore } from "@tradeguard/resilience"

/** One finding: the key it is about and what is wrong with it. */
export interface Issue {
  readonly path: ReadonlyArray<string>
  readonly message: string
}

/** The part of the decoded config these checks read. */
export interface Checked {
  readonly api: { readonly baseUrl: string; readonly allowInsecure: boolean }
  readonly authentication: {
    readonly storage: { readonly type: string; readonly keySource: string; readonly keyEnv: string }
  }
  readonly errorHandling: {
    readonly retries: { readonly backoffBase: number; readonly maxBackoffMs: number }
    readonly rateLimit: {
      readonly history: Window
      readonly general: Window
    }
  }
  readonly signalr: { readonly hubs: { readonly userHubUrl: string; readonly marketHubUrl: string } }
}

/** A sliding window of a rate limit. */
export interface Window {
  readonly requests: number
  readonly windowSeconds: number
}

/** The TopstepX hosts (of the seed's default URLs). */
export const topstepx = { gatewayHost: "api.topstepx.com", hubHost: "rtc.topstepx.com" } as const

/** The gateway's own limits (the seed's values): a client budget above them means 429s. */
export const gatewayLimits = {
  history: { requests: 50, windowSeconds: 30 },
  general: { requests: 200, windowSeconds: 60 }
} as const

/** 127.0.0.0/8, ::1 or localhost (a URL's `hostname`: IPv6 in brackets). */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/\.$/, "")
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** `http://` or `ws://` to a host that is not loopback: a token sent there travels in clear. */
export const isPlaintextToRemote = (url: string): boolean => {
  const u = new URL(url)
  return (u.protocol === "http:" || u.protocol === "ws:") && !isLoopbackHost(u.hostname)
}

/**
 * The most calls a client limit of `client.requests` per `client.windowSeconds`
 * (a sliding window) lets through in any `seconds`: one window's worth if its
 * window is at least as long, otherwise one per window that fits.
 */
export const maxInWindow = (client: Window, seconds: number): number =>
  client.windowSeconds >= seconds ? client.requests : client.requests * Math.ceil(seconds / client.windowSeconds)

/** Whether `url` is on `host` (any scheme, port or path). */
export const isOnHost = (url: string, host: string): boolean => new URL(url).hostname.toLowerCase() === host

const urls = (c: Checked) => [
  { path: ["api", "baseUrl"], url: c.api.baseUrl },
  { path: ["signalr", "hubs", "userHubUrl"], url: c.signalr.hubs.userHubUrl },
  { path: ["signalr", "hubs", "marketHubUrl"], url: c.signalr.hubs.marketHubUrl }
]

/** Every reason to refuse the file (empty: valid). */
export const errors = (c: Checked): Array<Issue> => {
  const out: Array<Issue> = []
  if (!c.api.allowInsecure) {
    for (const { path, url } of urls(c)) {
      if (isPlaintextToRemote(url)) {
        out.push({
          path,
          message: `plaintext "${url}" to a host that is not loopback: the token would travel in clear ` +
            `(use https:// or wss://, or set api.allowInsecure: true)`
        })
      }
    }
  }
  const ownGateway = !isOnHost(c.api.baseUrl, topstepx.gatewayHost)
  for (const hub of urls(c).slice(1)) {
    const atTopstepx = isOnHost(hub.url, topstepx.hubHost)
    if (ownGateway && atTopstepx) {
      out.push({
        path: hub.path,
        message: `still the TopstepX hub while api.baseUrl is "${c.api.baseUrl}": a token for one gateway would go to ` +
          `another's hubs (set both hub URLs to the gateway's)`
      })
    } else if (!ownGateway && !atTopstepx) {
      out.push({
        path: hub.path,
        message: `"${hub.url}" is not a TopstepX hub while api.baseUrl is the TopstepX gateway: ` +
          `its token would go to another's hubs (set api.baseUrl too, or keep the TopstepX hub)`
      })
    }
  }
  const { backoffBase, maxBackoffMs } = c.errorHandling.retries
  if (backoffBase > maxBackoffMs) {
    out.push({
      path: ["errorHandling", "retries", "backoffBase"],
      message: `${backoffBase} is above maxBackoffMs (${maxBackoffMs}): the first retry would already wait longer than the cap`
    })
  }
  const problem = TokenStore.storageProblem(c.authentication.storage)
  if (problem !== undefined) out.push({ path: ["authentication", "storage", "keySource"], message: problem })
  return out
}

const overBudget = (path: ReadonlyArray<string>, client: Window, gateway: Window, note: string): Array<Issue> => {
  const most = maxInWindow(client, gateway.windowSeconds)
  return most <= gateway.requests ? [] : [{
    path,
    message: `${client.requests} per ${client.windowSeconds} s lets up to ${most} requests through in ` +
      `${gateway.windowSeconds} s, more than the gateway's ${gateway.requests} / ${gateway.windowSeconds} s${note}: ` +
      `expect 429s`
  }]
}

/** What is allowed but probably wrong (empty: nothing to say). */
export const warnings = (c: Checked): Array<Issue> => [
  ...overBudget(
    ["errorHandling", "rateLimit", "history"],
    c.errorHandling.rateLimit.history,
    gatewayLimits.history,
    " (the newest gateway documentation even says 30 / 30 s)"
  ),
  ...overBudget(["errorHandling", "rateLimit", "general"], c.errorHandling.rateLimit.general, gatewayLimits.general, "")
]

/** `a.b.c: message`. */
export const format = (issue: Issue): string => `${issue.path.join(".")}: ${issue.message}`
