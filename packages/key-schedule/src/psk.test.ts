import { CodecError, decode, encode, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, type CryptoProvider, ValidationError } from "@mlskit/core";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { afterAll, describe, expect, it } from "vitest";
import { type PreSharedKeyID, PSKType, ResumptionPSKUsage, assertPskNonceLength, derivePskSecret, preSharedKeyIdCodec, pskLabelCodec } from "./psk.js";

/** The suite's provider, or why this provider cannot serve it here (reported as a skip). */
async function openSuite(provider: CryptoProvider, suite: number): Promise<CipherSuiteProvider | string> {
  if ((await provider.supportedCipherSuites()).includes(suite)) return provider.cipherSuite(suite);
  return provider.cipherSuite(suite).then(
    () => `suite ${suite} not listed as supported by ${provider.name}`,
    (e: unknown) => (e instanceof Error ? e.message.split(". ")[0]! : String(e)),
  );
}

const FILE = "psk_secret.json";
const cases = vectors.pskSecret();

for (const provider of testProviders()) {
  describe(`${FILE} × ${provider.name}`, () => {
    const report = vectorReport(FILE, provider.name);
    afterAll(() => report.print());

    cases.forEach((v, n) => {
      it(`case ${n} (suite ${v.cipher_suite}, ${v.psks.length} PSKs)`, async (ctx) => {
        const cs = await openSuite(provider, v.cipher_suite);
        if (typeof cs === "string") {
          report.skipped(cs);
          ctx.skip(cs);
          return;
        }
        // PreSharedKeyIDs of type external, with the given psk_id and psk_nonce.
        const psks = v.psks.map((p) => ({
          id: { psktype: PSKType.external, pskId: hex(p.psk_id), pskNonce: hex(p.psk_nonce) } as const,
          psk: hex(p.psk),
        }));
        const secret = await derivePskSecret(cs, psks);
        expect(toHex(secret)).toBe(v.psk_secret);
        // Inputs are only read.
        psks.forEach((p, i) => expect(toHex(p.psk)).toBe(v.psks[i]!.psk));
        report.ran();
      });
    });
  });
}

describe("PreSharedKeyID and PSKLabel", () => {
  const external: PreSharedKeyID = { psktype: PSKType.external, pskId: new Uint8Array([1, 2]), pskNonce: new Uint8Array([9]) };
  const resumption: PreSharedKeyID = {
    psktype: PSKType.resumption,
    usage: ResumptionPSKUsage.branch,
    pskGroupId: new Uint8Array([7, 7]),
    pskEpoch: 0x0102030405060708n,
    pskNonce: new Uint8Array([5, 6]),
  };

  it("encodes per RFC 9420 §8.4", () => {
    expect(toHex(encode(preSharedKeyIdCodec, external))).toBe("01" + "020102" + "0109");
    expect(toHex(encode(preSharedKeyIdCodec, resumption))).toBe("02" + "03" + "020707" + "0102030405060708" + "020506");
    expect(toHex(encode(pskLabelCodec, { id: external, index: 1, count: 2 }))).toBe("0102010201090001" + "0002");
  });

  it("round-trips", () => {
    for (const id of [external, resumption]) {
      expect(decode(preSharedKeyIdCodec, encode(preSharedKeyIdCodec, id))).toEqual(id);
      const label = { id, index: 3, count: 4 };
      expect(decode(pskLabelCodec, encode(pskLabelCodec, label))).toEqual(label);
    }
  });

  it("rejects reserved and unknown psktype and usage values", () => {
    for (const bad of ["00020102", "03020102", "020003"]) {
      expect(() => decode(preSharedKeyIdCodec, hex(bad))).toThrow(CodecError);
    }
    try {
      decode(preSharedKeyIdCodec, hex("0204020707"), "PreSharedKeyID");
      expect.unreachable();
    } catch (e) {
      expect(CodecError.isInstance(e) && e.code).toBe("codec/invalid-value");
      expect((e as CodecError).offset).toBe(1);
    }
  });

  it("reports truncation with the field path", () => {
    try {
      decode(preSharedKeyIdCodec, hex("0103010203"), "PreSharedKeyID");
      expect.unreachable();
    } catch (e) {
      expect(CodecError.isInstance(e) && e.code).toBe("codec/truncated");
      expect((e as CodecError).path).toBe("PreSharedKeyID.pskNonce");
    }
  });
});

describe("psk_secret (unit)", async () => {
  const cs = await testProviders()[0]!.cipherSuite(1);

  it("is the all-zero vector with no PSKs (RFC 9420 §8.4)", async () => {
    expect(await derivePskSecret(cs, [])).toEqual(new Uint8Array(cs.hashLength));
  });

  it("depends on order", async () => {
    const id = (n: number): PreSharedKeyID => ({
      psktype: PSKType.external,
      pskId: new Uint8Array([n]),
      pskNonce: new Uint8Array(cs.hashLength),
    });
    const a = { id: id(1), psk: new Uint8Array([1]) };
    const b = { id: id(2), psk: new Uint8Array([2]) };
    expect(await derivePskSecret(cs, [a, b])).not.toEqual(await derivePskSecret(cs, [b, a]));
  });

  it("checks the psk_nonce length", () => {
    const id: PreSharedKeyID = { psktype: PSKType.external, pskId: new Uint8Array(1), pskNonce: new Uint8Array(3) };
    expect(() => assertPskNonceLength(cs, id)).toThrow(ValidationError);
    expect(() => assertPskNonceLength(cs, { ...id, pskNonce: new Uint8Array(cs.hashLength) })).not.toThrow();
  });
});
