/**
 * `@mlskit/hpke/conformance`: RFC 9180 Appendix A test vectors as
 * framework-free checks, so every primitive source's test file can run them
 * (`for (const c of hpkeVectorChecks(src, vectors)) it(c.name, c.run)`).
 * @packageDocumentation
 */
import { bytesEqual, fromHex, toHex } from "@mlskit/codec";
import { UsageError } from "@mlskit/core";
import { aeadName, kdfName, kemKdfId, kemName } from "./algorithms.js";
import { HpkeContext } from "./context.js";
import { encapWithKeyPair, type Dhkem } from "./dhkem.js";
import { EXPORT_ONLY_AEAD, EXPORT_ONLY_AEAD_ID, HpkeSuite, keyScheduleBase } from "./key-schedule.js";
import type { PrimitiveSource } from "./primitives.js";
import type { PqKem } from "./pq-kem.js";
import { openBase, receiveExport } from "./single-shot.js";

/** One RFC 9180 Appendix A test, with bytes as hex (the shape of `rfc9180-hpke.json`). */
export interface HpkeTestVector {
  readonly mode: number;
  readonly kem_id: number;
  readonly kdf_id: number;
  readonly aead_id: number;
  readonly info: string;
  readonly ikmE: string;
  readonly pkEm: string;
  readonly skEm: string;
  readonly ikmR: string;
  readonly pkRm: string;
  readonly skRm: string;
  readonly enc: string;
  readonly shared_secret: string;
  readonly key: string;
  readonly base_nonce: string;
  readonly exporter_secret: string;
  readonly encryptions: readonly { readonly seq: number; readonly pt: string; readonly aad: string; readonly nonce: string; readonly ct: string }[];
  readonly exports: readonly { readonly exporter_context: string; readonly L: number; readonly exported_value: string }[];
}

/** One check: `run` throws an Error describing the first mismatch; `skip` says why it cannot run. */
export interface HpkeVectorCheck {
  readonly name: string;
  readonly skip?: string;
  run(): Promise<void>;
}

const noop = (): Promise<void> => Promise.resolve();

/** A human name for a vector's algorithm combination. */
export function hpkeVectorName(v: Pick<HpkeTestVector, "mode" | "kem_id" | "kdf_id" | "aead_id">): string {
  return `mode ${v.mode}: ${kemName(v.kem_id)}, ${kdfName(v.kdf_id)}, ${aeadName(v.aead_id)}`;
}

/**
 * One check per vector. Each verifies, through `source`'s primitives and this
 * package's RFC 9180 code: DeriveKeyPair(ikmE/ikmR) → skEm/pkEm/skRm/pkRm;
 * Encap with that ephemeral key → enc and shared_secret; Decap (with and
 * without pkR) → shared_secret; the key schedule → key, base_nonce,
 * exporter_secret; a sender context sealing every sequence number up to the
 * largest listed → each listed ct, and a recipient context opening all of them
 * in order; single-shot OpenBase of the seq-0 ciphertext; every export from
 * both contexts and from single-shot ReceiveExport. Vectors for algorithms
 * `source` lacks come back with `skip`; a vector of another mode than Base
 * is refused (UsageError `hpke/unsupported-mode`).
 */
export function hpkeVectorChecks(source: PrimitiveSource, vectors: readonly HpkeTestVector[]): HpkeVectorCheck[] {
  const seen = new Map<string, number>();
  return vectors.map((v) => {
    let name = hpkeVectorName(v);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n > 1) name += ` #${n}`;
    // This package implements Base mode only, as MLS uses (RFC 9420 §5.1.3); the vector file holds Base mode only.
    if (v.mode !== 0) throw new UsageError("hpke/unsupported-mode", `${name}: only Base-mode (mode 0) vectors can be checked`);
    const dh = source.dh(v.kem_id);
    const kemKdf = source.kdf(kemKdfId(v.kem_id) ?? -1);
    const kdf = source.kdf(v.kdf_id);
    const aead = v.aead_id === EXPORT_ONLY_AEAD_ID ? EXPORT_ONLY_AEAD : source.aead(v.aead_id);
    const missing: string[] = [];
    if (!dh) missing.push(kemName(v.kem_id));
    if (!kemKdf) missing.push(kdfName(kemKdfId(v.kem_id) ?? -1));
    if (!kdf) missing.push(kdfName(v.kdf_id));
    if (!aead) missing.push(aeadName(v.aead_id));
    if (!dh || !kemKdf || !kdf || !aead) {
      return { name, skip: `${source.name} lacks ${[...new Set(missing)].join(", ")}`, run: noop };
    }
    return {
      name,
      run: () => runVector(name, new HpkeSuite({ dh, kemKdf, kdf, aead, randomBytes: (len) => source.randomBytes(len) }), v),
    };
  });
}

