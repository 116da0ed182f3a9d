import { inspect } from "node:util";
import { Reader, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, type CryptoProvider, ValidationError } from "@mlskit/core";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { afterAll, describe, expect, it } from "vitest";
import { SecretTree } from "./secret-tree.js";
import { deriveSenderDataKeyNonce } from "./sender-data.js";

/** The suite's provider, or why this provider cannot serve it here (reported as a skip). */
async function openSuite(provider: CryptoProvider, suite: number): Promise<CipherSuiteProvider | string> {
  if ((await provider.supportedCipherSuites()).includes(suite)) return provider.cipherSuite(suite);
  return provider.cipherSuite(suite).then(
    () => `suite ${suite} not listed as supported by ${provider.name}`,
    (e: unknown) => (e instanceof Error ? e.message.split(". ")[0]! : String(e)),
  );
}

const FILE = "secret-tree.json";
const cases = vectors.secretTree();

for (const provider of testProviders()) {
  describe(`${FILE} × ${provider.name}`, () => {
    const report = vectorReport(FILE, provider.name);
    afterAll(() => report.print());

    cases.forEach((v, n) => {
      it(`case ${n} (suite ${v.cipher_suite}, ${v.leaves.length} leaves)`, async (ctx) => {
        const cs = await openSuite(provider, v.cipher_suite);
        if (typeof cs === "string") {
          report.skipped(cs);
          ctx.skip(cs);
          return;
        }
        const sd = v.sender_data;
        const senderData = await deriveSenderDataKeyNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext));
        expect(toHex(senderData.key)).toBe(sd.key);
        expect(toHex(senderData.nonce)).toBe(sd.nonce);

        const tree = new SecretTree(cs, hex(v.encryption_secret), v.leaves.length);
        for (const [leaf, generations] of v.leaves.entries()) {
          for (const g of generations) {
            const hs = await tree.getKey(leaf, "handshake", g.generation);
            expect(hs.generation).toBe(g.generation);
            expect(toHex(hs.key), `handshake key, leaf ${leaf} generation ${g.generation}`).toBe(g.handshake_key);
            expect(toHex(hs.nonce)).toBe(g.handshake_nonce);
            // The application key goes through withKey, which wipes it after use.
            let seen: Uint8Array | undefined;
            await tree.withKey(leaf, "application", g.generation, (k) => {
              expect(toHex(k.key), `application key, leaf ${leaf} generation ${g.generation}`).toBe(g.application_key);
              expect(toHex(k.nonce)).toBe(g.application_nonce);
              seen = k.key;
            });
            expect(seen!.every((b) => b === 0)).toBe(true);
          }
        }
        report.ran();
      });
    });
  });
}

