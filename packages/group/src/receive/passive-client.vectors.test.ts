/**
 * passive-client-welcome.json, passive-client-handling-commit.json and
 * passive-client-random.json (README-test-vectors.md "Passive Client
 * Scenarios"), every case × provider: join by Welcome with the given
 * KeyPackage and private keys (tree out of band when given, external PSKs),
 * check the epoch authenticator, then per epoch process the proposals and the
 * Commit and compare the epoch authenticator.
 */
import { afterAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, WireFormat, acceptAll } from "@mlskit/core";
import { type PassiveClientVector, groupVectors, hex, vectorReport } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { canonicalSignaturePrivateKey, openSuite } from "../framing/framing.fixture.js";
import { groupPolicy } from "../policy/group-policy.js";
import type { GroupServices, GroupState } from "../state/group-state.js";
import { processMessage } from "./message-process.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import { joinFromWelcome } from "../welcome/welcome-join.js";

/** Vectors carry lifetimes far from now and long (their trees' leaves expired in 2025): the passive client does not check them. */
const policy = groupPolicy({ lifetime: { checkCurrentTime: false, checkJoinedTree: false, maxLifetime: Infinity } });

async function runCase(provider: ReturnType<typeof testProviders>[number], v: PassiveClientVector): Promise<string | undefined> {
  const cs = await openSuite(provider, v.cipher_suite);
  if (typeof cs === "string") return cs;
  const kpm = decodeMlsMessage(hex(v.key_package));
  if (kpm.wireFormat !== WireFormat.mls_key_package) throw new Error("bad key_package");
  const keyPackage = kpm.keyPackage;
  const psks = new Map(v.external_psks.map((p) => [p.psk_id, hex(p.psk)]));
  const services: GroupServices = {
    identityProvider: new BasicIdentityProvider({ policy: acceptAll }),
    psks: { get: (id) => psks.get(toHex(id)) },
  };
  let state: GroupState = await joinFromWelcome({
    cs,
    welcome: hex(v.welcome),
    keyPackage,
    // P-521 scalars sometimes come without their leading zero byte: pad to the canonical width.
    initPrivateKey: canonicalSignaturePrivateKey(cs, hex(v.init_priv), keyPackage.initKey),
    encryptionPrivateKey: canonicalSignaturePrivateKey(cs, hex(v.encryption_priv), keyPackage.leafNode.encryptionKey),
    signaturePrivateKey: canonicalSignaturePrivateKey(cs, hex(v.signature_priv), keyPackage.leafNode.signatureKey),
    ...(v.ratchet_tree !== null ? { ratchetTree: hex(v.ratchet_tree) } : {}),
    services,
    policy,
  });
  expect(toHex(state.keys.epochAuthenticator)).toBe(v.initial_epoch_authenticator);
  for (const [i, epoch] of v.epochs.entries()) {
    for (const p of epoch.proposals) {
      const r = await processMessage(state, hex(p));
      if (r.kind !== "proposal") throw new Error(`epoch ${i}: expected a proposal, got ${r.kind}`);
      state = r.state;
    }
    const r = await processMessage(state, hex(epoch.commit));
    if (r.kind !== "commit") throw new Error(`epoch ${i}: expected a commit, got ${r.kind}`);
    state = mergeStagedCommit(r.staged);
    expect(toHex(state.keys.epochAuthenticator), `epoch ${i}`).toBe(epoch.epoch_authenticator);
  }
  return undefined;
}

const files: [string, () => PassiveClientVector[]][] = [
  ["passive-client-welcome.json", groupVectors.passiveClientWelcome],
  ["passive-client-handling-commit.json", groupVectors.passiveClientHandlingCommit],
  ["passive-client-random.json", groupVectors.passiveClientRandom],
];

for (const [file, load] of files) {
  for (const provider of testProviders()) {
    describe(`${file} × ${provider.name}`, () => {
      const report = vectorReport(file, provider.name);
      afterAll(() => report.print());
      load().forEach((v, n) => {
        it(`case ${n} (suite ${v.cipher_suite})`, async (t) => {
          const skip = await runCase(provider, v);
          if (skip !== undefined) {
            report.skipped(skip);
            t.skip(skip);
            return;
          }
          report.ran();
        });
      });
    });
  }
}
