/**
 * End-to-end: three interop servers on loopback ephemeral ports, driven over
 * gRPC through the scenarios of the MLS WG runner's configs (welcome_join,
 * commit, application, external_join, external PSKs and resumption PSKs,
 * reinit, branch, external_proposals, deep_random), with every member's
 * epoch authenticator compared after each step, for both providers.
 */
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { Script, expectRpcError, useCluster } from "./runner.fixture.js";
import type { ProviderName } from "./providers.js";
import { rpcNames } from "./proto.js";

const utf8 = (s: string) => Buffer.from(s, "utf8");

describe.each<ProviderName>(["webcrypto", "noble"])("interop scenarios over gRPC (%s)", (provider) => {
  const cluster = useCluster(3, provider);

  describe.each([false, true])("encrypt_handshake=%s", (encrypt) => {
    it("welcome_join: joins with the tree in the Welcome and beside it", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroup("alice");
      const bob = await s.createKeyPackage("bob");
      await s.fullCommit("alice", { byValue: [{ type: "add", keyPackage: bob }], joiners: ["bob"] });
      const charlie = await s.createKeyPackage("charlie");
      await s.fullCommit("bob", { byValue: [{ type: "add", keyPackage: charlie }], joiners: ["charlie"], externalTree: true });
      const diana = await s.createKeyPackage("diana");
      const add = await s.propose("charlie", "AddProposal", { key_package: diana });
      await s.fullCommit("alice", { byReference: [add], joiners: ["diana"], externalTree: true, forcePath: true });
      expect(s.members.size).toBe(4);
    });

    it("commit: proposals by value and by reference from several members", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob", "charlie", "diana"]);
      // Updates by reference from two members, a Remove by reference, an Add by value.
      const u1 = await s.propose("bob", "UpdateProposal", {});
      const u2 = await s.propose("charlie", "UpdateProposal", {});
      const rm = await s.propose("diana", "RemoveProposal", { removed_id: utf8("charlie") });
      const eliza = await s.createKeyPackage("eliza");
      await s.fullCommit("alice", { byReference: [u1, u2, rm], byValue: [{ type: "add", keyPackage: eliza }], joiners: ["eliza"], removed: ["charlie"] });
      // A committer's own proposal by reference, a Remove by value, an empty forced-path commit.
      const fred = await s.createKeyPackage("fred");
      const own = await s.propose("eliza", "AddProposal", { key_package: fred });
      await s.fullCommit("eliza", { byReference: [own], byValue: [{ type: "remove", removed: "bob" }], joiners: ["fred"] });
      await s.fullCommit("diana", { forcePath: true });
      await s.fullCommit("fred", {});
      expect([...s.members].sort()).toEqual(["alice", "diana", "eliza", "fred"]);
    });

    it("application: messages with authenticated_data across epochs, and exporters agree", async () => {
      const s = new Script(cluster.endpoints, 1, encrypt);
      await s.createGroupWith("alice", ["bob", "charlie"], true);
      await s.application("alice", "hello from alice", "aad-1");
      await s.application("bob", "hi from bob", "");
      await s.fullCommit("charlie", { forcePath: true });
      await s.application("charlie", "after the commit", "aad-after");
      const exported = new Set<string>();
      for (const m of s.members) {
        const r = await s.call(m, "Export", { state_id: s.stateOf(m), label: "interop", context: utf8("ctx"), key_length: 32 });
        expect(r.exported_secret.length).toBe(32);
        exported.add(Buffer.from(r.exported_secret).toString("hex"));
      }
      expect(exported.size).toBe(1);
    });
  });

  it("a failing RPC answers with a status carrying the typed error; the server keeps serving", async () => {
    const s = new Script(cluster.endpoints, 1, false);
    await s.createGroupWith("alice", ["bob"]);
    const e0 = cluster.endpoints[0]!;
    await expectRpcError(e0.call("StateAuth", { state_id: 987654 }), grpc.status.NOT_FOUND, "interop/unknown-id");
    await expectRpcError(s.call("bob", "HandleCommit", { state_id: s.stateOf("bob"), proposal: [], commit: utf8("garbage") }), grpc.status.INVALID_ARGUMENT, "codec/");
    await expectRpcError(s.call("alice", "RemoveProposal", { state_id: s.stateOf("alice"), removed_id: utf8("nobody") }), grpc.status.FAILED_PRECONDITION, "usage/unknown-member");
    await expectRpcError(s.call("alice", "CreateGroup", { group_id: utf8("x"), cipher_suite: 0x7777, identity: utf8("alice") }), grpc.status.INVALID_ARGUMENT, "crypto/");
    await s.fullCommit("bob", {});
    await s.application("alice", "still serving", "");
  });

  it("Name and SupportedCiphersuites; every RPC of the .proto is bound", async () => {
    for (const e of cluster.endpoints) {
      expect((await e.call("Name", {})).name).toMatch(/^mlskit/);
      expect((await e.call("SupportedCiphersuites", {})).ciphersuites).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it("no RPC answers UNIMPLEMENTED: each one given an empty request answers or fails with a typed status", async () => {
    const names = rpcNames();
    expect(names).toHaveLength(33);
    const e = cluster.endpoints[1]!;
    for (const name of names) {
      try {
        await e.call(name, {});
      } catch (err) {
        const status = (err as { code: grpc.status }).code;
        expect(status, `${name} is implemented`).not.toBe(grpc.status.UNIMPLEMENTED);
        expect([grpc.status.NOT_FOUND, grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION], `${name}: ${(err as Error).message}`).toContain(status);
      }
    }
    expect((await e.call("Name", {})).name).toMatch(/^mlskit/);
  });
});
