/**
 * A walkthrough of the foundation: one cipher suite's labeled operations and
 * two epochs of the MLS key schedule, printing what each step derives.
 *
 * Secrets are never printed. Each derived secret is shown as a fingerprint
 * (the first bytes of its hash), which is enough to see that two parties agree
 * without revealing the value; the epoch authenticator, which RFC 9420 §8.7
 * intends to be compared out of band, is shown in full.
 */
import { encode, toHex, utf8 } from "@mlskit/codec";
import {
  type CipherSuiteProvider,
  type CryptoProvider,
  ProtocolVersion,
  decryptWithLabel,
  encryptWithLabel,
  makeKeyPackageRef,
  signWithLabel,
  verifyWithLabel,
} from "@mlskit/core";
import { type GroupContext, SecretTree, deriveEpochSecretsFromCommit, encodeGroupContext, groupContextCodec, mlsExporter } from "@mlskit/key-schedule";

type Print = (line: string) => void;

async function fingerprint(cs: CipherSuiteProvider, secret: Uint8Array): Promise<string> {
  return `#${toHex((await cs.hash(secret)).subarray(0, 6))}`;
}

/** Runs the walkthrough for one provider and suite, printing through `print`. */
export async function walkthrough(provider: CryptoProvider, suite: number, print: Print): Promise<void> {
  const cs = await provider.cipherSuite(suite);
  print(`\n== ${cs.suite.name} (0x${suite.toString(16).padStart(4, "0")}) with the "${provider.name}" provider`);
  print(`   Nh=${cs.hashLength} Nk=${cs.aeadKeyLength} Nn=${cs.aeadNonceLength}`);

  // Signature key pair and SignWithLabel (RFC 9420 §5.1.2).
  const alice = await cs.signatureGenerateKeyPair();
  const content = utf8("hello, group");
  const signature = await signWithLabel(cs, alice.privateKey, "DemoContent", content);
  const valid = await verifyWithLabel(cs, alice.publicKey, "DemoContent", content, signature);
  const tampered = await verifyWithLabel(cs, alice.publicKey, "DemoContent", utf8("hello, grouq"), signature);
  print(`1. signature key: public ${alice.publicKey.length} B; SignWithLabel → ${signature.length} B signature`);
  print(`   verify: ${valid ? "valid" : "INVALID"}; same signature over tampered content: ${tampered ? "VALID?!" : "rejected"}`);

  // HPKE with EncryptWithLabel (RFC 9420 §5.1.3).
  const bob = await cs.hpkeGenerateKeyPair();
  const secretMessage = utf8("path secret for bob");
  const ct = await encryptWithLabel(cs, bob.publicKey, "UpdatePathNode", utf8("context"), secretMessage);
  const opened = await decryptWithLabel(cs, bob.privateKey, "UpdatePathNode", utf8("context"), ct, bob.publicKey);
  print(`2. HPKE: kem_output ${ct.kemOutput.length} B, ciphertext ${ct.ciphertext.length} B; Bob decrypts: "${new TextDecoder().decode(opened)}"`);

  // A reference hash (RFC 9420 §5.2), here over arbitrary bytes standing in for a KeyPackage.
  const ref = await makeKeyPackageRef(cs, alice.publicKey);
  print(`3. KeyPackageRef-style RefHash: ${toHex(ref)}`);

  // Two epochs of the key schedule (RFC 9420 §8).
  let initSecret = cs.randomBytes(cs.hashLength);
  let confirmed: Uint8Array = new Uint8Array(0);
  for (let epoch = 0n; epoch < 2n; epoch++) {
    const groupContext: GroupContext = {
      version: ProtocolVersion.mls10,
      cipherSuite: suite,
      groupId: utf8("demo-group"),
      epoch,
      treeHash: await cs.hash(utf8(`tree of epoch ${epoch}`)),
      confirmedTranscriptHash: confirmed,
      extensions: [],
    };
    const gcBytes = encodeGroupContext(groupContext);
    const commitSecret = cs.randomBytes(cs.hashLength);
    const secrets = await deriveEpochSecretsFromCommit(cs, { initSecret, commitSecret, groupContext: gcBytes });
    print(`4.${epoch} epoch ${epoch}: GroupContext ${gcBytes.length} B (${encode(groupContextCodec, groupContext).length} B re-encoded)`);
    for (const [name, value] of [
      ["sender_data_secret", secrets.senderDataSecret],
      ["encryption_secret", secrets.encryptionSecret],
      ["exporter_secret", secrets.exporterSecret],
      ["confirmation_key", secrets.confirmationKey],
      ["membership_key", secrets.membershipKey],
      ["resumption_psk", secrets.resumptionPsk],
      ["init_secret (next)", secrets.initSecret],
    ] as const) {
      print(`     ${name.padEnd(19)} ${await fingerprint(cs, value)}`);
    }
    print(`     epoch_authenticator ${toHex(secrets.epochAuthenticator)}`);
    const exported = await mlsExporter(cs, secrets.exporterSecret, "demo app key", utf8("call 1"), 16);
    print(`     MLS-Exporter("demo app key", 16) ${await fingerprint(cs, exported)}`);

    // The secret tree (RFC 9420 §9): per-sender ratchets for 4 members.
    const tree = new SecretTree(cs, secrets.encryptionSecret, 4);
    for (const leaf of [0, 3]) {
      for (let i = 0; i < 2; i++) {
        await tree.withNextKey(leaf, "application", async (k) => {
          print(`     leaf ${leaf} application generation ${k.generation}: key ${await fingerprint(cs, k.key)}, nonce ${k.nonce.length} B`);
        });
      }
    }
    tree.wipe();
    initSecret = secrets.initSecret.slice();
    confirmed = await cs.hash(gcBytes);
    secrets.wipe();
  }
}
