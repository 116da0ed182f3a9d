/**
 * messages.json: every serialized struct decodes and re-encodes to the same
 * bytes. Codec only, so it runs once (no provider involved).
 */
import { afterAll, describe, expect, it } from "vitest";
import { type Codec, decode, encode, toHex } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { ratchetTreeCodec } from "@mlskit/ratchet-tree";
import { type MessagesVector, framingVectors, hex, vectorReport } from "@mlskit/test-vectors";
import { commitCodec } from "../commit/commit.js";
import { ContentType } from "./content-type.js";
import { type MLSMessageIn, decodeMlsMessage, mlsMessageCodec, peekPrivateMessageHeader } from "./mls-message.js";
import { addCodec, externalInitCodec, groupContextExtensionsCodec, preSharedKeyCodec, reInitCodec, removeCodec, updateCodec } from "../proposals/proposal.js";
import { groupSecretsCodec } from "../welcome/welcome.js";

const fields: { [K in keyof MessagesVector]: Codec<unknown> } = {
  mls_welcome: mlsMessageCodec as Codec<unknown>,
  mls_group_info: mlsMessageCodec as Codec<unknown>,
  mls_key_package: mlsMessageCodec as Codec<unknown>,
  ratchet_tree: ratchetTreeCodec as Codec<unknown>,
  group_secrets: groupSecretsCodec as Codec<unknown>,
  add_proposal: addCodec as Codec<unknown>,
  update_proposal: updateCodec as Codec<unknown>,
  remove_proposal: removeCodec as Codec<unknown>,
  pre_shared_key_proposal: preSharedKeyCodec as Codec<unknown>,
  re_init_proposal: reInitCodec as Codec<unknown>,
  external_init_proposal: externalInitCodec as Codec<unknown>,
  group_context_extensions_proposal: groupContextExtensionsCodec as Codec<unknown>,
  commit: commitCodec as Codec<unknown>,
  public_message_application: mlsMessageCodec as Codec<unknown>,
  public_message_proposal: mlsMessageCodec as Codec<unknown>,
  public_message_commit: mlsMessageCodec as Codec<unknown>,
  private_message: mlsMessageCodec as Codec<unknown>,
};

function expectMls(bytes: string, wireFormat: number, contentType?: number): MLSMessageIn {
  const m = decodeMlsMessage(hex(bytes));
  expect(m.wireFormat).toBe(wireFormat);
  if (contentType !== undefined) {
    if (m.wireFormat !== WireFormat.mls_public_message) throw new Error("expected a PublicMessage");
    expect(m.publicMessage.content.contentType).toBe(contentType);
  }
  return m;
}

describe("messages.json (codec round-trip, provider-independent)", () => {
  const report = vectorReport("messages.json", "codec");
  afterAll(() => report.print());
  framingVectors.messages().forEach((v, i) => {
    it(`case ${i}`, () => {
      for (const [name, codec] of Object.entries(fields) as [keyof MessagesVector, Codec<unknown>][]) {
        const bytes = hex(v[name]);
        const value = decode(codec, bytes, name);
        expect(toHex(encode(codec, value)), name).toBe(v[name]);
      }
      // The envelopes carry what the file says they carry.
      expectMls(v.mls_welcome, WireFormat.mls_welcome);
      expectMls(v.mls_group_info, WireFormat.mls_group_info);
      expectMls(v.mls_key_package, WireFormat.mls_key_package);
      expectMls(v.public_message_application, WireFormat.mls_public_message, ContentType.application);
      expectMls(v.public_message_proposal, WireFormat.mls_public_message, ContentType.proposal);
      expectMls(v.public_message_commit, WireFormat.mls_public_message, ContentType.commit);
      expectMls(v.private_message, WireFormat.mls_private_message);
      report.ran();
    });
  });
});

describe("peekPrivateMessageHeader", () => {
  it("reads the epoch and content_type a full decode finds, and nothing of other wire formats", () => {
    for (const v of framingVectors.messages()) {
      const bytes = hex(v.private_message);
      const m = decodeMlsMessage(bytes);
      if (m.wireFormat !== WireFormat.mls_private_message) throw new Error("expected a PrivateMessage");
      expect(peekPrivateMessageHeader(bytes)).toEqual({ epoch: m.privateMessage.epoch, contentType: m.privateMessage.contentType });
      for (const other of [v.public_message_application, v.mls_welcome, v.mls_key_package]) expect(peekPrivateMessageHeader(hex(other))).toBeUndefined();
      // Too short to hold the header, or another protocol version.
      expect(peekPrivateMessageHeader(bytes.subarray(0, 6))).toBeUndefined();
      const otherVersion = bytes.slice();
      otherVersion[1] = 2;
      expect(peekPrivateMessageHeader(otherVersion)).toBeUndefined();
    }
  });
});
