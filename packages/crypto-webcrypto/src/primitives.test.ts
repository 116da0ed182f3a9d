import { fromHex, toHex } from "@mlskit/codec";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ecdsaDerToRaw, ecdsaRawToDer } from "./der.js";
import { webCryptoPrimitives } from "./index.js";
import { CHACHA_KAT } from "./probe.js";

const source = await webCryptoPrimitives();
const noble = noblePrimitives();

describe("HKDF (RFC 5869 Appendix A, SHA-256)", () => {
  const kdf = source.kdf(0x0001)!;
  const cases = [
    {
      ikm: "0b".repeat(22),
      salt: "000102030405060708090a0b0c",
      info: "f0f1f2f3f4f5f6f7f8f9",
      length: 42,
      prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
      okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    },
    {
      ikm: Array.from({ length: 80 }, (_, i) => i.toString(16).padStart(2, "0")).join(""),
      salt: Array.from({ length: 80 }, (_, i) => (0x60 + i).toString(16).padStart(2, "0")).join(""),
      info: Array.from({ length: 80 }, (_, i) => (0xb0 + i).toString(16).padStart(2, "0")).join(""),
      length: 82,
      prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
      okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    },
    {
      ikm: "0b".repeat(22),
      salt: "",
      info: "",
      length: 42,
      prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
      okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    },
  ];
  cases.forEach((c, i) => {
    it(`test case ${i + 1}`, async () => {
      const prk = await kdf.extract(fromHex(c.salt), fromHex(c.ikm));
      expect(toHex(prk)).toBe(c.prk);
      expect(toHex(await kdf.expand(prk, fromHex(c.info), c.length))).toBe(c.okm);
    });
  });

  it("expands to 0 bytes and to the 255 × Nh maximum, and refuses more", async () => {
    const prk = new Uint8Array(32).fill(7);
    expect((await kdf.expand(prk, new Uint8Array(0), 0)).length).toBe(0);
    const max = await kdf.expand(prk, Uint8Array.of(1), 255 * 32);
    expect(max.length).toBe(255 * 32);
    expect(max).toEqual(await noble.kdf(0x0001)!.expand(prk, Uint8Array.of(1), 255 * 32));
    await expect(kdf.expand(prk, new Uint8Array(0), 255 * 32 + 1)).rejects.toThrow(RangeError);
  });
});

describe("HMAC", () => {
  for (const name of ["SHA-256", "SHA-384", "SHA-512"] as const) {
    it(`${name}: an empty key is HMAC's empty key (WebCrypto refuses zero-length keys)`, async () => {
      const data = Uint8Array.of(1, 2, 3);
      const want = createHmac(name.replace("-", "").toLowerCase(), new Uint8Array(0)).update(data).digest("hex");
      expect(toHex(await source.hash(name)!.hmac(new Uint8Array(0), data))).toBe(want);
    });
    it(`${name}: keys longer than the block are hashed first, as in RFC 2104`, async () => {
      const key = new Uint8Array(300).fill(0xaa);
      const data = Uint8Array.of(4);
      const want = createHmac(name.replace("-", "").toLowerCase(), key).update(data).digest("hex");
      expect(toHex(await source.hash(name)!.hmac(key, data))).toBe(want);
    });
  }
});

