import { inspect } from "node:util";
import { bytesEqual, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, type CryptoProvider, UsageError } from "@mlskit/core";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { afterAll, describe, expect, it } from "vitest";
import { EpochSecrets } from "./epoch-secrets.js";
import { mlsExporter } from "./exporter.js";
import { createExternalInit, deriveExternalKeyPair, processExternalInit } from "./external-init.js";
import { decodeGroupContext, encodeGroupContext } from "./group-context.js";
import { deriveEpochSecrets, deriveEpochSecretsFromCommit, deriveJoinerSecret, deriveWelcomeSecret } from "./key-schedule.js";

/** The suite's provider, or why this provider cannot serve it here (reported as a skip). */
async function openSuite(provider: CryptoProvider, suite: number): Promise<CipherSuiteProvider | string> {
  if ((await provider.supportedCipherSuites()).includes(suite)) return provider.cipherSuite(suite);
  return provider.cipherSuite(suite).then(
    () => `suite ${suite} not listed as supported by ${provider.name}`,
    (e: unknown) => (e instanceof Error ? e.message.split(". ")[0]! : String(e)),
  );
}

const FILE = "key-schedule.json";
const cases = vectors.keySchedule();
const isZero = (b: Uint8Array) => b.every((x) => x === 0);

for (const provider of testProviders()) {
  describe(`${FILE} × ${provider.name}`, () => {
    const report = vectorReport(FILE, provider.name);
    afterAll(() => report.print());

    cases.forEach((v, n) => {
      it(`case ${n} (suite ${v.cipher_suite}, ${v.epochs.length} epochs)`, async (ctx) => {
        const cs = await openSuite(provider, v.cipher_suite);
        if (typeof cs === "string") {
          report.skipped(cs);
          ctx.skip(cs);
          return;
        }
        let initSecret = hex(v.initial_init_secret);
        for (const [i, e] of v.epochs.entries()) {
          // GroupContext of epoch i, re-encoded from the epoch's fields (RFC 9420 §8.1).
          const groupContext = encodeGroupContext({
            version: 1,
            cipherSuite: v.cipher_suite,
            groupId: hex(v.group_id),
            epoch: BigInt(i),
            treeHash: hex(e.tree_hash),
            confirmedTranscriptHash: hex(e.confirmed_transcript_hash),
            extensions: [],
          });
          expect(toHex(groupContext), `group_context of epoch ${i}`).toBe(e.group_context);
          expect(encodeGroupContext(decodeGroupContext(groupContext))).toEqual(groupContext);

          const pskSecret = hex(e.psk_secret);
          const commitSecret = hex(e.commit_secret);
          const initBefore = initSecret.slice();
          const joinerSecret = await deriveJoinerSecret(cs, initSecret, commitSecret, groupContext);
          expect(toHex(joinerSecret)).toBe(e.joiner_secret);
          expect(isZero(commitSecret), "commit_secret consumed").toBe(true);
          expect(initSecret, "previous init_secret only read").toEqual(initBefore);

          expect(toHex(await deriveWelcomeSecret(cs, joinerSecret, pskSecret))).toBe(e.welcome_secret);
          const secrets = await deriveEpochSecrets(cs, { joinerSecret, pskSecret, groupContext });
          expect(isZero(joinerSecret), "joiner_secret consumed").toBe(true);
          expect(pskSecret).toEqual(hex(e.psk_secret));

          expect(toHex(secrets.welcomeSecret)).toBe(e.welcome_secret);
          expect(toHex(secrets.initSecret)).toBe(e.init_secret);
          expect(toHex(secrets.senderDataSecret)).toBe(e.sender_data_secret);
          expect(toHex(secrets.encryptionSecret)).toBe(e.encryption_secret);
          expect(toHex(secrets.exporterSecret)).toBe(e.exporter_secret);
          expect(toHex(secrets.epochAuthenticator)).toBe(e.epoch_authenticator);
          expect(toHex(secrets.externalSecret)).toBe(e.external_secret);
          expect(toHex(secrets.confirmationKey)).toBe(e.confirmation_key);
          expect(toHex(secrets.membershipKey)).toBe(e.membership_key);
          expect(toHex(secrets.resumptionPsk)).toBe(e.resumption_psk);

          // The one-call path from a Commit agrees.
          const viaCommit = await deriveEpochSecretsFromCommit(cs, {
            initSecret,
            commitSecret: hex(e.commit_secret),
            pskSecret,
            groupContext,
          });
          expect(viaCommit.values()).toEqual(secrets.values());

          // external_priv, external_pub = KEM.DeriveKeyPair(external_secret) (RFC 9420 §8).
          const external = await deriveExternalKeyPair(cs, secrets.externalSecret);
          expect(toHex(external.publicKey)).toBe(e.external_pub);

          const exported = await mlsExporter(cs, secrets.exporterSecret, e.exporter.label, hex(e.exporter.context), e.exporter.length);
          expect(toHex(exported)).toBe(e.exporter.secret);

          initSecret = secrets.initSecret;
        }
        report.ran();
      });
    });

    it("external init: joiner and members agree on init_secret (RFC 9420 §8.3)", async (ctx) => {
      const suites = await provider.supportedCipherSuites();
      if (suites.length === 0) ctx.skip();
      for (const suite of suites) {
        const cs = await provider.cipherSuite(suite);
        const external = await deriveExternalKeyPair(cs, cs.randomBytes(cs.hashLength));
        const joiner = await createExternalInit(cs, external.publicKey);
        expect(joiner.initSecret.length).toBe(cs.hashLength);
        const member = await processExternalInit(cs, joiner.kemOutput, external.privateKey, external.publicKey);
        expect(bytesEqual(member, joiner.initSecret)).toBe(true);
        expect(JSON.stringify(joiner)).not.toContain(toHex(joiner.initSecret));
        expect(inspect(joiner)).toBe("ExternalInit [redacted]");
      }
    });
  });
}

