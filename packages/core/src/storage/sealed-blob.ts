/**
 * The format of a blob sealed at rest by {@link encryptedStore}:
 *
 * ```
 * format (1 byte, 0x01) | key id (uint32, big-endian) | nonce | AEAD ciphertext and tag
 * ```
 *
 * The nonce is AEAD.Nn bytes for a key given as bytes (sealed with the
 * suite's AEAD), 12 for an `AtRestCipher` (AES-GCM); the key id tells which.
 *
 * The associated data binds the blob to where it is stored, so a blob copied
 * or moved to another row does not open: a label, the 5-byte header, the
 * kind of record, the id it is stored under (group id, KeyPackageRef or PSK
 * id, length-prefixed), the epoch (the group's, or the past epoch's; 0 for
 * the other kinds) and the KeyPackage's last-resort flag.
 * @internal
 */
import { utf8 } from "@mlskit/codec";
import { CryptoError, StorageError } from "../errors.js";
import type { KeyCipher } from "./at-rest-cipher.js";

/** What a sealed blob is, part of its associated data. */
export const BlobKind = { Client: 1, GroupState: 2, PastEpoch: 3, KeyPackage: 4, Psk: 5 } as const;
export type BlobKind = (typeof BlobKind)[keyof typeof BlobKind];

/** Where a blob is stored: what its associated data binds it to. */
export interface BlobPlace {
  readonly kind: BlobKind;
  /** The id the row is stored under (empty for the client record). */
  readonly id: Uint8Array;
  /** The group's epoch (state), the record's epoch (past epoch), else 0. */
  readonly epoch: bigint;
  /** The KeyPackage's last-resort flag, stored in the clear beside it. */
  readonly lastResort?: boolean;
}

const FORMAT = 0x01;
const HEADER = 5;
const LABEL = utf8("mlskit storage at rest v1");

function associatedData(header: Uint8Array, place: BlobPlace): Uint8Array {
  const out = new Uint8Array(LABEL.length + HEADER + 1 + 4 + place.id.length + 8 + 1);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(LABEL, at);
  at += LABEL.length;
  out.set(header, at);
  at += HEADER;
  out[at++] = place.kind;
  view.setUint32(at, place.id.length);
  at += 4;
  out.set(place.id, at);
  at += place.id.length;
  view.setBigUint64(at, place.epoch);
  at += 8;
  out[at] = place.lastResort === true ? 1 : 0;
  return out;
}

/** Seals `plaintext` for `place` under the key `keyId` with a fresh random nonce from `randomBytes`. */
export async function sealBlob(randomBytes: (n: number) => Uint8Array, keyId: number, key: KeyCipher, place: BlobPlace, plaintext: Uint8Array): Promise<Uint8Array> {
  const header = new Uint8Array(HEADER);
  header[0] = FORMAT;
  new DataView(header.buffer).setUint32(1, keyId);
  const nonce = randomBytes(key.nonceLength);
  const ct = await key.cipher.seal(nonce, associatedData(header, place), plaintext);
  const out = new Uint8Array(HEADER + nonce.length + ct.length);
  out.set(header, 0);
  out.set(nonce, HEADER);
  out.set(ct, HEADER + nonce.length);
  return out;
}

/** The id of the key a sealed blob names, or `undefined` when it is too short or of another format. */
export function sealedKeyId(sealed: Uint8Array): number | undefined {
  if (sealed.length < HEADER || sealed[0] !== FORMAT) return undefined;
  return new DataView(sealed.buffer, sealed.byteOffset, HEADER).getUint32(1);
}

/**
 * Opens a blob sealed for `place`.
 * @throws StorageError `storage/corrupt` when it is malformed, names a key
 *   not in `keys`, or does not authenticate (tampered, or moved from
 *   another place: the cipher's {@link CryptoError} `crypto/aead-open` as
 *   `cause`). Any other failure of the cipher passes through.
 */
export async function openBlob(keys: ReadonlyMap<number, KeyCipher>, place: BlobPlace, sealed: Uint8Array, what: string): Promise<Uint8Array> {
  const keyId = sealedKeyId(sealed);
  if (keyId === undefined) throw new StorageError("storage/corrupt", `encrypted store: ${what} is not a sealed blob`);
  const key = keys.get(keyId);
  if (key === undefined)
    throw new StorageError("storage/corrupt", `encrypted store: ${what} is sealed under key ${keyId}, which is not in the key list (retired before rotate() finished?)`);
  if (sealed.length < HEADER + key.nonceLength) throw new StorageError("storage/corrupt", `encrypted store: ${what} is not a sealed blob (too short)`);
  const nonce = sealed.subarray(HEADER, HEADER + key.nonceLength);
  try {
    return await key.cipher.open(nonce, associatedData(sealed.subarray(0, HEADER), place), sealed.subarray(HEADER + key.nonceLength));
  } catch (cause) {
    if (!CryptoError.isInstance(cause) || cause.code !== "crypto/aead-open") throw cause;
    throw new StorageError("storage/corrupt", `encrypted store: ${what} does not authenticate (damaged, or moved from another row)`, { cause });
  }
}
