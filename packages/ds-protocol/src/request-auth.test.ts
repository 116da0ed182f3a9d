import { utf8 } from "@mlskit/codec";
import { CipherSuite, defaultCryptoProvider } from "@mlskit/mls";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "./base64.js";
import { DsError } from "./ds-error.js";
import { MAX_CLOCK_SKEW_MS, parseAuthorization, signRequest, verifyRequest } from "./request-auth.js";

async function signer() {
  const cs = await defaultCryptoProvider().cipherSuite(CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
  const keys = await cs.signatureGenerateKeyPair();
  return { cs, keys, signer: { clientId: "alice", cs, signaturePrivateKey: keys.privateKey } };
}

const target = { method: "POST", path: "/v1/groups/00ff/messages", body: utf8('{"message":"AAAA"}') };

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(DsError);
    return (e as DsError).code;
  }
  throw new Error("expected a DsError");
}

describe("signed requests", () => {
  it("a signed request verifies, and names its client, time and nonce", async () => {
    const { cs, keys, signer: s } = await signer();
    const header = await signRequest(s, target, { now: 1_000_000 });
    const auth = parseAuthorization(header);
    expect(auth.clientId).toBe("alice");
    expect(auth.timestamp).toBe(1_000_000);
    expect(auth.nonce).toMatch(/^[0-9a-f]{32}$/);
    await verifyRequest(cs, keys.publicKey, auth, target, 1_000_000 + 1000);
  });

  it("any change to method, path, body, client, time or nonce breaks the signature", async () => {
    const { cs, keys, signer: s } = await signer();
    const now = 5_000_000;
    const auth = parseAuthorization(await signRequest(s, target, { now }));
    const changed = [
      { ...target, method: "GET" },
      { ...target, path: "/v1/groups/00fe/messages" },
      { ...target, body: utf8('{"message":"AAAB"}') },
    ];
    for (const t of changed) expect(await codeOf(verifyRequest(cs, keys.publicKey, auth, t, now))).toBe("auth/bad-signature");
    expect(await codeOf(verifyRequest(cs, keys.publicKey, { ...auth, clientId: "mallory" }, target, now))).toBe("auth/bad-signature");
    expect(await codeOf(verifyRequest(cs, keys.publicKey, { ...auth, timestamp: now + 1 }, target, now))).toBe("auth/bad-signature");
    expect(await codeOf(verifyRequest(cs, keys.publicKey, { ...auth, nonce: "0".repeat(32) }, target, now))).toBe("auth/bad-signature");
    const other = await cs.signatureGenerateKeyPair();
    expect(await codeOf(verifyRequest(cs, other.publicKey, auth, target, now))).toBe("auth/bad-signature");
  });

  it("a timestamp outside the window is stale, either side", async () => {
    const { cs, keys, signer: s } = await signer();
    const now = 10_000_000;
    const auth = parseAuthorization(await signRequest(s, target, { now }));
    expect(await codeOf(verifyRequest(cs, keys.publicKey, auth, target, now + MAX_CLOCK_SKEW_MS + 1))).toBe("auth/stale");
    expect(await codeOf(verifyRequest(cs, keys.publicKey, auth, target, now - MAX_CLOCK_SKEW_MS - 1))).toBe("auth/stale");
  });

  it("malformed and missing authorization values are typed", async () => {
    expect(await codeOf(() => parseAuthorization(undefined))).toBe("auth/missing");
    expect(await codeOf(() => parseAuthorization("Bearer abc"))).toBe("auth/malformed");
    const good = "MLS-Signature client=alice;ts=1;nonce=" + "a".repeat(32) + ";sig=AAAA";
    expect(parseAuthorization(good).clientId).toBe("alice");
    for (const bad of [
      good.replace("client=alice", "client=al ice"),
      good.replace("ts=1", "ts=x"),
      good.replace("a".repeat(32), "a".repeat(31)),
      good.replace("sig=AAAA", "sig=***"),
      "MLS-Signature client",
    ]) {
      expect(await codeOf(() => parseAuthorization(bad))).toBe("auth/malformed");
    }
  });
});

describe("base64 fields", () => {
  it("round-trips bytes of every length, large ones included", () => {
    for (const n of [0, 1, 2, 3, 4, 100, 70_000]) {
      const b = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
      expect(fromBase64(toBase64(b), "x")).toEqual(b);
    }
  });
  it("refuses what is not standard base64, naming the field", async () => {
    for (const bad of ["abc", "ab$=", 5, null, "YQ"]) {
      const e = await codeOf(() => fromBase64(bad, "message"));
      expect(e).toBe("request/malformed");
    }
  });
});

describe("error bodies", () => {
  it("round-trip through JSON with the conflict epoch", () => {
    const e = new DsError("group/stale-epoch", "epoch 3 is past", { currentEpoch: 5n });
    expect(e.status).toBe(409);
    const back = DsError.fromBody(409, JSON.parse(JSON.stringify(e.toBody())));
    expect(back.code).toBe("group/stale-epoch");
    expect(back.currentEpoch).toBe(5n);
  });
  it("an unknown code from the network becomes internal/failed", () => {
    expect(DsError.fromBody(418, { error: "teapot/brewing" }).code).toBe("internal/failed");
    expect(DsError.fromBody(500, "not json").message).toBe("HTTP 500");
  });
});
