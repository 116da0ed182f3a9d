/**
 * The wire format of history sharing (issue 16, "History and key sharing"),
 * in the TLS presentation language of RFC 9420 §2.1. Version 2 (branch-aware):
 *
 * ```tls
 * struct {
 *     uint64 epoch;
 *     opaque branch<V>;             // the epoch's confirmed transcript hash
 * } HistoryEpochId;
 *
 * struct {
 *     uint16 version = 2;
 *     CipherSuite cipher_suite;
 *     opaque group_id<V>;
 *     uint64 first_epoch;
 *     uint64 last_epoch;
 *     opaque recipient<V>;          // the recipient's KeyPackageRef (RFC 9420 §5.2)
 *     uint64 sender_epoch;          // the epoch whose tree holds the sender's leaf
 *     uint32 sender_leaf;
 *     HistoryEpochId epochs<V>;     // exactly the epochs the payload holds
 * } HistoryBundleHeader;
 *
 * struct {
 *     HistoryBundleHeader header;
 *     HPKECiphertext payload;       // EncryptWithLabel(init_key, "mlskit history bundle", header, HistoryPayload)
 *     opaque signature<V>;          // SignWithLabel(., "mlskit history bundle", HistoryBundleTBS)
 * } HistoryBundle;
 *
 * struct {
 *     HistoryBundleHeader header;
 *     HPKECiphertext payload;
 * } HistoryBundleTBS;
 *
 * struct {
 *     uint16 version = 2;
 *     opaque epochs<V>;             // a list of opaque past_epoch<V>: the
 *                                   // past-epoch record of @mlskit/group
 *                                   // (past-epoch-codec.ts), its secret tree
 *                                   // cut to the senders in scope
 * } HistoryPayload;
 * ```
 *
 * The header is the HPKE context (so the ciphertext cannot be moved under
 * another header) and is signed with the ciphertext (so the recipient,
 * group, range, sender and branches cannot be changed). After a fork two
 * branches have epochs of the same number; the branch of each shared epoch
 * is its confirmed transcript hash (RFC 9420 §8.2), which every member of
 * that branch computes alike. The recipient checks that each record of the
 * payload is the epoch and branch the signed header names, so a bundle made
 * for one branch never carries keys of another. Version 1 bundles (no
 * branches) are refused.
 */
import { type Codec, CodecError, type Reader, Writer, decode, opaque, vector } from "@mlskit/codec";
import { ValidationError } from "@mlskit/core";

/** The format version this code writes and reads. */
export const HISTORY_BUNDLE_VERSION = 2;
/** The label of the bundle's HPKE encryption and signature (SignWithLabel prefixes "MLS 1.0 "). */
export const HISTORY_LABEL = "mlskit history bundle";

/** The clear part of a history bundle. */
export interface HistoryBundleHeader {
  readonly version: number;
  readonly cipherSuite: number;
  readonly groupId: Uint8Array;
  readonly firstEpoch: bigint;
  readonly lastEpoch: bigint;
  readonly recipient: Uint8Array;
  readonly senderEpoch: bigint;
  readonly senderLeaf: number;
  /** The (epoch, branch) of each record of the payload: the branch is the epoch's confirmed transcript hash. */
  readonly epochs: readonly HistoryEpochId[];
}

/** One epoch of one branch. */
interface HistoryEpochId {
  readonly epoch: bigint;
  readonly branch: Uint8Array;
}

const epochIdCodec: Codec<HistoryEpochId> = {
  encode(w, e) {
    w.uint64(e.epoch);
    w.opaque(e.branch);
  },
  decode(r) {
    return { epoch: r.uint64(), branch: opaque.decode(r) };
  },
};
const epochIdsCodec = vector(epochIdCodec);

/** A decoded history bundle. */
export interface HistoryBundle {
  readonly header: HistoryBundleHeader;
  readonly payload: { readonly kemOutput: Uint8Array; readonly ciphertext: Uint8Array };
  readonly signature: Uint8Array;
}

function writeHeader(w: Writer, h: HistoryBundleHeader): void {
  w.uint16(h.version);
  w.uint16(h.cipherSuite);
  w.opaque(h.groupId);
  w.uint64(h.firstEpoch);
  w.uint64(h.lastEpoch);
  w.opaque(h.recipient);
  w.uint64(h.senderEpoch);
  w.uint32(h.senderLeaf);
  epochIdsCodec.encode(w, [...h.epochs]);
}

