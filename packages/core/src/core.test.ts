import { describe, expect, it } from "vitest";
import { decode, encode, CodecError } from "@mlskit/codec";
import {
  CIPHER_SUITES,
  CodecError as ReexportedCodecError,
  CryptoError,
  InternalError,
  MlsError,
  UsageError,
  ValidationError,
  credentialCodec,
  extensionsCodec,
  encodeSignContent,
  type Credential,
} from "./index.js";

describe("error taxonomy", () => {
  it("every error is an MlsError with a code, recognised by marker not prototype", () => {
    const errors = [
      new ValidationError("tree/x", "7.9.2", "bad"),
      new UsageError("usage/x", "bad"),
      new CryptoError("crypto/unsupported", "no"),
      new InternalError("internal/x", "bug"),
    ];
    for (const e of errors) {
      expect(MlsError.isInstance(e)).toBe(true);
      expect(e.code).toMatch(/\//);
    }
    expect(ValidationError.isInstance(errors[0])).toBe(true);
    expect(ValidationError.isInstance(errors[1])).toBe(false);
    expect(CryptoError.isInstance(errors[2])).toBe(true);
    expect(MlsError.isInstance(new Error("x"))).toBe(false);
    // A structurally identical object from "another copy" of the package is still recognised.
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@mlskit/error")]: true, code: "a/b" });
    expect(MlsError.isInstance(foreign)).toBe(true);
  });

  it("ValidationError names the RFC section", () => {
    const e = new ValidationError("framing/bad-epoch", "6.1", "epoch mismatch");
    expect(e.rfcSection).toBe("6.1");
    expect(e.message).toContain("RFC 9420 §6.1");
    expect(e.name).toBe("ValidationError");
  });

  it("CodecError is re-exported and keeps offset and path", () => {
    expect(ReexportedCodecError).toBe(CodecError);
  });

  it("keeps the cause", () => {
    const cause = new Error("inner");
    expect(new CryptoError("crypto/aead-open", "x", { cause }).cause).toBe(cause);
  });
});

describe("ids", () => {
  it("describes the seven registered suites (RFC 9420 §17.1)", () => {
    expect([...CIPHER_SUITES.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(CIPHER_SUITES.get(2)).toMatchObject({ kem: 0x10, kdf: 1, aead: 1, hash: "SHA-256", signature: 0x0403 });
    expect(CIPHER_SUITES.get(6)).toMatchObject({ kem: 0x21, kdf: 3, aead: 3, hash: "SHA-512", signature: 0x0808 });
  });
});

describe("credential and extension codecs", () => {
  it("round-trips basic, x509 and custom credentials", () => {
    const creds: Credential[] = [
      { credentialType: 1, identity: Uint8Array.of(1, 2, 3) },
      { credentialType: 2, certificates: [Uint8Array.of(4), Uint8Array.of(5, 6)] },
      { credentialType: 0xf000, body: Uint8Array.of(7) },
    ];
    for (const c of creds) expect(decode(credentialCodec, encode(credentialCodec, c))).toEqual(c);
    expect([...encode(credentialCodec, creds[0]!)]).toEqual([0, 1, 3, 1, 2, 3]);
  });

  it("names the field of a truncated credential", () => {
    try {
      decode(credentialCodec, Uint8Array.of(0, 1, 5, 1), "Credential");
      expect.unreachable();
    } catch (e) {
      expect(CodecError.isInstance(e)).toBe(true);
      expect((e as CodecError).path).toBe("Credential.identity");
    }
  });

  it("round-trips extensions", () => {
    const exts = [{ extensionType: 2, extensionData: Uint8Array.of(9, 9) }];
    expect(decode(extensionsCodec, encode(extensionsCodec, exts))).toEqual(exts);
  });
});

describe("labeled encodings", () => {
  it("SignContent prefixes the label with 'MLS 1.0 ' (RFC 9420 §5.1.2)", () => {
    const bytes = encodeSignContent("X", Uint8Array.of(0xaa));
    expect(new TextDecoder().decode(bytes.subarray(1, 10))).toBe("MLS 1.0 X");
    expect([...bytes]).toEqual([9, ...new TextEncoder().encode("MLS 1.0 X"), 1, 0xaa]);
  });
});
