/** Pre-shared keys (RFC 9420 §8.4): PreSharedKeyID, PSKLabel and the psk_secret chain. */
import { type Codec, type Reader, type Writer, encode, opaque, struct, uint16, wipe } from "@mlskit/codec";
import { type CipherSuiteProvider, UsageError, ValidationError, expandWithLabel } from "@mlskit/core";

/** `PSKType` (RFC 9420 §8.4). */
export const PSKType = { external: 1, resumption: 2 } as const;
export type PSKTypeId = (typeof PSKType)[keyof typeof PSKType];

/** `ResumptionPSKUsage` (RFC 9420 §8.4). */
export const ResumptionPSKUsage = { application: 1, reinit: 2, branch: 3 } as const;
export type ResumptionPSKUsageId = (typeof ResumptionPSKUsage)[keyof typeof ResumptionPSKUsage];

/** A PreSharedKeyID with `psktype = external`: an application-provisioned PSK. */
export interface ExternalPreSharedKeyID {
  readonly psktype: typeof PSKType.external;
  readonly pskId: Uint8Array;
  readonly pskNonce: Uint8Array;
}

/** A PreSharedKeyID with `psktype = resumption`: the `resumption_psk` of an earlier epoch. */
export interface ResumptionPreSharedKeyID {
  readonly psktype: typeof PSKType.resumption;
  readonly usage: ResumptionPSKUsageId;
  readonly pskGroupId: Uint8Array;
  readonly pskEpoch: bigint;
  readonly pskNonce: Uint8Array;
}

/**
 * ```tls
 * struct {
 *   PSKType psktype;
 *   select (PreSharedKeyID.psktype) {
 *     case external:   opaque psk_id<V>;
 *     case resumption: ResumptionPSKUsage usage; opaque psk_group_id<V>; uint64 psk_epoch;
 *   };
 *   opaque psk_nonce<V>;
 * } PreSharedKeyID;
 * ```
 */
export type PreSharedKeyID = ExternalPreSharedKeyID | ResumptionPreSharedKeyID;

/** Codec for {@link PreSharedKeyID}; reserved or unknown `psktype`/`usage` values are malformed. */
export const preSharedKeyIdCodec: Codec<PreSharedKeyID> = {
  encode(w: Writer, id: PreSharedKeyID) {
    w.uint8(id.psktype);
    if (id.psktype === PSKType.external) {
      w.opaque(id.pskId);
    } else {
      w.uint8(id.usage);
      w.opaque(id.pskGroupId);
      w.uint64(id.pskEpoch);
    }
    w.opaque(id.pskNonce);
  },
  decode(r: Reader): PreSharedKeyID {
    const at = r.offset;
    const psktype = r.field("psktype", () => r.uint8());
    if (psktype === PSKType.external) {
      const pskId = r.field("pskId", () => opaque.decode(r));
      const pskNonce = r.field("pskNonce", () => opaque.decode(r));
      return { psktype, pskId, pskNonce };
    }
    if (psktype === PSKType.resumption) {
      const usageAt = r.offset;
      const usage = r.field("usage", () => r.uint8());
      if (usage !== 1 && usage !== 2 && usage !== 3) {
        r.fail("codec/invalid-value", `unknown ResumptionPSKUsage ${usage}`, usageAt);
      }
      const pskGroupId = r.field("pskGroupId", () => opaque.decode(r));
      const pskEpoch = r.field("pskEpoch", () => r.uint64());
      const pskNonce = r.field("pskNonce", () => opaque.decode(r));
      return { psktype, usage, pskGroupId, pskEpoch, pskNonce };
    }
    return r.fail("codec/invalid-value", `unknown PSKType ${psktype}`, at);
  },
};

/** `struct { PreSharedKeyID id; uint16 index; uint16 count; } PSKLabel;` (RFC 9420 §8.4). */
export interface PSKLabel {
  readonly id: PreSharedKeyID;
  readonly index: number;
  readonly count: number;
}

/** Codec for {@link PSKLabel}. */
export const pskLabelCodec: Codec<PSKLabel> = struct<PSKLabel>({ id: preSharedKeyIdCodec, index: uint16, count: uint16 });

/** One PSK to inject: its identifier and its value (`psk_[i]`). */
export interface PskInput {
  readonly id: PreSharedKeyID;
  readonly psk: Uint8Array;
}

/**
 * RFC 9420 §8.4: "the `psk_nonce` of its PreSharedKeyID MUST be set to a fresh
 * random value of length `KDF.Nh`". Receivers check the length with this.
 */
export function assertPskNonceLength(cs: CipherSuiteProvider, id: PreSharedKeyID): void {
  if (id.pskNonce.length !== cs.hashLength) {
    throw new ValidationError("psk/invalid-nonce-length", "8.4", `psk_nonce is ${id.pskNonce.length} bytes, expected KDF.Nh = ${cs.hashLength}`);
  }
}

/**
 * psk_secret (RFC 9420 §8.4), chaining the PSKs in the order given:
 * ```
 * psk_extracted_[i] = KDF.Extract(0, psk_[i])
 * psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
 * psk_secret_[0]    = 0
 * psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
 * ```
 * With no PSKs the result is the all-zero vector of length `KDF.Nh`. The
 * `psk` values are not modified; every intermediate is wiped.
 */
export async function derivePskSecret(cs: CipherSuiteProvider, psks: readonly PskInput[]): Promise<Uint8Array> {
  const nh = cs.hashLength;
  const count = psks.length;
  if (count > 0xffff) throw new UsageError("psk/too-many", `${count} PSKs do not fit PSKLabel.count (uint16)`);
  const zero = new Uint8Array(nh);
  // Each psk_input_[i] is independent of the chain, so derive them together.
  const inputs = await Promise.all(
    psks.map(async ({ id, psk }, index) => {
      const extracted = await cs.kdfExtract(zero, psk);
      try {
        return await expandWithLabel(cs, extracted, "derived psk", encode(pskLabelCodec, { id, index, count }), nh);
      } finally {
        wipe(extracted);
      }
    }),
  );
  let secret: Uint8Array = new Uint8Array(nh);
  try {
    for (const input of inputs) {
      const next = await cs.kdfExtract(input, secret);
      wipe(secret, input);
      secret = next;
    }
    return secret;
  } catch (e) {
    wipe(secret, ...inputs);
    throw e;
  }
}
