/**
 * The encoding of a {@link SecretTreeState} (TLS presentation language,
 * RFC 9420 §2.1), part of a stored group state:
 *
 * ```tls
 * struct { uint32 generation; opaque key<V>; opaque nonce<V>; } SkippedKey;
 * struct { uint32 generation; opaque secret<V>; } RatchetHead;
 * struct {
 *     optional<RatchetHead> head;   // absent once the ratchet is exhausted
 *     SkippedKey skipped<V>;        // ascending by generation
 * } HashRatchetState;
 * struct { uint32 node; opaque secret<V>; } NodeSecret;
 * struct { uint32 leaf; HashRatchetState handshake; HashRatchetState application; } LeafRatchets;
 * struct {
 *     uint32 leaf_count;
 *     NodeSecret nodes<V>;          // ascending by node index
 *     LeafRatchets leaves<V>;       // ascending by leaf index
 * } SecretTreeState;
 * ```
 *
 * Lists are in ascending order without duplicates, so a state has exactly
 * one encoding. The decoder checks every rule of
 * {@link secretTreeStateProblem} and reports a broken one as a
 * `CodecError` `codec/invalid-value` whose path names the field.
 */
import { type Codec, type Reader, type Writer, decode, encode, opaque, optional, vector } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import {
  EXHAUSTED_GENERATION,
  type HashRatchetState,
  type LeafRatchetsState,
  type NodeSecretState,
  type SecretTreeState,
  type SkippedKeyState,
  secretTreeStateProblem,
} from "./secret-tree-state.js";

const skippedKeyCodec: Codec<SkippedKeyState> = {
  encode(w, k) {
    w.uint32(k.generation);
    w.opaque(k.key);
    w.opaque(k.nonce);
  },
  decode: (r) => ({
    generation: r.field("generation", () => r.uint32()),
    key: r.field("key", () => opaque.decode(r)),
    nonce: r.field("nonce", () => opaque.decode(r)),
  }),
};

interface RatchetHead {
  readonly generation: number;
  readonly secret: Uint8Array;
}

const ratchetHeadCodec = optional<RatchetHead>({
  encode(w, h) {
    w.uint32(h.generation);
    w.opaque(h.secret);
  },
  decode: (r) => ({ generation: r.field("generation", () => r.uint32()), secret: r.field("secret", () => opaque.decode(r)) }),
});

const skippedKeysCodec = vector(skippedKeyCodec);

const hashRatchetStateCodec: Codec<HashRatchetState> = {
  encode(w, s) {
    ratchetHeadCodec.encode(w, s.secret === undefined ? undefined : { generation: s.generation, secret: s.secret });
    skippedKeysCodec.encode(w, s.skipped as SkippedKeyState[]);
  },
  decode(r) {
    const head = r.field("head", () => ratchetHeadCodec.decode(r));
    const skipped = r.field("skipped", () => skippedKeysCodec.decode(r));
    return head === undefined ? { secret: undefined, generation: EXHAUSTED_GENERATION, skipped } : { ...head, skipped };
  },
};

const nodesCodec = vector<NodeSecretState>({
  encode(w, n) {
    w.uint32(n.node);
    w.opaque(n.secret);
  },
  decode: (r) => ({ node: r.field("node", () => r.uint32()), secret: r.field("secret", () => opaque.decode(r)) }),
});

const leavesCodec = vector<LeafRatchetsState>({
  encode(w, l) {
    w.uint32(l.leaf);
    hashRatchetStateCodec.encode(w, l.handshake);
    hashRatchetStateCodec.encode(w, l.application);
  },
  decode: (r) => ({
    leaf: r.field("leaf", () => r.uint32()),
    handshake: r.field("handshake", () => hashRatchetStateCodec.decode(r)),
    application: r.field("application", () => hashRatchetStateCodec.decode(r)),
  }),
});

/** Writes a state; the encoder does not check it (see {@link secretTreeStateProblem}). */
function writeSecretTreeState(w: Writer, s: SecretTreeState): void {
  w.uint32(s.leafCount);
  nodesCodec.encode(w, s.nodes as NodeSecretState[]);
  leavesCodec.encode(w, s.leaves as LeafRatchetsState[]);
}

function readSecretTreeState(cs: CipherSuiteProvider, r: Reader): SecretTreeState {
  const start = r.offset;
  const state: SecretTreeState = {
    leafCount: r.field("leaf_count", () => r.uint32()),
    nodes: r.field("nodes", () => nodesCodec.decode(r)),
    leaves: r.field("leaves", () => leavesCodec.decode(r)),
  };
  const problem = secretTreeStateProblem(cs, state);
  if (problem !== undefined) r.field(problem.path, () => r.fail("codec/invalid-value", problem.message, start));
  return state;
}

/**
 * The codec of {@link SecretTreeState} for the suite of `cs`, whose sizes
 * (KDF.Nh, AEAD.Nk, AEAD.Nn) the decoder checks.
 */
export function secretTreeStateCodec(cs: CipherSuiteProvider): Codec<SecretTreeState> {
  return { encode: writeSecretTreeState, decode: (r) => readSecretTreeState(cs, r) };
}

/** Encodes a secret tree state (see the module documentation for the layout). */
export function encodeSecretTreeState(state: SecretTreeState): Uint8Array {
  return encode({ encode: writeSecretTreeState, decode: () => state }, state);
}

/**
 * Decodes a whole secret tree state of the suite of `cs`.
 * @throws CodecError for malformed or trailing bytes, and `codec/invalid-value`
 *   for a state that breaks a rule of {@link secretTreeStateProblem}.
 */
export function decodeSecretTreeState(cs: CipherSuiteProvider, bytes: Uint8Array): SecretTreeState {
  return decode(secretTreeStateCodec(cs), bytes, "SecretTreeState");
}
