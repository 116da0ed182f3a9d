/** `GroupInfo` and `GroupInfoTBS` (RFC 9420 §12.4.3), with the GroupInfo signature. */
import { type Codec, type Reader, Writer, opaque } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, extensionsCodec, signWithLabel, verifyWithLabel } from "@mlskit/core";
import { type GroupContext, groupContextCodec } from "@mlskit/key-schedule";
import type { LeafIndex } from "@mlskit/ratchet-tree";

/**
 * ```tls
 * struct {
 *     GroupContext group_context;
 *     Extension extensions<V>;
 *     MAC confirmation_tag;
 *     uint32 signer;
 *     // SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
 *     opaque signature<V>;
 * } GroupInfo;
 * ```
 */
export interface GroupInfo {
  readonly groupContext: GroupContext;
  readonly extensions: readonly Extension[];
  readonly confirmationTag: Uint8Array;
  readonly signer: LeafIndex;
  readonly signature: Uint8Array;
}

/** `GroupInfoTBS`: every field of GroupInfo above `signature`. */
export type GroupInfoTBS = Omit<GroupInfo, "signature">;

/** The signature label of GroupInfoTBS (§12.4.3, §17.6). */
export const GROUP_INFO_TBS_LABEL = "GroupInfoTBS";

function encodeTbs(w: Writer, v: GroupInfoTBS): void {
  groupContextCodec.encode(w, v.groupContext);
  extensionsCodec.encode(w, v.extensions as Extension[]);
  w.opaque(v.confirmationTag);
  w.uint32(v.signer);
}

/** Codec for {@link GroupInfo}. */
export const groupInfoCodec: Codec<GroupInfo> = {
  encode(w, v) {
    encodeTbs(w, v);
    w.opaque(v.signature);
  },
  decode(r: Reader): GroupInfo {
    const groupContext = r.field("group_context", () => groupContextCodec.decode(r));
    const extensions = r.field("extensions", () => extensionsCodec.decode(r));
    const confirmationTag = r.field("confirmation_tag", () => opaque.decode(r));
    const signer = r.field("signer", () => r.uint32()) as LeafIndex;
    const signature = r.field("signature", () => opaque.decode(r));
    return { groupContext, extensions, confirmationTag, signer, signature };
  },
};

/** Encodes GroupInfoTBS (§12.4.3). */
export function encodeGroupInfoTbs(tbs: GroupInfoTBS): Uint8Array {
  const w = new Writer(512);
  encodeTbs(w, tbs);
  return w.finish();
}

/** Signs GroupInfoTBS with SignWithLabel(., "GroupInfoTBS", .) and returns the GroupInfo (§12.4.3). */
export async function signGroupInfo(cs: CipherSuiteProvider, signaturePrivateKey: Uint8Array, tbs: GroupInfoTBS): Promise<GroupInfo> {
  const signature = await signWithLabel(cs, signaturePrivateKey, GROUP_INFO_TBS_LABEL, encodeGroupInfoTbs(tbs));
  return { ...tbs, signature };
}

/**
 * Verifies a GroupInfo's signature with `publicKey`, the signature key of
 * the leaf at `signer` in the group's tree (§12.4.3.1: new members "MUST
 * verify the signature using the public key taken from the leaf node of the
 * ratchet tree with leaf index signer").
 */
export function verifyGroupInfoSignature(cs: CipherSuiteProvider, publicKey: Uint8Array, gi: GroupInfo): Promise<boolean> {
  return verifyWithLabel(cs, publicKey, GROUP_INFO_TBS_LABEL, encodeGroupInfoTbs(gi), gi.signature);
}
