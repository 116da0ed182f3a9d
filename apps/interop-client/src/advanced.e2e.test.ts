/**
 * End-to-end, continued: external joins (with and without removing a prior
 * appearance, with PSKs), external and resumption PSKs, GroupContext
 * extensions, external proposals (NewMemberAddProposal, an external
 * signer), ReInit and branching, over three loopback servers for both
 * providers, every member's epoch authenticator checked after each step.
 */
import { describe, expect, it } from "vitest";
import { Script, useCluster } from "./runner.fixture.js";
import type { ProviderName } from "./providers.js";

const utf8 = (s: string) => Buffer.from(s, "utf8");
/** required_capabilities with empty lists, and an empty external_senders list (as the runner's reinit config). */
const REQUIRED_CAPABILITIES = { extension_type: 3, extension_data: Buffer.from("000000", "hex") };
const EMPTY_EXTERNAL_SENDERS = { extension_type: 5, extension_data: Buffer.from("00", "hex") };
/** application_id (§13.2 of RFC 9420's extension list) with a 3-byte id. */
const APPLICATION_ID = { extension_type: 1, extension_data: Buffer.from("03616263", "hex") };

describe.each<ProviderName>(["webcrypto", "noble"])("advanced interop scenarios over gRPC (%s)", (provider) => {
  const cluster = useCluster(3, provider);

  describe.each([false, true])("encrypt_handshake=%s", (encrypt) => {
    it("external_join: with and without the tree in the GroupInfo, resync removing the prior leaf, with PSKs", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob"]);
      await s.externalJoin("alice", "charlie");
      await s.externalJoin("bob", "diana", { externalTree: true });
      // charlie rejoins, removing its prior appearance in the same Commit.
      await s.externalJoin("diana", "charlie", { removePrior: true });
      // eliza joins injecting two external PSKs every member holds (she holds no state yet: StorePSK id 0).
      const p1 = await s.installExternalPsk(["alice", "bob", "charlie", "diana", "eliza"]);
      const p2 = await s.installExternalPsk(["alice", "bob", "charlie", "diana", "eliza"]);
      await s.externalJoin("alice", "eliza", { psks: [p1, p2], externalTree: true });
      await s.fullCommit("charlie", { forcePath: true });
      await s.application("eliza", "joined externally", "ext");
      expect(s.members.size).toBe(5);
    });

    it("external and resumption PSK proposals, by reference and by value; GroupContextExtensions", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob", "charlie"]);
      const psk = await s.installExternalPsk(["alice", "bob", "charlie"]);
      const byRef = await s.propose("bob", "ExternalPSKProposal", { psk_id: psk.id });
      await s.fullCommit("alice", { byReference: [byRef] });
      const psk2 = await s.installExternalPsk(["alice", "bob", "charlie"]);
      await s.fullCommit("charlie", { byValue: [{ type: "externalPSK", pskId: psk2.id }] });
      const epoch = s.epoch;
      const res = await s.propose("charlie", "ResumptionPSKProposal", { epoch_id: String(epoch - 1) });
      await s.fullCommit("bob", { byReference: [res] });
      await s.fullCommit("alice", {
        byValue: [
          { type: "resumptionPSK", epoch: s.epoch - 2 },
          { type: "externalPSK", pskId: psk.id },
        ],
      });
      const gce = await s.propose("bob", "GroupContextExtensionsProposal", { extensions: [APPLICATION_ID, REQUIRED_CAPABILITIES] });
      await s.fullCommit("charlie", { byReference: [gce] });
      await s.fullCommit("alice", { byValue: [{ type: "groupContextExtensions", extensions: [EMPTY_EXTERNAL_SENDERS] }] });
      await s.application("bob", "after the extensions", "gce");
    });

    it("external_proposals: NewMemberAddProposal and an external signer's Add, Remove, PSK and extensions", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob", "charlie"]);
      const nm = await s.newMemberAddProposal("alice", "diana");
      await s.fullCommit("bob", { byReference: [nm], joiners: ["diana"] });
      const signer = await s.addExternalSigner("charlie", "ds");
      await s.fullCommit("alice", { byReference: [signer] });
      const eliza = await s.createKeyPackage("eliza");
      const add = await s.externalSignerProposal("ds", "bob", { type: "add", keyPackage: eliza });
      await s.fullCommit("diana", { byReference: [add], joiners: ["eliza"] });
      const rm = await s.externalSignerProposal("ds", "eliza", { type: "remove", removed: "charlie" });
      await s.fullCommit("alice", { byReference: [rm], removed: ["charlie"] });
      const psk = await s.installExternalPsk(["alice", "bob", "diana", "eliza"]);
      const ep = await s.externalSignerProposal("ds", "alice", { type: "externalPSK", pskId: psk.id });
      const gce = await s.externalSignerProposal("ds", "alice", { type: "groupContextExtensions", extensions: [APPLICATION_ID] });
      await s.fullCommit("eliza", { byReference: [ep] });
      void gce; // proposals of an older epoch are refused; propose again in this epoch:
      const gce2 = await s.externalSignerProposal("ds", "alice", { type: "groupContextExtensions", extensions: [APPLICATION_ID] });
      await s.fullCommit("bob", { byReference: [gce2] });
      await s.application("diana", "after external proposals", "ext-prop");
    });

    it("reinit: change of cipher suite (and signature scheme), group id, extensions; external tree, forced path", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob", "charlie", "diana"]);
      // Same group id, new suite with another signature scheme (Ed25519 → P-256).
      await s.reinit({ proposer: "alice", committer: "bob", welcomer: "charlie", newSuite: 2 });
      await s.application("diana", "on P-256", "reinit-1");
      // Same group id and suite, new extensions (as the runner's change_extensions).
      await s.reinit({ proposer: "diana", committer: "alice", welcomer: "bob", extensions: [REQUIRED_CAPABILITIES, EMPTY_EXTERNAL_SENDERS] });
      // New group id, all roles on one member, tree beside the Welcome, forced path.
      await s.reinit({ proposer: "charlie", committer: "charlie", welcomer: "charlie", newGroupId: utf8(`reinit-${Date.now()}-${encrypt}`), externalTree: true, forcePath: true });
      await s.fullCommit("bob", { forcePath: true });
      await s.application("alice", "reinitialized three times", "");
      expect(s.suite).toBe(2);
    });

    it("reinit from an external signer's ReInit proposal; then branching with and without an external tree", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob", "charlie"]);
      const signer = await s.addExternalSigner("alice", "ds");
      await s.fullCommit("bob", { byReference: [signer] });
      const groupId = utf8(`ext-reinit-${Date.now()}-${encrypt}`);
      const proposal = await s.externalSignerProposal("ds", "bob", { type: "reinit", groupId, cipherSuite: 3 });
      await s.reinit({ externalProposal: proposal, committer: "charlie", welcomer: "alice", newSuite: 3, newGroupId: groupId });
      await s.branch("bob", ["alice", "charlie"]);
      await s.application("charlie", "in the branch", "b1");
      await s.fullCommit("alice", {});
      await s.branch("charlie", ["bob"], { externalTree: true, forcePath: true, extensions: [APPLICATION_ID] });
      await s.application("bob", "in the sub-branch", "b2");
    });
  });
});
