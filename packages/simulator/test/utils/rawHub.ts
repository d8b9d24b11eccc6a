/**
 * A raw WebSocket hub client for the integration tests: sends and reads the
 * JSON hub protocol frame by frame (no SignalR library), and keeps the
 * WebSocket messages as they arrived to check framing.
 */
import { HubProtocol } from "@tradeguard/gateway"
import WebSocket from "ws"

export class RawHub {
  /** Every WebSocket message as received (frames not split). */
  readonly messages: Array<string> = []
  private frames: Array<string> = []
  private readonly reader = new HubProtocol.FrameReader()
  private waiters: Array<() => void> = []
  closed: { code: number; reason: string } | undefined

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = String(data)
      this.messages.push(text)
      this.frames.push(...this.reader.push(text))
      this.wake()
    })
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) }
      this.wake()
    })
  }

  private wake() {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Opens the WebSocket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<RawHub> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers })
      const hub = new RawHub(ws)
      ws.once("open", () => resolve(hub))
      ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`status ${res.statusCode}`))
        ws.terminate()
      })
      ws.once("error", (e) => reject(e))
    })
  }

  /** Opens and completes the handshake. */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<RawHub> {
    const hub = await RawHub.open(url, headers)
    hub.sendRaw(HubProtocol.encodeHandshakeRequest())
    const reply = await hub.next()
    if (reply !== "{}") throw new Error(`handshake failed: ${reply}`)
    return hub
  }

  sendRaw(text: string) {
    this.ws.send(text)
  }

  send(message: HubProtocol.HubMessage) {
    this.ws.send(HubProtocol.encodeMessage(message))
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** The next frame (without separator); rejects when the socket closes first. No timer: the test's timeout bounds it. */
  async next(): Promise<string> {
    while (this.frames.length === 0) {
      if (this.closed !== undefined) throw new Error(`closed: ${this.closed.code}`)
      await this.wait()
    }
    return this.frames.shift()!
  }

  /** The next decoded message that satisfies `pred` (others are skipped). */
  async nextWhere(pred: (m: HubProtocol.HubMessage) => boolean): Promise<HubProtocol.HubMessage> {
    while (true) {
      const m = JSON.parse(await this.next()) as HubProtocol.HubMessage
      if (pred(m)) return m
    }
  }

  /** Waits for the socket to close. */
  async closedWith(): Promise<{ code: number; reason: string }> {
    while (this.closed === undefined) await this.wait()
    return this.closed
  }

  close() {
    this.ws.terminate()
  }
}
