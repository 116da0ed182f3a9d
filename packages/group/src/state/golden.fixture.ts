/**
 * Golden fixtures of the stored-state format (docs/ARCHITECTURE.md "State": golden
 * fixtures guard the format across releases). A case is the scenario of
 * `state.fixture.ts` in one cipher suite, as bytes: Alice's stored state
 * (with past epochs, a pending Commit, cached proposals, a held message and
 * an own Update key) and Bob's after his Commit, the messages that prove
 * the loaded state right, and the values it must reproduce. The files under
 * `golden/` were written by an earlier version of this code; every later
 * version must read them (see `golden/README.md` to regenerate).
 *
 * A case file is a list of named entries (TLS presentation language):
 * `struct { opaque name<V>; opaque value<V>; } Entry; Entry entries<V>;`
 * where a list value is itself an `opaque items<V><V>`.
 */
import { Reader, Writer, toHex } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { expect } from "vitest";
import { createApplicationMessage } from "../framing/application-message.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { client } from "../group.fixture.js";
import { type GroupState, exportSecret } from "./group-state.js";
import { processEarlyMessages, processMessage } from "../receive/message-process.js";
import { encodeGroupState } from "./group-state-codec.js";
import { decodeKeyPackageMaterial, encodeKeyPackageMaterial } from "./key-package-material.js";
import { encodePastEpoch } from "./past-epoch-codec.js";
import { buildScenario } from "./state.fixture.js";
import { type StoredState, environment, load, store } from "./stored-state.fixture.js";

/** The suites with a golden case: X25519/AES-128-GCM, P-256, X25519/ChaCha20-Poly1305. */
export const GOLDEN_SUITES = [0x0001, 0x0002, 0x0003] as const;

/** The policy the cases were written under (the decoder takes the run-time policy; these are its inputs). */
export const GOLDEN_POLICY = { handshakeWireFormat: "private" } as const;

/** The file of a suite's case, e.g. `golden/suite-0002.bin`. */
export function goldenFile(suite: number): URL {
  return new URL(`./golden/suite-${suite.toString(16).padStart(4, "0")}.bin`, import.meta.url);
}

const EXPORTER = { label: "golden", context: new Uint8Array([1, 2, 3]), length: 32 } as const;

/** One golden case. */
export interface GoldenCase {
  readonly suite: number;
  /** Alice in epoch 3. */
  readonly alice: StoredState;
  /** Bob in epoch 4, after his Commit. */
  readonly bobAfter: StoredState;
  /** Dave's epoch-3 message Alice has not read, and its text. */
  readonly unread: Uint8Array;
  readonly unreadText: string;
  /** Bob's epoch-2 message Alice has not read, and its text. */
  readonly late: Uint8Array;
  readonly lateText: string;
  /** Messages Alice read before she was stored: replays. */
  readonly consumed: readonly Uint8Array[];
  /** Bob's Commit to epoch 4, and the text of his epoch-4 message Alice holds. */
  readonly bobCommit: Uint8Array;
  readonly heldText: string;
  /** Alice's epoch authenticator and MLS-Exporter("golden", 010203, 32) in epoch 3. */
  readonly epochAuthenticator: Uint8Array;
  readonly exporter: Uint8Array;
  /** The epoch authenticator of epoch 4 reached by Alice's own pending Commit. */
  readonly ownCommitAuthenticator: Uint8Array;
  /** KeyPackage material of a KeyPackage of the suite (last resort). */
  readonly keyPackageMaterial: Uint8Array;
}

