/** The bundled copy of the MLS WG's mls_client.proto: where it comes from, and the service it defines. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROTO_PATH, rpcNames } from "./proto.js";

describe("mls_client.proto", () => {
  it("states its origin and that names and numbers are kept for wire compatibility", () => {
    const text = readFileSync(PROTO_PATH, "utf8");
    expect(text).toContain("github.com/mlswg/mls-implementations");
    expect(text).toContain("interop/proto/mls_client.proto");
    expect(text).toMatch(/field numbers are kept identical/);
    expect(text).toContain("package mls_client;");
  });

  it("defines the 33 RPCs of MLSClient", () => {
    expect(rpcNames()).toEqual([
      "Name",
      "SupportedCiphersuites",
      "CreateGroup",
      "CreateKeyPackage",
      "JoinGroup",
      "ExternalJoin",
      "GroupInfo",
      "StateAuth",
      "Export",
      "Protect",
      "Unprotect",
      "StorePSK",
      "AddProposal",
      "UpdateProposal",
      "RemoveProposal",
      "ExternalPSKProposal",
      "ResumptionPSKProposal",
      "GroupContextExtensionsProposal",
      "Commit",
      "HandleCommit",
      "HandlePendingCommit",
      "ReInitProposal",
      "ReInitCommit",
      "HandlePendingReInitCommit",
      "HandleReInitCommit",
      "ReInitWelcome",
      "HandleReInitWelcome",
      "CreateBranch",
      "HandleBranch",
      "NewMemberAddProposal",
      "CreateExternalSigner",
      "AddExternalSigner",
      "ExternalSignerProposal",
    ]);
  });
});
