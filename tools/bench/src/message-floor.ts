/**
 * The floor under the 1 KiB message rates: the chain of primitive calls that
 * one PrivateMessage cannot avoid, each waiting for the one before, timed on
 * the provider alone (no framing, no encoding, no group state).
 *
 * - encrypt: SignWithLabel over the FramedContentTBS (the signature goes
 *   inside the plaintext), then the content AEAD, then the sender-data key
 *   and nonce (they need a sample of the content ciphertext, RFC 9420
 *   §6.3.2) and the sender-data AEAD. The ratchet's key and nonce are left
 *   out: they can be derived while the signature is made.
 * - decrypt: sender-data key and nonce, sender-data AEAD (it names the
 *   generation), the ratchet's key and nonce for that generation, the
 *   content AEAD, then VerifyWithLabel over what it revealed.
 *
 * If the protocol figures sit far above this floor, the framing is slow; if
 * the floor itself misses a target, no framing can meet it on this provider.
 */
import { type CipherSuiteProvider, expandWithLabel, signWithLabel, verifyWithLabel } from "@mlskit/core";

/** Messages per second at the floor, sequential. */
export interface MessageFloor {
  readonly encrypt: number;
  readonly decrypt: number;
}

const TBS_BYTES = 1024 + 64; // application data and the FramedContentTBS fields around it
const CONTENT_BYTES = 1024 + 72; // application_data<V> plus the signature<V>
const SENDER_DATA_BYTES = 12; // leaf_index, generation, reuse_guard

async function rate(budgetMs: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 300; i++) await op(i); // warm-up
  let n = 0;
  const t = performance.now();
  do await op(n++);
  while (performance.now() - t < budgetMs);
  return (n * 1000) / (performance.now() - t);
}

/** Measures the floor on `cs` for `budgetMs` per direction. */
export async function messageFloor(cs: CipherSuiteProvider, budgetMs: number): Promise<MessageFloor> {
  const { privateKey, publicKey } = await cs.signatureGenerateKeyPair();
  const tbs = cs.randomBytes(TBS_BYTES);
  const content = cs.randomBytes(CONTENT_BYTES);
  const senderData = cs.randomBytes(SENDER_DATA_BYTES);
  const secret = cs.randomBytes(cs.hashLength);
  const aad = cs.randomBytes(24);
  // Fresh keys per message, as the ratchet gives them.
  const keyOf = (i: number) => {
    const k = cs.randomBytes(cs.aeadKeyLength);
    k[0] = i & 0xff;
    return k;
  };
  const nonce = cs.randomBytes(cs.aeadNonceLength);
  const sample = (ct: Uint8Array) => ct.subarray(0, Math.min(ct.length, cs.hashLength));
  const senderDataKey = (ct: Uint8Array) =>
    Promise.all([expandWithLabel(cs, secret, "key", sample(ct), cs.aeadKeyLength), expandWithLabel(cs, secret, "nonce", sample(ct), cs.aeadNonceLength)]);

  const encrypt = await rate(budgetMs, async (i) => {
    const signature = await signWithLabel(cs, privateKey, "FramedContentTBS", tbs);
    content.set(signature, content.length - signature.length);
    const ct = await cs.aeadSeal(keyOf(i), nonce, aad, content);
    const [k, n] = await senderDataKey(ct);
    return cs.aeadSeal(k, n, aad, senderData);
  });

  // One sealed message per key, opened in turn.
  const signature = await signWithLabel(cs, privateKey, "FramedContentTBS", tbs);
  const messages = await Promise.all(
    Array.from({ length: 64 }, async (_, i) => {
      const key = keyOf(i);
      const ct = await cs.aeadSeal(key, nonce, aad, content);
      const [k, n] = await senderDataKey(ct);
      return { key, ct, sd: await cs.aeadSeal(k, n, aad, senderData) };
    }),
  );
  const decrypt = await rate(budgetMs, async (i) => {
    const m = messages[i % messages.length]!;
    const [k, n] = await senderDataKey(m.ct);
    await cs.aeadOpen(k, n, aad, m.sd);
    await Promise.all([expandWithLabel(cs, secret, "key", new Uint8Array(4), cs.aeadKeyLength), expandWithLabel(cs, secret, "nonce", new Uint8Array(4), cs.aeadNonceLength)]);
    await cs.aeadOpen(m.key, nonce, aad, m.ct);
    if (!(await verifyWithLabel(cs, publicKey, "FramedContentTBS", tbs, signature))) throw new Error("signature does not verify");
  });
  return { encrypt, decrypt };
}