async function runVector(name: string, suite: HpkeSuite, v: HpkeTestVector): Promise<void> {
  const expect = (field: string, got: Uint8Array, want: string): void => {
    const w = fromHex(want);
    if (!bytesEqual(got, w)) throw new Error(`${name}: ${field} mismatch\n  expected ${want}\n  got      ${toHex(got)}`);
  };
  const info = fromHex(v.info);

  // DeriveKeyPair (RFC 9180 §7.1.3).
  const e = await suite.kem.deriveKeyPair(fromHex(v.ikmE));
  expect("skEm", e.privateKey, v.skEm);
  expect("pkEm", e.publicKey, v.pkEm);
  const r = await suite.kem.deriveKeyPair(fromHex(v.ikmR));
  expect("skRm", r.privateKey, v.skRm);
  expect("pkRm", r.publicKey, v.pkRm);

  // Encap / Decap (RFC 9180 §4.1).
  const encap = await encapWithKeyPair(suite.kem as Dhkem, r.publicKey, e.privateKey, e.publicKey);
  expect("enc", encap.enc, v.enc);
  expect("shared_secret (Encap)", encap.sharedSecret, v.shared_secret);
  expect("shared_secret (Decap)", await suite.kem.decap(encap.enc, r.privateKey), v.shared_secret);
  expect("shared_secret (Decap with pkR)", await suite.kem.decap(encap.enc, r.privateKey, r.publicKey), v.shared_secret);

  // KeySchedule (RFC 9180 §5.1).
  const ks = await keyScheduleBase(suite, encap.sharedSecret, info);
  expect("key", ks.key, v.key);
  expect("base_nonce", ks.baseNonce, v.base_nonce);
  expect("exporter_secret", ks.exporterSecret, v.exporter_secret);
  const sender = new HpkeContext(suite, "sender", ks);
  const recipient = new HpkeContext(suite, "recipient", await keyScheduleBase(suite, encap.sharedSecret, info));

  // Encryptions (RFC 9180 §5.2): seal every sequence number in order.
  if (v.encryptions.length > 0) {
    const bySeq = new Map(v.encryptions.map((x) => [x.seq, x]));
    const last = Math.max(...bySeq.keys());
    const filler = new Uint8Array(0);
    for (let seq = 0; seq <= last; seq++) {
      const x = bySeq.get(seq);
      const aad = x ? fromHex(x.aad) : filler;
      const pt = x ? fromHex(x.pt) : filler;
      if (sender.sequence !== seq) throw new Error(`${name}: sender sequence is ${sender.sequence}, expected ${seq}`);
      const ct = await sender.seal(aad, pt);
      if (x) expect(`ct (seq ${seq})`, ct, x.ct);
      const opened = await recipient.open(aad, ct);
      if (!bytesEqual(opened, pt)) throw new Error(`${name}: open (seq ${seq}) did not return the plaintext`);
    }
    // Single-shot OpenBase (RFC 9180 §6.1) of the seq-0 message.
    const first = bySeq.get(0);
    if (first) {
      const pt = await openBase(suite, encap.enc, r.privateKey, info, fromHex(first.aad), fromHex(first.ct));
      expect("OpenBase plaintext", pt, first.pt);
    }
  } else if (!suite.exportOnly) {
    throw new Error(`${name}: vector lists no encryptions`);
  }

  // Exports (RFC 9180 §5.3, §6.2).
  for (const x of v.exports) {
    const ctx = fromHex(x.exporter_context);
    expect(`export "${x.exporter_context}" (sender)`, await sender.export(ctx, x.L), x.exported_value);
    expect(`export "${x.exporter_context}" (recipient)`, await recipient.export(ctx, x.L), x.exported_value);
    expect(`ReceiveExport "${x.exporter_context}"`, await receiveExport(suite, encap.enc, r.privateKey, info, ctx, x.L, r.publicKey), x.exported_value);
  }
  sender.dispose();
  recipient.dispose();
}

