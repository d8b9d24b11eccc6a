/**
 * AES-256-GCM sealing of the token file. Layout:
 * `magic "TGT1" (4) | iv (12) | auth tag (16) | ciphertext`, the magic bound
 * as additional authenticated data. A fresh random IV per seal.
 *
 * @internal
 */
import * as crypto from "node:crypto"

const MAGIC = Buffer.from("TGT1", "latin1")
const IV_BYTES = 12
const TAG_BYTES = 16
const HEADER = MAGIC.length + IV_BYTES + TAG_BYTES

export type OpenFailure = { readonly reason: "Corrupt" | "Decrypt"; readonly detail: string }

/** Encrypts `plaintext` with a 32-byte key. */
export const seal = (key: Uint8Array, plaintext: Uint8Array): Buffer => {
  const iv = crypto.randomBytes(IV_BYTES)
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(MAGIC)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body])
}

/** Decrypts and authenticates a sealed blob; never returns unauthenticated bytes. */
export const open = (key: Uint8Array, blob: Uint8Array): { readonly ok: Buffer } | OpenFailure => {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  if (buf.length <= HEADER) return { reason: "Corrupt", detail: `file too short (${buf.length} bytes)` }
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return { reason: "Corrupt", detail: "not a token file (bad magic)" }
  const iv = buf.subarray(MAGIC.length, MAGIC.length + IV_BYTES)
  const tag = buf.subarray(MAGIC.length + IV_BYTES, HEADER)
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(MAGIC)
    decipher.setAuthTag(tag)
    return { ok: Buffer.concat([decipher.update(buf.subarray(HEADER)), decipher.final()]) }
  } catch {
    return { reason: "Decrypt", detail: "authentication failed: wrong key, or the file was truncated or tampered with" }
  }
}

/**
 * A 32-byte key from its text form: 64 hex characters, or base64 / base64url
 * of 32 bytes. `undefined` when it is neither.
 */
export const parseKey = (text: string): Buffer | undefined => {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex")
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined
  const bytes = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64")
  return bytes.length === 32 ? bytes : undefined
}

/** A fresh random key as 64 hex characters (for `tradeguard` set-up and tests). */
export const generateKeyHex = (): string => crypto.randomBytes(32).toString("hex")