function readHeader(r: Reader): HistoryBundleHeader {
  const at = r.offset;
  const version = r.field("version", () => r.uint16());
  if (version !== HISTORY_BUNDLE_VERSION) r.fail("codec/invalid-value", `history bundle version ${version}, this code reads ${HISTORY_BUNDLE_VERSION}`, at);
  return {
    version,
    cipherSuite: r.field("cipher_suite", () => r.uint16()),
    groupId: r.field("group_id", () => opaque.decode(r)),
    firstEpoch: r.field("first_epoch", () => r.uint64()),
    lastEpoch: r.field("last_epoch", () => r.uint64()),
    recipient: r.field("recipient", () => opaque.decode(r)),
    senderEpoch: r.field("sender_epoch", () => r.uint64()),
    senderLeaf: r.field("sender_leaf", () => r.uint32()),
    epochs: r.field("epochs", () => epochIdsCodec.decode(r)),
  };
}

/** The encoded header: the HPKE context of the payload. */
export function encodeHistoryHeader(h: HistoryBundleHeader): Uint8Array {
  const w = new Writer(128);
  writeHeader(w, h);
  return w.finish();
}

/** The signed part of a bundle (everything but the signature). */
export function encodeHistoryTbs(b: Omit<HistoryBundle, "signature">): Uint8Array {
  const w = new Writer(256 + b.payload.ciphertext.length);
  writeHeader(w, b.header);
  w.opaque(b.payload.kemOutput);
  w.opaque(b.payload.ciphertext);
  return w.finish();
}

const bundleCodec: Codec<HistoryBundle> = {
  encode(w, b) {
    writeHeader(w, b.header);
    w.opaque(b.payload.kemOutput);
    w.opaque(b.payload.ciphertext);
    w.opaque(b.signature);
  },
  decode(r) {
    const header = r.field("header", () => readHeader(r));
    const kemOutput = r.field("kem_output", () => opaque.decode(r));
    const ciphertext = r.field("ciphertext", () => opaque.decode(r));
    return { header, payload: { kemOutput, ciphertext }, signature: r.field("signature", () => opaque.decode(r)) };
  },
};

/** Encodes a bundle. */
export function encodeHistoryBundle(b: HistoryBundle): Uint8Array {
  const w = new Writer(512 + b.payload.ciphertext.length);
  bundleCodec.encode(w, b);
  return w.finish();
}

/**
 * Decodes a bundle.
 * @throws ValidationError `history/invalid-bundle` for malformed bytes or another version.
 */
export function decodeHistoryBundle(bytes: Uint8Array): HistoryBundle {
  try {
    return decode(bundleCodec, bytes, "HistoryBundle");
  } catch (e) {
    if (CodecError.isInstance(e)) throw new ValidationError("history/invalid-bundle", "5.1.3", `not a history bundle: ${e.message}`, { cause: e });
    throw e;
  }
}

const epochsCodec = vector(opaque);

/** Encodes the payload: the past-epoch records shared. */
export function encodeHistoryPayload(epochs: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(1024);
  w.uint16(HISTORY_BUNDLE_VERSION);
  epochsCodec.encode(w, [...epochs]);
  return w.finish();
}

/**
 * Decodes a payload.
 * @throws ValidationError `history/invalid-bundle` for malformed bytes or another version.
 */
export function decodeHistoryPayload(bytes: Uint8Array): Uint8Array[] {
  try {
    return decode(
      {
        encode: () => undefined,
        decode(r) {
          const at = r.offset;
          const version = r.uint16();
          if (version !== HISTORY_BUNDLE_VERSION) r.fail("codec/invalid-value", `history payload version ${version}`, at);
          return r.field("epochs", () => epochsCodec.decode(r));
        },
      },
      bytes,
      "HistoryPayload",
    );
  } catch (e) {
    if (CodecError.isInstance(e)) throw new ValidationError("history/invalid-bundle", "5.1.3", `the history payload is malformed: ${e.message}`, { cause: e });
    throw e;
  }
}