/** Builds a fresh case in `cs` (a noble provider: the cases must not depend on WebCrypto's suites). */
export async function buildGoldenCase(cs: CipherSuiteProvider): Promise<GoldenCase> {
  const sc = await buildScenario(cs, GOLDEN_POLICY.handshakeWireFormat);
  const alice = store(sc.alice);
  const keeper = await client(cs, "keeper");
  return {
    suite: cs.suite.id,
    alice,
    bobAfter: store(sc.bobCommit.bobAfter),
    unread: sc.unread.message,
    unreadText: sc.unread.text,
    late: sc.late.message,
    lateText: sc.late.text,
    consumed: sc.consumed,
    bobCommit: sc.bobCommit.message,
    heldText: sc.bobCommit.heldText,
    epochAuthenticator: sc.alice.keys.epochAuthenticator.slice(),
    exporter: await exportSecret(sc.alice, EXPORTER.label, EXPORTER.context, EXPORTER.length),
    ownCommitAuthenticator: sc.alice.pendingCommit!.state.keys.epochAuthenticator.slice(),
    keyPackageMaterial: encodeKeyPackageMaterial({
      keyPackage: keeper.kp.encoded,
      initPrivateKey: keeper.kp.privateKeys.initPrivateKey,
      encryptionPrivateKey: keeper.kp.privateKeys.encryptionPrivateKey,
      lastResort: true,
    }),
  };
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function list(items: readonly Uint8Array[]): Uint8Array {
  const w = new Writer();
  w.prefixed((body) => items.forEach((i) => body.opaque(i)));
  return w.finish();
}

function unlist(bytes: Uint8Array): Uint8Array[] {
  const r = new Reader(bytes);
  const out = r.prefixed((body) => {
    const items: Uint8Array[] = [];
    while (body.remaining > 0) items.push(body.opaque().slice());
    return items;
  });
  r.assertEnd();
  return out;
}

/** The case as a file. */
export function encodeGoldenCase(c: GoldenCase): Uint8Array {
  const entries: [string, Uint8Array][] = [
    ["suite", new Uint8Array([c.suite >> 8, c.suite & 0xff])],
    ["alice.state", c.alice.state],
    ["alice.pastEpochs", list(c.alice.pastEpochs)],
    ["bobAfter.state", c.bobAfter.state],
    ["bobAfter.pastEpochs", list(c.bobAfter.pastEpochs)],
    ["unread", c.unread],
    ["unreadText", utf8(c.unreadText)],
    ["late", c.late],
    ["lateText", utf8(c.lateText)],
    ["consumed", list(c.consumed)],
    ["bobCommit", c.bobCommit],
    ["heldText", utf8(c.heldText)],
    ["epochAuthenticator", c.epochAuthenticator],
    ["exporter", c.exporter],
    ["ownCommitAuthenticator", c.ownCommitAuthenticator],
    ["keyPackageMaterial", c.keyPackageMaterial],
  ];
  const w = new Writer();
  w.prefixed((body) => {
    for (const [name, value] of entries) {
      body.opaque(utf8(name));
      body.opaque(value);
    }
  });
  return w.finish();
}

/** A case file read back. */
export function decodeGoldenCase(bytes: Uint8Array): GoldenCase {
  const r = new Reader(bytes);
  const entries = new Map<string, Uint8Array>();
  r.prefixed((body) => {
    while (body.remaining > 0) entries.set(text(body.opaque()), body.opaque().slice());
  });
  r.assertEnd();
  const get = (name: string) => {
    const v = entries.get(name);
    if (v === undefined) throw new Error(`golden case without ${name}`);
    return v;
  };
  const suite = get("suite");
  return {
    suite: (suite[0]! << 8) | suite[1]!,
    alice: { state: get("alice.state"), pastEpochs: unlist(get("alice.pastEpochs")) },
    bobAfter: { state: get("bobAfter.state"), pastEpochs: unlist(get("bobAfter.pastEpochs")) },
    unread: get("unread"),
    unreadText: text(get("unreadText")),
    late: get("late"),
    lateText: text(get("lateText")),
    consumed: unlist(get("consumed")),
    bobCommit: get("bobCommit"),
    heldText: text(get("heldText")),
    epochAuthenticator: get("epochAuthenticator"),
    exporter: get("exporter"),
    ownCommitAuthenticator: get("ownCommitAuthenticator"),
    keyPackageMaterial: get("keyPackageMaterial"),
  };
}

async function read(state: GroupState, message: Uint8Array): Promise<string> {
  const r = await processMessage(state, message);
  if (r.kind !== "application") throw new Error(`expected an application message, got ${r.kind}`);
  return text(r.data);
}

/**
 * Checks that the states of `c` load with the code of today and behave as
 * when they were written: same secrets, the unread messages read, replays
 * refused, Bob's Commit processed (with Alice's stored Update key) and the
 * held message replayed, Alice's own Commit merged, peers reading what the
 * loaded states send. While the format version is the one that wrote the
 * case, a loaded state also re-encodes to the very same bytes.
 */
export async function checkGoldenCase(c: GoldenCase, cs: CipherSuiteProvider, reencodes: boolean): Promise<void> {
  expect(cs.suite.id).toBe(c.suite);
  const env = environment(cs, GOLDEN_POLICY);
  const fresh = () => load(c.alice, env);

  const alice = await fresh();
  if (reencodes) {
    expect(toHex(encodeGroupState(alice))).toBe(toHex(c.alice.state));
    expect(alice.pastEpochs.map((p) => toHex(encodePastEpoch(p)))).toEqual(c.alice.pastEpochs.map(toHex));
  }
  expect(toHex(alice.keys.epochAuthenticator)).toBe(toHex(c.epochAuthenticator));
  expect(toHex(await exportSecret(alice, EXPORTER.label, EXPORTER.context, EXPORTER.length))).toBe(toHex(c.exporter));
  expect(await read(alice, c.unread)).toBe(c.unreadText);
  expect(await read(alice, c.late)).toBe(c.lateText);
  for (const m of [...c.consumed, c.unread, c.late]) {
    await expect(processMessage(alice, m)).rejects.toSatisfy((e: unknown) => (e as { code?: string }).code === "secret-tree/generation-consumed");
  }

  // Bob's Commit wins: Alice follows it, replays what she held, and Bob reads her.
  const bobAfter = await load(c.bobAfter, env);
  const staged = await processMessage(alice, c.bobCommit);
  if (staged.kind !== "commit") throw new Error(`expected Bob's commit, got ${staged.kind}`);
  const replayed = await processEarlyMessages(alice, mergeStagedCommit(staged.staged));
  expect(replayed.results.map((x) => (x.kind === "application" ? text(x.data) : x.kind))).toEqual([c.heldText]);
  expect(toHex(replayed.state.keys.epochAuthenticator)).toBe(toHex(bobAfter.keys.epochAuthenticator));
  expect(await read(bobAfter, await createApplicationMessage(replayed.state, utf8("golden")))).toBe("golden");

  // Or Alice's pending Commit wins (from a fresh load: the same stored state).
  const again = await fresh();
  const own = await processMessage(again, again.pendingCommit!.message);
  expect(own.kind).toBe("own-commit");
  expect(toHex(own.state.keys.epochAuthenticator)).toBe(toHex(c.ownCommitAuthenticator));
  expect(await read(own.state, c.unread)).toBe(c.unreadText);

  const material = decodeKeyPackageMaterial(c.keyPackageMaterial);
  expect(material.lastResort).toBe(true);
  if (reencodes) expect(toHex(encodeKeyPackageMaterial(material))).toBe(toHex(c.keyPackageMaterial));
}
