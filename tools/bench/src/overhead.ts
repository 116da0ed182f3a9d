/**
 * Provider overhead (issue: the WebCrypto provider's Ed25519 sign and verify
 * must reach at least 80% of calling crypto.subtle directly with a key that is
 * already imported). Both sides are measured in the same process, alternately.
 */
import type { CryptoProvider } from "@mlskit/core";
import { concurrentRate, fmt, printTable, rate } from "./measure.js";

export async function benchProviderOverhead(webcrypto: CryptoProvider, budgetMs: number): Promise<boolean> {
  const subtle = globalThis.crypto.subtle;
  const cs = await webcrypto.cipherSuite(1);
  const kp = await cs.signatureGenerateKeyPair();
  const msg = new Uint8Array(64).fill(1);
  const sig = await cs.sign(kp.privateKey, msg);

  const pkcs8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...kp.privateKey]);
  const privKey = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  const pubKey = await subtle.importKey("raw", Uint8Array.from(kp.publicKey), { name: "Ed25519" }, false, ["verify"]);
  if (!(await subtle.verify({ name: "Ed25519" }, pubKey, Uint8Array.from(sig), msg))) throw new Error("provider signature does not verify with raw subtle");

  const rawSign = () => subtle.sign({ name: "Ed25519" }, privKey, msg);
  const sigBuf = Uint8Array.from(sig);
  const rawVerify = () => subtle.verify({ name: "Ed25519" }, pubKey, sigBuf, msg);
  const provSign = () => cs.sign(kp.privateKey, msg);
  const provVerify = () => cs.verify(kp.publicKey, msg, sig);

  // Alternate the measurements twice and keep the best of each, to damp machine noise.
  const best = async (f: () => Promise<number>) => Math.max(await f(), await f());
  const rows: [string, number, number][] = [];
  rows.push(["Ed25519 sign (sequential)", await best(() => rate(rawSign, budgetMs)), await best(() => rate(provSign, budgetMs))]);
  rows.push(["Ed25519 verify (sequential)", await best(() => rate(rawVerify, budgetMs)), await best(() => rate(provVerify, budgetMs))]);
  rows.push(["Ed25519 sign (256 concurrent)", await best(() => concurrentRate(rawSign, 256, budgetMs)), await best(() => concurrentRate(provSign, 256, budgetMs))]);
  rows.push(["Ed25519 verify (256 concurrent)", await best(() => concurrentRate(rawVerify, 256, budgetMs)), await best(() => concurrentRate(provVerify, 256, budgetMs))]);

  printTable(
    "WebCrypto provider overhead, suite 0x0001 (ops/s; target: provider >= 80% of raw subtle with an imported key)",
    ["operation", "raw subtle", "provider", "ratio"],
    rows.map(([name, raw, prov]) => [name, fmt(raw), fmt(prov), `${((prov / raw) * 100).toFixed(0)}%`]),
  );
  return rows.every(([, raw, prov]) => prov / raw >= 0.8);
}
