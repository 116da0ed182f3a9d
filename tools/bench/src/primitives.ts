/**
 * Primitive throughput per provider and cipher suite: the floor later protocol
 * work is measured against. One await at a time, on one logical thread.
 * HMAC and HKDF-Expand use a fresh key each call, as MLS does (every ratchet
 * step and epoch secret is a new key).
 */
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { fmt, printTable, rate } from "./measure.js";

const KIB = new Uint8Array(1024).fill(7);
/** A short HKDF info / MAC input, the size of an MLS KDFLabel for a ratchet step. */
const SHORT = new Uint8Array(24).fill(3);

interface SuiteRates {
  sign: number;
  verify: number;
  hpkeSeal: number;
  hpkeOpen: number;
  aeadSeal: number;
  aeadOpen: number;
  hash: number;
  hmac: number;
  hkdfExpand: number;
  sigKeyGen: number;
  hpkeKeyGen: number;
}

async function measureSuite(cs: CipherSuiteProvider, budgetMs: number): Promise<SuiteRates> {
  const sig = await cs.signatureGenerateKeyPair();
  const msg = KIB.subarray(0, 64);
  const signature = await cs.sign(sig.privateKey, msg);
  const kem = await cs.hpkeGenerateKeyPair();
  const info = new Uint8Array(16);
  const aad = new Uint8Array(0);
  const sealed = await cs.hpkeSeal(kem.publicKey, info, aad, KIB);
  const key = cs.randomBytes(cs.aeadKeyLength);
  const nonce = cs.randomBytes(cs.aeadNonceLength);
  const ct = await cs.aeadSeal(key, nonce, aad, KIB);
  return {
    sign: await rate(() => cs.sign(sig.privateKey, msg), budgetMs),
    verify: await rate(() => cs.verify(sig.publicKey, msg, signature), budgetMs),
    hpkeSeal: await rate(() => cs.hpkeSeal(kem.publicKey, info, aad, KIB), budgetMs),
    hpkeOpen: await rate(() => cs.hpkeOpen(sealed, kem.privateKey, info, aad, kem.publicKey), budgetMs),
    aeadSeal: await rate(() => cs.aeadSeal(key, nonce, aad, KIB), budgetMs),
    aeadOpen: await rate(() => cs.aeadOpen(key, nonce, aad, ct), budgetMs),
    hash: await rate(() => cs.hash(KIB), budgetMs),
    hmac: await rate(() => cs.mac(cs.randomBytes(cs.hashLength), SHORT), budgetMs),
    hkdfExpand: await rate(() => cs.kdfExpand(cs.randomBytes(cs.hashLength), SHORT, 32), budgetMs),
    sigKeyGen: await rate(() => cs.signatureGenerateKeyPair(), budgetMs),
    hpkeKeyGen: await rate(() => cs.hpkeGenerateKeyPair(), budgetMs),
  };
}

const COLUMNS: readonly [keyof SuiteRates, string][] = [
  ["sign", "sign"],
  ["verify", "verify"],
  ["hpkeSeal", "hpke seal"],
  ["hpkeOpen", "hpke open"],
  ["aeadSeal", "aead seal"],
  ["aeadOpen", "aead open"],
  ["hash", "hash"],
  ["hmac", "hmac"],
  ["hkdfExpand", "hkdf expand"],
  ["sigKeyGen", "sig keygen"],
  ["hpkeKeyGen", "hpke keygen"],
];

const hex4 = (id: number): string => `0x${id.toString(16).padStart(4, "0")}`;

/**
 * Prints one table per provider (a row per suite, a column per primitive,
 * ops/s), then the suites all providers serve side by side: a row per
 * primitive, a column per provider.
 */
export async function benchPrimitives(providers: CryptoProvider[], budgetMs: number): Promise<void> {
  const results = new Map<CryptoProvider, Map<number, SuiteRates>>();
  for (const p of providers) {
    const bySuite = new Map<number, SuiteRates>();
    results.set(p, bySuite);
    const rows: string[][] = [];
    for (const id of await p.supportedCipherSuites()) {
      const cs = await p.cipherSuite(id);
      const r = await measureSuite(cs, budgetMs);
      bySuite.set(id, r);
      rows.push([hex4(id), ...COLUMNS.map(([k]) => fmt(r[k]))]);
    }
    printTable(
      `Primitives, provider "${p.name}" (ops/s, one await at a time; AEAD, HPKE and hash over 1 KiB; ` + `HMAC and HKDF-Expand (32 bytes) of a short input under a fresh key)`,
      ["suite", ...COLUMNS.map(([, h]) => h)],
      rows,
    );
  }
  const common = [...(results.get(providers[0]!)?.keys() ?? [])].filter((id) => providers.every((p) => results.get(p)!.has(id)));
  for (const id of common.slice(0, 1)) {
    printTable(
      `Providers side by side, suite ${hex4(id)} (ops/s)`,
      ["primitive", ...providers.map((p) => p.name)],
      COLUMNS.map(([k, h]) => [h, ...providers.map((p) => fmt(results.get(p)!.get(id)![k]))]),
    );
  }
}
