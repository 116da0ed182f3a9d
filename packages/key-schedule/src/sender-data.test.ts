import { expandWithLabel } from "@mlskit/core";
import { testProviders } from "@mlskit/test-vectors/providers";
import { describe, expect, it } from "vitest";
import { ciphertextSample, deriveSenderDataKeyNonce } from "./sender-data.js";

describe("sender data key and nonce (RFC 9420 §6.3.2)", async () => {
  const cs = await testProviders()[0]!.cipherSuite(1);
  const secret = cs.randomBytes(cs.hashLength);

  it("samples the first KDF.Nh bytes, or the whole ciphertext if shorter", () => {
    const long = cs.randomBytes(cs.hashLength + 10);
    expect(ciphertextSample(cs, long)).toEqual(long.subarray(0, cs.hashLength));
    const short = cs.randomBytes(5);
    expect(ciphertextSample(cs, short)).toEqual(short);
  });

  it("derives key and nonce from the sample", async () => {
    const short = cs.randomBytes(7);
    const kn = await deriveSenderDataKeyNonce(cs, secret, short);
    expect(kn.key).toEqual(await expandWithLabel(cs, secret, "key", short, cs.aeadKeyLength));
    expect(kn.nonce).toEqual(await expandWithLabel(cs, secret, "nonce", short, cs.aeadNonceLength));
    const long = new Uint8Array([...short, ...cs.randomBytes(cs.hashLength)]);
    const a = await deriveSenderDataKeyNonce(cs, secret, long);
    const b = await deriveSenderDataKeyNonce(cs, secret, new Uint8Array([...long.subarray(0, cs.hashLength), 0xff]));
    expect(a.key).toEqual(b.key);
    expect(JSON.stringify(a)).toBe('{"redacted":"AeadKeyNonce"}');
    a.wipe();
    expect(a.key.every((x) => x === 0) && a.nonce.every((x) => x === 0)).toBe(true);
  });
});
