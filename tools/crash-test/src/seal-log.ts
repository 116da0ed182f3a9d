/**
 * The check of the key log (every AEAD seal of the campaign, see
 * recording-crypto.ts): no (key, nonce) pair may seal two different
 * contents, and no key may seal two ciphertexts that both left a client.
 *
 * A key sealing twice is not always a fault. A message's ratchet key is
 * stored as used only after the seal (the state is written before the
 * message is released), so a kill in between makes the restarted client
 * seal with that key again: the first ciphertext never left the process,
 * and the reuse guard (RFC 9420 §6.3.1) gives the second a fresh nonce.
 * A Commit without an UpdatePath is deterministic (Ed25519 signatures), so
 * re-creating one after a kill seals the same Welcome again: same key,
 * nonce and content, hence the same ciphertext, which reveals nothing.
 * Both are counted; only the two faults above fail the test.
 */
import { readFileSync, existsSync } from "node:fs";
import { WireFormat } from "@mlskit/core";
import { decodeMlsMessage } from "@mlskit/group";
import { digest, parseSeal } from "./recording-crypto.js";

/** What the key log shows. */
export interface KeyReport {
  readonly seals: number;
  readonly distinctKeys: number;
  /** Lines torn by a kill in the middle of the append (ignored). */
  readonly tornLines: number;
  /** (key, nonce) pairs that sealed different contents: must be 0. */
  readonly pairsReusedForOtherContent: number;
  /** Keys under which two different ciphertexts both left a client: must be 0. */
  readonly keysReusedReleased: number;
  /** (key, nonce) pairs that sealed the same content again (a deterministic re-creation): harmless. */
  readonly identicalReseals: number;
  /** Keys that sealed again after a kill, whose earlier ciphertext never left the process (a fresh nonce each time). */
  readonly keysReusedUnreleased: number;
}

/** Digests of every AEAD ciphertext in these MLSMessages (PrivateMessage content and sender data, Welcome GroupInfo). */
export function releasedCiphertexts(messages: Iterable<Uint8Array>): Set<string> {
  const out = new Set<string>();
  for (const bytes of messages) {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat === WireFormat.mls_private_message) {
      out.add(digest(m.privateMessage.ciphertext));
      out.add(digest(m.privateMessage.encryptedSenderData));
    } else if (m.wireFormat === WireFormat.mls_welcome) {
      out.add(digest(m.welcome.encryptedGroupInfo));
    }
  }
  return out;
}

/** Reads the key log and classifies every key that sealed more than once. */
export function analyzeSealLog(path: string, released: ReadonlySet<string>): KeyReport {
  const byKey = new Map<string, { nonce: string; ciphertext: string }[]>();
  let seals = 0;
  let tornLines = 0;
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  for (const line of text.split("\n")) {
    if (line.length === 0) continue;
    const r = parseSeal(line);
    if (r === undefined) {
      tornLines++;
      continue;
    }
    seals++;
    const list = byKey.get(r.key);
    if (list === undefined) byKey.set(r.key, [{ nonce: r.nonce, ciphertext: r.ciphertext }]);
    else list.push({ nonce: r.nonce, ciphertext: r.ciphertext });
  }
  let pairsReusedForOtherContent = 0;
  let identicalReseals = 0;
  let keysReusedReleased = 0;
  let keysReusedUnreleased = 0;
  for (const uses of byKey.values()) {
    if (uses.length < 2) continue;
    const byNonce = new Map<string, Set<string>>();
    for (const u of uses) {
      const cts = byNonce.get(u.nonce) ?? new Set<string>();
      byNonce.set(u.nonce, cts);
      if (cts.has(u.ciphertext)) identicalReseals++;
      cts.add(u.ciphertext);
    }
    for (const cts of byNonce.values()) if (cts.size > 1) pairsReusedForOtherContent++;
    const distinct = new Set(uses.map((u) => u.ciphertext));
    if (distinct.size < 2) continue;
    const left = [...distinct].filter((c) => released.has(c)).length;
    if (left >= 2) keysReusedReleased++;
    else keysReusedUnreleased++;
  }
  return { seals, distinctKeys: byKey.size, tornLines, pairsReusedForOtherContent, keysReusedReleased, identicalReseals, keysReusedUnreleased };
}
