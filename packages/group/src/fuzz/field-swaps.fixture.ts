/**
 * Structured mutants: fields of one live message swapped in from another
 * (the encrypted_sender_data of one with the ciphertext of another, the
 * content of one with the signature or membership tag of another, …), and
 * re-encodings with another group id. Both messages are decoded, the result
 * re-encoded, so every mutant is well formed and gets past the codec.
 */
import { bytesEqual } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import type { FramedContent } from "../framing/framed-content.js";
import { type MLSMessageIn, decodeMlsMessage, encodeMlsMessage } from "../framing/mls-message.js";
import type { PrivateMessageIn } from "../framing/private-message.js";
import type { PublicMessageIn } from "../framing/public-message.js";
import type { Mutant } from "./byte-mutations.fixture.js";
import type { Prng } from "./prng.fixture.js";

function decodeOrUndefined(bytes: Uint8Array): MLSMessageIn | undefined {
  try {
    return decodeMlsMessage(bytes);
  } catch {
    return undefined;
  }
}

function encodeOrUndefined(m: MLSMessageIn): Uint8Array | undefined {
  try {
    return encodeMlsMessage(m);
  } catch {
    return undefined; // an inconsistent combination the encoder refuses (e.g. a commit without confirmation tag)
  }
}

const PRIVATE_FIELDS = ["groupId", "epoch", "contentType", "authenticatedData", "encryptedSenderData", "ciphertext"] as const;

/** Some (not all) of `h`'s PrivateMessage fields put into `g`. */
function swapPrivate(rng: Prng, g: PrivateMessageIn, h: PrivateMessageIn): { m: PrivateMessageIn; detail: string } {
  const take = PRIVATE_FIELDS.filter(() => rng.chance(0.4));
  if (take.length === 0) take.push(rng.pick(PRIVATE_FIELDS));
  if (take.length === PRIVATE_FIELDS.length) take.pop();
  const m: Record<string, unknown> = { ...g };
  for (const k of take) m[k] = h[k];
  return { m: m as unknown as PrivateMessageIn, detail: `private fields from the other: ${take.join(",")}` };
}

type PublicPart = "content" | "signature" | "confirmationTag" | "membershipTag" | "sender" | "authenticatedData" | "body" | "epoch" | "groupId";

/** One part of `h`'s PublicMessage put into `g`. */
function swapPublic(rng: Prng, g: PublicMessageIn, h: PublicMessageIn): { m: PublicMessageIn; detail: string } {
  const part = rng.pick<PublicPart>(["content", "signature", "confirmationTag", "membershipTag", "sender", "authenticatedData", "body", "epoch", "groupId"]);
  const c = g.content;
  const withContent = (content: FramedContent): PublicMessageIn => {
    // A commit's auth data carries a confirmation tag, other content none: keep the message encodable.
    const isCommit = content.contentType === 3;
    const tag = isCommit ? (g.auth.confirmationTag ?? h.auth.confirmationTag ?? new Uint8Array(32)) : undefined;
    return { ...g, content, auth: { signature: g.auth.signature, ...(tag !== undefined ? { confirmationTag: tag } : {}) } };
  };
  let m: PublicMessageIn;
  switch (part) {
    case "content":
      m = withContent(h.content);
      break;
    case "signature":
      m = { ...g, auth: { ...g.auth, signature: h.auth.signature } };
      break;
    case "confirmationTag":
      m =
        h.auth.confirmationTag !== undefined && g.auth.confirmationTag !== undefined
          ? { ...g, auth: { ...g.auth, confirmationTag: h.auth.confirmationTag } }
          : { ...g, auth: { ...g.auth, signature: h.auth.signature } };
      break;
    case "membershipTag":
      m = h.membershipTag !== undefined ? { ...g, membershipTag: h.membershipTag } : { ...g, auth: h.auth };
      break;
    case "sender":
      m = withContent({ ...c, sender: h.content.sender });
      break;
    case "authenticatedData":
      m = withContent({ ...c, authenticatedData: h.content.authenticatedData });
      break;
    case "body": {
      const { groupId, epoch, sender, authenticatedData } = c;
      m = withContent({ ...h.content, groupId, epoch, sender, authenticatedData });
      break;
    }
    case "epoch":
      m = withContent({ ...c, epoch: h.content.epoch });
      break;
    case "groupId":
      m = withContent({ ...c, groupId: h.content.groupId });
      break;
  }
  return { m, detail: `public part from the other: ${part}` };
}

/** `g` with fields of `h` (both PublicMessages or both PrivateMessages); undefined when they differ in wire format or the swap changes nothing. */
export function fieldSwap(rng: Prng, gBytes: Uint8Array, hBytes: Uint8Array): Mutant | undefined {
  const g = decodeOrUndefined(gBytes);
  const h = decodeOrUndefined(hBytes);
  if (g === undefined || h === undefined || g.wireFormat !== h.wireFormat) return undefined;
  let out: { m: MLSMessageIn; detail: string } | undefined;
  if (g.wireFormat === WireFormat.mls_private_message && h.wireFormat === WireFormat.mls_private_message) {
    const s = swapPrivate(rng, g.privateMessage, h.privateMessage);
    out = { m: { ...g, privateMessage: s.m }, detail: s.detail };
  } else if (g.wireFormat === WireFormat.mls_public_message && h.wireFormat === WireFormat.mls_public_message) {
    const s = swapPublic(rng, g.publicMessage, h.publicMessage);
    out = { m: { ...g, publicMessage: s.m }, detail: s.detail };
  }
  if (out === undefined) return undefined;
  const bytes = encodeOrUndefined(out.m);
  if (bytes === undefined || bytesEqual(bytes, gBytes) || bytesEqual(bytes, hBytes)) return undefined;
  return { bytes, detail: out.detail };
}

/** `bytes` re-encoded with another group id. */
export function withGroupId(rng: Prng, bytes: Uint8Array): Mutant | undefined {
  const m = decodeOrUndefined(bytes);
  if (m === undefined) return undefined;
  const current =
    m.wireFormat === WireFormat.mls_private_message ? m.privateMessage.groupId : m.wireFormat === WireFormat.mls_public_message ? m.publicMessage.content.groupId : undefined;
  if (current === undefined) return undefined;
  const kind = rng.pick(["flip", "empty", "random", "extended"] as const);
  let groupId: Uint8Array;
  if (kind === "flip" && current.length > 0) {
    groupId = current.slice();
    groupId[rng.int(groupId.length)]! ^= 1 << rng.int(8);
  } else if (kind === "empty") groupId = new Uint8Array(0);
  else if (kind === "extended") groupId = new Uint8Array([...current, 0]);
  else groupId = rng.bytes(rng.range(1, 40));
  const out: MLSMessageIn | undefined =
    m.wireFormat === WireFormat.mls_private_message
      ? { ...m, privateMessage: { ...m.privateMessage, groupId } }
      : m.wireFormat === WireFormat.mls_public_message
        ? { ...m, publicMessage: { ...m.publicMessage, content: { ...m.publicMessage.content, groupId } } }
        : undefined;
  const encoded = out === undefined ? undefined : encodeOrUndefined(out);
  if (encoded === undefined || bytesEqual(encoded, bytes)) return undefined;
  return { bytes: encoded, detail: `group_id ${kind}` };
}
