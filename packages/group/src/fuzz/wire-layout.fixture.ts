/**
 * Where the fields of an MLSMessage carrying a PublicMessage or a
 * PrivateMessage lie in its bytes (RFC 9420 §6, §6.2, §6.3), so that the
 * fuzz can change bytes at structure boundaries, rewrite length prefixes and
 * splice the header of one message onto the body of another.
 */
import { Reader } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { ContentType } from "../framing/content-type.js";
import { decodeFramedContentAuthData } from "../framing/framed-content-auth-data.js";
import { decodeContentBody } from "../framing/framed-content.js";
import { SenderType } from "../framing/sender.js";

/** One field: its bytes are [start, end); `prefix` is the [start, end) of its varint length, for opaque fields. */
export interface WireField {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly prefix?: { readonly start: number; readonly end: number };
}

export interface WireLayout {
  readonly wireFormat: number;
  readonly fields: readonly WireField[];
  /** False when the bytes did not parse to the end (a layout of what did). */
  readonly complete: boolean;
}

/** The field named `name`, if the layout has it. */
export function fieldOf(layout: WireLayout, name: string): WireField | undefined {
  return layout.fields.find((f) => f.name === name);
}

/** The fields of `bytes`, as far as they parse. */
export function layoutOf(bytes: Uint8Array): WireLayout {
  const fields: WireField[] = [];
  const r = new Reader(bytes);
  const fixed = (name: string, read: () => unknown) => {
    const start = r.offset;
    read();
    fields.push({ name, start, end: r.offset });
  };
  const opaque = (name: string) => {
    const ps = r.offset;
    const n = r.varint();
    const pe = r.offset;
    r.bytes(n);
    fields.push({ name, start: pe, end: r.offset, prefix: { start: ps, end: pe } });
  };
  let wireFormat = -1;
  try {
    fixed("version", () => r.uint16());
    const wfStart = r.offset;
    wireFormat = r.uint16();
    fields.push({ name: "wire_format", start: wfStart, end: r.offset });
    if (wireFormat === WireFormat.mls_private_message) {
      opaque("group_id");
      fixed("epoch", () => r.uint64());
      fixed("content_type", () => r.uint8());
      opaque("authenticated_data");
      opaque("encrypted_sender_data");
      opaque("ciphertext");
    } else if (wireFormat === WireFormat.mls_public_message) {
      opaque("group_id");
      fixed("epoch", () => r.uint64());
      const stStart = r.offset;
      const senderType = r.uint8();
      fields.push({ name: "sender_type", start: stStart, end: r.offset });
      if (senderType === SenderType.member || senderType === SenderType.external) fixed("sender_index", () => r.uint32());
      opaque("authenticated_data");
      const ctStart = r.offset;
      const contentType = r.uint8();
      fields.push({ name: "content_type", start: ctStart, end: r.offset });
      if (contentType !== ContentType.application && contentType !== ContentType.proposal && contentType !== ContentType.commit) {
        return { wireFormat, fields, complete: false };
      }
      fixed("body", () => decodeContentBody(r, contentType));
      const authStart = r.offset;
      const auth = decodeFramedContentAuthData(r, contentType);
      // Re-read the auth data for the positions of its opaque fields.
      const ar = new Reader(bytes.subarray(authStart));
      const sigPrefixEnd = authStart + lengthOfVarint(ar);
      fields.push({ name: "signature", start: sigPrefixEnd, end: sigPrefixEnd + auth.signature.length, prefix: { start: authStart, end: sigPrefixEnd } });
      if (auth.confirmationTag !== undefined) {
        const ts = sigPrefixEnd + auth.signature.length;
        const tr = new Reader(bytes.subarray(ts));
        const te = ts + lengthOfVarint(tr);
        fields.push({ name: "confirmation_tag", start: te, end: te + auth.confirmationTag.length, prefix: { start: ts, end: te } });
      }
      if (senderType === SenderType.member) opaque("membership_tag");
    } else {
      return { wireFormat, fields, complete: false };
    }
    return { wireFormat, fields, complete: r.remaining === 0 };
  } catch {
    return { wireFormat, fields, complete: false };
  }
}

function lengthOfVarint(r: Reader): number {
  r.varint();
  return r.offset;
}
