/**
 * Probes: what `crypto.subtle` really offers is only known by trying it
 * (asynchronously), so each algorithm is exercised once, end to end, through
 * the very primitive that would serve it — key generation, PKCS#8 import,
 * JWK export, the operation itself, and the DER conversion for ECDSA. Any
 * failure, or a wrong answer, means "not offered natively".
 */
import { bytesEqual } from "@mlskit/codec";
import { expectDefined } from "@mlskit/core";
import type { Aead, DhGroup, HashPrimitive, SignaturePrimitive } from "@mlskit/hpke";

const MESSAGE = Uint8Array.of(0x6d, 0x6c, 0x73, 0x6b, 0x69, 0x74); // "mlskit"
const PROBE = Uint8Array.of(0x70, 0x72, 0x6f, 0x62, 0x65); // "probe"

/** Runs `check`, mapping any exception to `false`. */
async function safely(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

/** A hash is offered when digest and HMAC both answer with Nh bytes. */
export function probeHash(hash: HashPrimitive): Promise<boolean> {
  return safely(async () => {
    const [digest, mac] = await Promise.all([hash.digest(MESSAGE), hash.hmac(PROBE, MESSAGE)]);
    return digest.length === hash.outputLength && mac.length === hash.outputLength && !bytesEqual(digest, mac);
  });
}

/**
 * ChaCha20-Poly1305 (RFC 8439) of "probe" with key 00..1f, nonce 40..4b and
 * aad "mlskit": a known answer, because the algorithm comes from a proposal
 * whose parameters a runtime might implement differently.
 */
export const CHACHA_KAT = {
  key: Uint8Array.from({ length: 32 }, (_, i) => i),
  nonce: Uint8Array.from({ length: 12 }, (_, i) => 0x40 + i),
  ciphertext: "882613e3177fd05811af4ecb971fe3ef7b465d709d",
} as const;

const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** An AEAD is offered when a round trip works and a forged tag is refused. */
export function probeAead(aead: Aead, randomBytes: (n: number) => Uint8Array): Promise<boolean> {
  return safely(async () => {
    const chacha = aead.id === 0x0003;
    const key = chacha ? CHACHA_KAT.key : randomBytes(aead.keyLength);
    const nonce = chacha ? CHACHA_KAT.nonce : randomBytes(aead.nonceLength);
    const sealed = await aead.seal(key, nonce, MESSAGE, PROBE);
    if (sealed.length !== PROBE.length + aead.tagLength) return false;
    if (chacha && toHex(sealed) !== CHACHA_KAT.ciphertext) return false;
    const opened = await aead.open(key, nonce, MESSAGE, sealed);
    if (!bytesEqual(opened, PROBE)) return false;
    sealed[sealed.length - 1] = expectDefined(sealed.at(-1), "the sealed probe's last byte") ^ 1;
    return aead.open(key, nonce, MESSAGE, sealed).then(
      () => false,
      () => true,
    );
  });
}

/** A random valid private key for `dh`. */
function randomPrivateKey(dh: DhGroup, randomBytes: (n: number) => Uint8Array): Uint8Array {
  for (;;) {
    const sk = randomBytes(dh.privateKeyLength);
    if (dh.bitmask !== undefined) sk[0] = expectDefined(sk[0], "sk[0]") & dh.bitmask;
    if (dh.isValidPrivateKey(sk)) return sk;
  }
}

/**
 * A DH group is offered when two parties agree on a shared secret of Ndh
 * bytes — one with an imported key, the other (when the group generates its
 * own keys) with a generated one.
 */
export function probeDh(dh: DhGroup, randomBytes: (n: number) => Uint8Array): Promise<boolean> {
  return safely(async () => {
    const a = randomPrivateKey(dh, randomBytes);
    let b: Uint8Array;
    let pb: Uint8Array;
    let pa: Uint8Array;
    if (dh.generateKeyPair !== undefined) {
      const generated = await dh.generateKeyPair();
      b = generated.privateKey;
      if (b.length !== dh.privateKeyLength || !dh.isValidPrivateKey(b)) return false;
      // A copy of the private key is imported afresh: its public key must be the generated one.
      [pa, pb] = await Promise.all([dh.publicKey(a), dh.publicKey(b.slice())]);
      if (!bytesEqual(pb, generated.publicKey)) return false;
    } else {
      b = randomPrivateKey(dh, randomBytes);
      [pa, pb] = await Promise.all([dh.publicKey(a), dh.publicKey(b)]);
    }
    if (pa.length !== dh.publicKeyLength || pb.length !== dh.publicKeyLength) return false;
    const [ab, ba] = await Promise.all([dh.dh(a, pb), dh.dh(b, pa)]);
    return ab.length === dh.dhLength && bytesEqual(ab, ba);
  });
}

/**
 * A signature scheme is offered when a generated key, re-imported from its
 * canonical bytes by a second instance (fresh caches), gives the same public
 * key and signs what the first instance verifies — and a wrong message fails.
 */
export function probeSignature(make: () => SignaturePrimitive): Promise<boolean> {
  return safely(async () => {
    const generator = make();
    const importer = make();
    const pair = await generator.generateKeyPair();
    const publicKey = await importer.publicKey(pair.privateKey);
    if (!bytesEqual(publicKey, pair.publicKey)) return false;
    const signature = await importer.sign(pair.privateKey, MESSAGE);
    const [good, bad] = await Promise.all([generator.verify(pair.publicKey, MESSAGE, signature), generator.verify(pair.publicKey, PROBE, signature)]);
    return good && !bad;
  });
}