describe("key schedule (unit)", async () => {
  const provider = testProviders()[0]!;
  const cs = await provider.cipherSuite(1);
  const nh = cs.hashLength;
  const groupContext = encodeGroupContext({
    version: 1,
    cipherSuite: 1,
    groupId: new Uint8Array([1, 2, 3]),
    epoch: 1n,
    treeHash: new Uint8Array(nh),
    confirmedTranscriptHash: new Uint8Array(nh),
    extensions: [],
  });

  it("treats an omitted psk_secret as the all-zero vector (RFC 9420 §8.4)", async () => {
    const joiner = cs.randomBytes(nh);
    const a = await deriveEpochSecrets(cs, { joinerSecret: joiner.slice(), groupContext });
    const b = await deriveEpochSecrets(cs, { joinerSecret: joiner.slice(), pskSecret: new Uint8Array(nh), groupContext });
    expect(a.values()).toEqual(b.values());
    expect(await deriveWelcomeSecret(cs, joiner)).toEqual(a.welcomeSecret);
  });

  it("rejects secrets of the wrong length", async () => {
    const bad = new Uint8Array(nh - 1);
    await expect(deriveJoinerSecret(cs, bad, new Uint8Array(nh), groupContext)).rejects.toSatisfy(UsageError.isInstance);
    await expect(deriveJoinerSecret(cs, new Uint8Array(nh), bad, groupContext)).rejects.toThrow(/commit_secret/);
    await expect(deriveEpochSecrets(cs, { joinerSecret: bad, groupContext })).rejects.toThrow(/joiner_secret/);
    await expect(deriveEpochSecrets(cs, { joinerSecret: new Uint8Array(nh), pskSecret: bad, groupContext })).rejects.toThrow(/psk_secret/);
  });

  it("EpochSecrets redacts itself and wipes", async () => {
    const secrets = await deriveEpochSecretsFromCommit(cs, {
      initSecret: cs.randomBytes(nh),
      commitSecret: cs.randomBytes(nh),
      groupContext,
    });
    const secretHex = toHex(secrets.exporterSecret);
    expect(JSON.stringify({ secrets })).toBe('{"secrets":{"redacted":"EpochSecrets"}}');
    expect(inspect(secrets, { showHidden: true, depth: 5 })).not.toContain(secretHex.slice(0, 8));
    expect(inspect(secrets)).toBe("EpochSecrets [redacted]");
    expect(String(secrets)).toBe("EpochSecrets [redacted]");
    expect(Object.values({ ...secrets })).toEqual([]);
    expect(secrets).toBeInstanceOf(EpochSecrets);
    const values = secrets.values();
    secrets.wipe();
    for (const v of Object.values(values)) expect(isZero(v)).toBe(true);
  });
});