/** Wraps a suite, recording every KDF-Expand call (awaited or synchronous) with its label and output. */
function recording(cs: CipherSuiteProvider) {
  const calls: { label: string; out?: Uint8Array }[] = [];
  const record = (info: Uint8Array) => {
    const r = new Reader(info);
    r.uint16();
    const entry: { label: string; out?: Uint8Array } = {
      label: new TextDecoder().decode(r.opaque()).replace(/^MLS 1\.0 /, ""),
    };
    calls.push(entry);
    return entry;
  };
  const wrapped = new Proxy(cs, {
    get(target, prop) {
      if (prop === "kdfExpand") {
        return async (prk: Uint8Array, info: Uint8Array, length: number) => {
          const entry = record(info);
          entry.out = await target.kdfExpand(prk, info, length);
          return entry.out;
        };
      }
      if (prop === "kdfExpandSync" && target.kdfExpandSync !== undefined) {
        return (prk: Uint8Array, info: Uint8Array, length: number) => {
          const entry = record(info);
          entry.out = target.kdfExpandSync!(prk, info, length);
          return entry.out;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { cs: wrapped, calls };
}

describe("SecretTree (unit)", async () => {
  const base = await testProviders()[0]!.cipherSuite(1);
  const isZero = (b: Uint8Array | undefined) => b !== undefined && b.every((x) => x === 0);

  it("derives lazily: one leaf of a 100,000-leaf tree costs O(log N) expansions", async () => {
    const { cs, calls } = recording(base);
    const tree = new SecretTree(cs, base.randomBytes(32), 100_000);
    expect(calls.length).toBe(0);
    await tree.getKey(54_321, "application", 0);
    // 17 levels × 2 children, 2 ratchet roots, then key + nonce + next secret.
    expect(calls.filter((c) => c.label === "tree").length).toBe(2 * Math.ceil(Math.log2(100_000)));
    expect(calls.length).toBe(2 * 17 + 2 + 3);
    // A neighbour shares all but the last split.
    calls.length = 0;
    await tree.getKey(54_320, "application", 0);
    expect(calls.length).toBe(2 + 3);
    // The other ratchet of a derived leaf costs no tree work.
    calls.length = 0;
    await tree.getKey(54_321, "handshake", 0);
    expect(calls.length).toBe(3);
  });

  it("deletes node secrets as they are consumed (RFC 9420 §9.2)", async () => {
    const { cs, calls } = recording(base);
    const root = base.randomBytes(32);
    const tree = new SecretTree(cs, root, 4);
    const used = await tree.getKey(0, "application", 1);
    expect(root.every((b) => b === 0)).toBe(false); // the caller's copy is the caller's
    const tree0 = calls.filter((c) => c.label === "tree");
    // root 3 → nodes 1, 5; node 1 → nodes 0, 2.
    expect(tree0.map((c) => isZero(c.out))).toEqual([true, false, true, false]);
    const [hs, app] = calls.filter((c) => c.label === "handshake" || c.label === "application");
    expect(isZero(hs?.out)).toBe(false); // HR0 is retained
    expect(isZero(app?.out)).toBe(true); // AR0 consumed by reaching generation 1
    const ratchetSecrets = calls.filter((c) => c.label === "secret");
    expect(ratchetSecrets.map((c) => isZero(c.out))).toEqual([true, false]); // AR1 consumed, AR2 kept
    used.wipe(); // handed out: the caller's to wipe
    tree.wipe();
    expect(calls.every((c) => isZero(c.out))).toBe(true);
  });

  it("concurrent first uses of nearby leaves derive consistent keys", async () => {
    const secret = base.randomBytes(32);
    const a = new SecretTree(base, secret, 64);
    const b = new SecretTree(base, secret, 64);
    const parallel = await Promise.all([...Array(64).keys()].map((i) => a.getKey(i, "application", 2)));
    for (let i = 63; i >= 0; i--) {
      const k = await b.getKey(i, "application", 2);
      expect(parallel[i]!.key).toEqual(k.key);
      expect(parallel[i]!.nonce).toEqual(k.nonce);
    }
  });

  it("rejects a leaf outside the tree", async () => {
    const tree = new SecretTree(base, base.randomBytes(32), 5);
    await expect(tree.getKey(5, "handshake", 0)).rejects.toSatisfy((e: unknown) => ValidationError.isInstance(e) && e.code === "secret-tree/leaf-out-of-range");
    await expect(tree.getKey(-1, "handshake", 0)).rejects.toThrow(ValidationError);
    await expect(tree.getKey(4, "handshake", 0)).resolves.toBeDefined();
  });

  it("withKey puts the key back when its use fails, and wipes it when it succeeds", async () => {
    const tree = new SecretTree(base, base.randomBytes(32), 2);
    let first: Uint8Array | undefined;
    await expect(
      tree.withKey(1, "application", 3, (k) => {
        first = k.key.slice();
        throw new Error("AEAD open failed");
      }),
    ).rejects.toThrow("AEAD open failed");
    const again = await tree.withKey(1, "application", 3, (k) => {
      expect(k.key).toEqual(first);
      return k.key;
    });
    expect(isZero(again)).toBe(true);
    await expect(tree.getKey(1, "application", 3)).rejects.toSatisfy((e: unknown) => ValidationError.isInstance(e) && e.code === "secret-tree/generation-consumed");
  });

  it("the sender side never reuses a generation", async () => {
    const tree = new SecretTree(base, base.randomBytes(32), 2);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(await tree.withNextKey(0, "handshake", (k) => k.generation));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    await expect(tree.getKey(0, "handshake", 2)).rejects.toThrow(ValidationError);
  });

  it("applies the configured policy per ratchet type", async () => {
    const tree = new SecretTree(base, base.randomBytes(32), 2, {
      policy: { maxForwardDistance: 10 },
      handshakePolicy: { maxForwardDistance: 2 },
    });
    await expect(tree.getKey(0, "handshake", 3)).rejects.toThrow(/ahead/);
    await expect(tree.getKey(0, "application", 10)).resolves.toBeDefined();
  });

  it("redacts itself and refuses use after wipe", async () => {
    const tree = new SecretTree(base, base.randomBytes(32), 2);
    const key = await tree.getKey(0, "application", 0);
    expect(JSON.stringify(tree)).toBe('{"redacted":"SecretTree"}');
    expect(inspect(tree)).toBe("SecretTree [redacted]");
    expect(JSON.stringify(key)).toBe('{"redacted":"RatchetKeyNonce","generation":0}');
    expect(inspect(key)).toBe("RatchetKeyNonce [redacted]");
    tree.wipe();
    await expect(tree.getKey(0, "application", 1)).rejects.toThrow(/wiped/);
  });
});