/** One draft-ietf-hpke-pq-05 Appendix A vector: no ephemeral key pair, `ikmE` is EncapsDerand's randomness. */
export type HpkePqTestVector = Omit<HpkeTestVector, "pkEm" | "skEm">;

/**
 * One check per draft-ietf-hpke-pq-05 vector (ML-KEM and the PQ/T hybrids),
 * through `source`'s `KemPrimitive` and this package's HPKE:
 * DeriveKeyPair(ikmR) (SHAKE256.LabeledDerive) → skRm/pkRm; EncapsDerand(pkR,
 * ikmE) → enc and shared_secret; Decap → shared_secret; the key schedule,
 * every listed encryption and export as for {@link hpkeVectorChecks}.
 */
export function hpkePqVectorChecks(source: PrimitiveSource, vectors: readonly HpkePqTestVector[]): HpkeVectorCheck[] {
  return vectors.map((v) => {
    const name = hpkeVectorName(v);
    if (v.mode !== 0) throw new UsageError("hpke/unsupported-mode", `${name}: only Base-mode (mode 0) vectors can be checked`);
    const kem = source.kem?.(v.kem_id);
    const kdf = source.kdf(v.kdf_id);
    const aead = source.aead(v.aead_id);
    if (!kem || !kdf || !aead) {
      const missing = [!kem && kemName(v.kem_id), !kdf && kdfName(v.kdf_id), !aead && aeadName(v.aead_id)].filter(Boolean);
      return { name, skip: `${source.name} lacks ${missing.join(", ")}`, run: noop };
    }
    return {
      name,
      run: async () => {
        const suite = new HpkeSuite({ kem, kdf, aead, randomBytes: (len) => source.randomBytes(len) });
        const pq = suite.kem as PqKem;
        const expect = (field: string, got: Uint8Array, want: string): void => {
          if (!bytesEqual(got, fromHex(want))) throw new Error(`${name}: ${field} mismatch\n  expected ${want}\n  got      ${toHex(got)}`);
        };
        const r = await pq.deriveKeyPair(fromHex(v.ikmR));
        expect("skRm", r.privateKey, v.skRm);
        expect("pkRm", r.publicKey, v.pkRm);
        const encap = await pq.encapDerand(r.publicKey, fromHex(v.ikmE));
        expect("enc", encap.enc, v.enc);
        expect("shared_secret (Encap)", encap.sharedSecret, v.shared_secret);
        expect("shared_secret (Decap)", await pq.decap(encap.enc, r.privateKey), v.shared_secret);
        const info = fromHex(v.info);
        const ks = await keyScheduleBase(suite, encap.sharedSecret, info);
        expect("key", ks.key, v.key);
        expect("base_nonce", ks.baseNonce, v.base_nonce);
        expect("exporter_secret", ks.exporterSecret, v.exporter_secret);
        const sender = new HpkeContext(suite, "sender", ks);
        const bySeq = new Map(v.encryptions.map((x) => [x.seq, x]));
        const last = v.encryptions.length === 0 ? -1 : Math.max(...bySeq.keys());
        for (let seq = 0; seq <= last; seq++) {
          const x = bySeq.get(seq);
          const ct = await sender.seal(x ? fromHex(x.aad) : new Uint8Array(0), x ? fromHex(x.pt) : new Uint8Array(0));
          if (x) expect(`ct (seq ${seq})`, ct, x.ct);
        }
        const first = bySeq.get(0);
        if (first) expect("OpenBase plaintext", await openBase(suite, fromHex(v.enc), r.privateKey, info, fromHex(first.aad), fromHex(first.ct)), first.pt);
        for (const x of v.exports) {
          const ctx = fromHex(x.exporter_context);
          expect(`export "${x.exporter_context}"`, await sender.export(ctx, x.L), x.exported_value);
          expect(`ReceiveExport "${x.exporter_context}"`, await receiveExport(suite, fromHex(v.enc), r.privateKey, info, ctx, x.L), x.exported_value);
        }
        sender.dispose();
      },
    };
  });
}
