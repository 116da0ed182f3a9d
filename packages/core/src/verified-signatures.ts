/**
 * A small memo of labeled signatures that verified (RFC 9420 §5.1.2), per
 * cipher-suite provider. The same KeyPackage is checked twice on the way
 * into a group (§10.1 when the application validates it, and again when the
 * Commit that adds it is created, §12.2), each time two signatures: a
 * signature over the same bytes with the same key verifies the same way, so
 * the second check is answered from here. Only successes are kept, only for
 * those two labels (KeyPackageTBS, LeafNodeTBS; messages and Commits are
 * verified once each) and small contents, each entry holding copies of the
 * key and content it vouches for, compared in full on a hit. Everything in
 * it is public.
 */
import { bytesEqual } from "@mlskit/codec";
import type { CipherSuiteProvider } from "./crypto-provider.js";

/** The labels remembered (RFC 9420 §10, §7.2). */
const LABELS: ReadonlySet<string> = new Set(["KeyPackageTBS", "LeafNodeTBS"]);
/** Contents larger than this are not remembered. */
const MAX_CONTENT = 4096;
/** Entries per provider, oldest dropped first. */
const CAPACITY = 32;

interface Entry {
  readonly publicKey: Uint8Array;
  readonly label: string;
  readonly content: Uint8Array;
}

const memos = new WeakMap<CipherSuiteProvider, Map<string, Entry>>();

/** Whether signatures under `label` are remembered at all. */
export function remembersLabel(label: string): boolean {
  return LABELS.has(label);
}

function keyOf(signature: Uint8Array): string {
  return String.fromCharCode.apply(null, signature as unknown as number[]);
}

/** Whether this exact signature of `content` under `label` by `publicKey` verified before on `cs`. */
export function verifiedBefore(cs: CipherSuiteProvider, publicKey: Uint8Array, label: string, content: Uint8Array, signature: Uint8Array): boolean {
  if (!LABELS.has(label) || content.length > MAX_CONTENT) return false;
  const e = memos.get(cs)?.get(keyOf(signature));
  return e !== undefined && e.label === label && bytesEqual(e.publicKey, publicKey) && bytesEqual(e.content, content);
}

/** Records a signature that verified (copies of its inputs). */
export function rememberVerified(cs: CipherSuiteProvider, publicKey: Uint8Array, label: string, content: Uint8Array, signature: Uint8Array): void {
  if (!LABELS.has(label) || content.length > MAX_CONTENT) return;
  let memo = memos.get(cs);
  if (memo === undefined) {
    memo = new Map();
    memos.set(cs, memo);
  }
  const key = keyOf(signature);
  memo.delete(key);
  memo.set(key, { publicKey: publicKey.slice(), label, content: content.slice() });
  if (memo.size > CAPACITY) memo.delete(memo.keys().next().value as string);
}
