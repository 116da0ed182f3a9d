/**
 * A crypto provider that records every AEAD seal in a file, so the whole
 * campaign's (key, nonce) pairs can be checked for reuse across crashes.
 */
import { appendFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** A short digest of bytes, enough to tell ciphertexts apart. */
export function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

/** One recorded seal: what the key log holds per line. */
export interface SealRecord {
  readonly key: string;
  readonly nonce: string;
  /** {@link digest} of the ciphertext: equal ciphertexts under one (key, nonce) mean equal plaintexts. */
  readonly ciphertext: string;
}

/** One line of the key log. */
function formatSeal(r: SealRecord): string {
  return `${r.key} ${r.nonce} ${r.ciphertext}\n`;
}

/** Parses a key log line; `undefined` for a torn last line (a kill in the middle of the append). */
export function parseSeal(line: string): SealRecord | undefined {
  const [key, nonce, ciphertext, extra] = line.split(" ");
  if (key === undefined || nonce === undefined || ciphertext?.length !== 32 || extra !== undefined) return undefined;
  return { key, nonce, ciphertext };
}

/**
 * `nobleCryptoProvider()` whose suites append each seal to `logPath` with a
 * synchronous write before the sealed bytes are handed to the caller: the
 * ciphertext cannot leave the process unrecorded, and SIGKILL keeps what
 * was written (it is in the page cache). A kill between the seal and the
 * append loses only the record of a ciphertext that never left either.
 */
export function recordingCrypto(logPath: string): CryptoProvider {
  const inner = nobleCryptoProvider();
  const suites = new Map<number, Promise<CipherSuiteProvider>>();
  const wrap = async (id: Parameters<CryptoProvider["cipherSuite"]>[0]): Promise<CipherSuiteProvider> => {
    const cs = await inner.cipherSuite(id);
    const seal = async (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array> => {
      // Hex first: callers wipe keys once the seal returns.
      const keyHex = hex(key);
      const nonceHex = hex(nonce);
      const ct = await cs.aeadSeal(key, nonce, aad, pt);
      appendFileSync(logPath, formatSeal({ key: keyHex, nonce: nonceHex, ciphertext: digest(ct) }));
      return ct;
    };
    // A Proxy, not Object.create: the inner suite's methods may use private fields, so they run bound to it.
    return new Proxy(cs, {
      get(target, prop) {
        if (prop === "aeadSeal") return seal;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return {
    name: `recording(${inner.name})`,
    supportedCipherSuites: () => inner.supportedCipherSuites(),
    cipherSuite(id) {
      let cs = suites.get(id);
      if (cs === undefined) suites.set(id, (cs = wrap(id)));
      return cs;
    },
  };
}
