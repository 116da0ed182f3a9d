/**
 * Primitive throughput per provider and cipher suite: the floor later protocol
 * work is measured against. One await at a time, on one logical thread.
 */
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { fmt, printTable, rate } from "./measure.js";

const KIB = new Uint8Array(1024).fill(7);

interface SuiteRates {
  sign: number;
  verify: number;
  hpkeSeal: number;
  hpkeOpen: number;
  aeadSeal: number;
  aeadOpen: number;
  hash: number;
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
    sigKeyGen: await rate(() => cs.signatureGenerateKeyPair(), budgetMs),
    hpkeKeyGen: await rate(() => cs.hpkeGenerateKeyPair(), budgetMs),
  };
}

/** Prints one table per provider: a row per suite, a column per primitive (ops/s). */
export async function benchPrimitives(providers: CryptoProvider[], budgetMs: number): Promise<void> {
  for (const p of providers) {
    const rows: string[][] = [];
    for (const id of await p.supportedCipherSuites()) {
      const cs = await p.cipherSuite(id);
      const r = await measureSuite(cs, budgetMs);
      rows.push([
        `0x${id.toString(16).padStart(4, "0")}`,
        fmt(r.sign),
        fmt(r.verify),
        fmt(r.hpkeSeal),
        fmt(r.hpkeOpen),
        fmt(r.aeadSeal),
        fmt(r.aeadOpen),
        fmt(r.hash),
        fmt(r.sigKeyGen),
        fmt(r.hpkeKeyGen),
      ]);
    }
    printTable(
      `Primitives, provider "${p.name}" (ops/s, one await at a time; AEAD, HPKE and hash over 1 KiB)`,
      ["suite", "sign", "verify", "hpke seal", "hpke open", "aead seal", "aead open", "hash", "sig keygen", "hpke keygen"],
      rows,
    );
  }
}