describe("DH groups", () => {
  // RFC 7748 §6.1 / well-known low-order points on Curve25519 (each gives an all-zero output).
  const x25519LowOrder = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ];
  for (const pk of x25519LowOrder) {
    it(`X25519 rejects the low-order point ${pk.slice(0, 8)}… (all-zero output, RFC 9180 §7.1.4)`, async () => {
      const dh = source.dh(0x0020)!;
      await expect(dh.dh(new Uint8Array(32).fill(3), fromHex(pk))).rejects.toThrow();
    });
  }

  it("X448 rejects the all-zero point", async () => {
    await expect(source.dh(0x0021)!.dh(new Uint8Array(56).fill(3), new Uint8Array(56))).rejects.toThrow();
  });

  const orders: [number, string][] = [
    [0x0010, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"],
    [0x0011, "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"],
    [0x0012, "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"],
  ];
  for (const [kemId, nHex] of orders) {
    it(`KEM 0x${kemId.toString(16)}: isValidPrivateKey is 0 < d < n, like noble`, () => {
      const dh = source.dh(kemId)!;
      const n = BigInt("0x" + nHex);
      const bytes = (v: bigint): Uint8Array => fromHex(v.toString(16).padStart(2 * dh.privateKeyLength, "0"));
      const cases: [bigint, boolean][] = [
        [0n, false],
        [1n, true],
        [n - 1n, true],
        [n, false],
        [n + 1n, false],
        [(1n << BigInt(8 * dh.privateKeyLength)) - 1n, false],
      ];
      for (const [v, ok] of cases) {
        expect(dh.isValidPrivateKey(bytes(v))).toBe(ok);
        expect(noble.dh(kemId)!.isValidPrivateKey(bytes(v))).toBe(ok);
      }
      expect(dh.isValidPrivateKey(new Uint8Array(dh.privateKeyLength - 1).fill(1))).toBe(false);
      expect(dh.bitmask).toBe(noble.dh(kemId)!.bitmask);
    });

    it(`KEM 0x${kemId.toString(16)}: rejects an out-of-range private key with crypto/invalid-key`, async () => {
      const dh = source.dh(kemId)!;
      await expect(dh.publicKey(new Uint8Array(dh.privateKeyLength))).rejects.toMatchObject({ code: "crypto/invalid-key" });
    });
  }

  it("P-256: pk(sk) for d = 1 is the generator", async () => {
    const sk = new Uint8Array(32);
    sk[31] = 1;
    expect(toHex(await source.dh(0x0010)!.publicKey(sk))).toBe(
      "04" + "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" + "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    );
  });

  it("P-256: rejects a compressed-form tag and an off-curve point", async () => {
    const dh = source.dh(0x0010)!;
    const sk = new Uint8Array(32).fill(1);
    const pk = await dh.publicKey(sk);
    const compressedTag = pk.slice();
    compressedTag[0] = 0x02;
    await expect(dh.dh(sk, compressedTag)).rejects.toThrow();
    const offCurve = pk.slice();
    offCurve[64]! ^= 1;
    await expect(dh.dh(sk, offCurve)).rejects.toThrow();
  });

  it("P-521: DH output is the 66-byte x-coordinate, as noble computes it", async () => {
    const dh = source.dh(0x0012)!;
    const a = new Uint8Array(66).fill(0x01);
    const b = new Uint8Array(66).fill(0x01);
    b[65] = 2;
    const pb = await dh.publicKey(b);
    const shared = await dh.dh(a, pb);
    expect(shared.length).toBe(66);
    expect(shared).toEqual(await noble.dh(0x0012)!.dh(a, pb));
  });
});

describe("ECDSA DER handling through verify", () => {
  for (const scheme of [0x0403, 0x0503, 0x0603]) {
    it(`scheme 0x${scheme.toString(16)}: non-strict re-encodings of a valid signature verify false`, async () => {
      const sig = source.signature(scheme)!;
      const kp = await sig.generateKeyPair();
      const msg = Uint8Array.of(1, 2, 3);
      const der = await sig.sign(kp.privateKey, msg);
      expect(await sig.verify(kp.publicKey, msg, der)).toBe(true);
      const size = kp.privateKey.length;
      const raw = ecdsaDerToRaw(der, size)!;
      expect(ecdsaRawToDer(raw)).toEqual(der);
      // r with a needless leading zero byte.
      const r = der.subarray(2 + (der[1]! & 0x80 ? 1 : 0));
      const rLen = r[1]!;
      const paddedR = Uint8Array.of(0x02, rLen + 1, 0x00, ...r.subarray(2, 2 + rLen));
      const rest = r.subarray(2 + rLen);
      const body = Uint8Array.of(...paddedR, ...rest);
      const nonMinimal = body.length < 128 ? Uint8Array.of(0x30, body.length, ...body) : Uint8Array.of(0x30, 0x81, body.length, ...body);
      expect(await sig.verify(kp.publicKey, msg, nonMinimal)).toBe(false);
      // The raw r || s form WebCrypto uses is not DER.
      expect(await sig.verify(kp.publicKey, msg, raw)).toBe(false);
      // A long-form length where the short form fits (when the body is short).
      if (der[1]! < 0x80) {
        expect(await sig.verify(kp.publicKey, msg, Uint8Array.of(0x30, 0x81, ...der.subarray(1)))).toBe(false);
      }
      // Trailing garbage.
      expect(await sig.verify(kp.publicKey, msg, Uint8Array.of(...der, 0))).toBe(false);
    });

    it(`scheme 0x${scheme.toString(16)}: noble verifies our DER and we verify noble's`, async () => {
      const ours = source.signature(scheme)!;
      const theirs = noble.signature(scheme)!;
      const msg = Uint8Array.of(9, 9);
      for (let i = 0; i < 8; i++) {
        const kp = await ours.generateKeyPair();
        expect(await theirs.verify(kp.publicKey, msg, await ours.sign(kp.privateKey, msg))).toBe(true);
        expect(await ours.verify(kp.publicKey, msg, await theirs.sign(kp.privateKey, msg))).toBe(true);
      }
    });
  }
});

describe("AEAD", () => {
  it("the ChaCha20-Poly1305 probe's known answer is right (checked against noble)", async () => {
    const sealed = await noble.aead(0x0003)!.seal(CHACHA_KAT.key, CHACHA_KAT.nonce, new TextEncoder().encode("mlskit"), new TextEncoder().encode("probe"));
    expect(toHex(sealed)).toBe(CHACHA_KAT.ciphertext);
  });

  it("rejects keys and nonces of the wrong size", async () => {
    const aead = source.aead(0x0001)!;
    await expect(aead.seal(new Uint8Array(15), new Uint8Array(12), new Uint8Array(0), new Uint8Array(0))).rejects.toMatchObject({
      code: "crypto/invalid-key",
    });
    await expect(aead.seal(new Uint8Array(16), new Uint8Array(11), new Uint8Array(0), new Uint8Array(0))).rejects.toThrow(RangeError);
  });

  it("never reuses a cached key for overwritten key bytes", async () => {
    const aead = source.aead(0x0002)!;
    const key = new Uint8Array(32).fill(1);
    const nonce = new Uint8Array(12);
    const a = await aead.seal(key, nonce, new Uint8Array(0), Uint8Array.of(5));
    key.fill(2);
    const b = await aead.seal(key, nonce, new Uint8Array(0), Uint8Array.of(5));
    expect(b).not.toEqual(a);
    expect(b).toEqual(await noble.aead(0x0002)!.seal(key, nonce, new Uint8Array(0), Uint8Array.of(5)));
  });
});

describe("webCryptoPrimitives", () => {
  it("reports native support and returns undefined for what it lacks", () => {
    expect(source.name).toBe("webcrypto");
    expect(source.native.Ed25519).toBe(true);
    if (!source.native["ChaCha20-Poly1305"]) expect(source.aead(0x0003)).toBeUndefined();
    expect(source.aead(0xffff)).toBeUndefined();
    expect(source.dh(0x9999)).toBeUndefined();
  });

  it("returns one primitive instance per algorithm (one key cache)", () => {
    expect(source.signature(0x0807)).toBe(source.signature(0x0807));
    expect(source.kdf(0x0001)).toBe(source.kdf(0x0001));
  });

  it("delegates what it lacks to the fallback", async () => {
    const composed = await webCryptoPrimitives({ fallback: noble });
    expect(composed.name).toBe("webcrypto+noble");
    expect(composed.aead(0x0003)).toBe(composed.native["ChaCha20-Poly1305"] ? composed.aead(0x0003) : noble.aead(0x0003));
    expect(composed.signature(0x0807)).not.toBe(noble.signature(0x0807));
  });
});
