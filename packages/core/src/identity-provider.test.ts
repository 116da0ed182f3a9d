import { describe, expect, it } from "vitest";
import { utf8 } from "@mlskit/codec";
import {
  BasicIdentityProvider,
  CompositeIdentityProvider,
  type Credential,
  type CredentialContext,
  type CredentialValidationInput,
  CredentialType,
  type IdentityProvider,
  UsageError,
  ValidationError,
  acceptAll,
  directoryPolicy,
  validationTime,
} from "./index.js";

const aliceKey = new Uint8Array(32).fill(0xa1);
const bobKey = new Uint8Array(32).fill(0xb0);
const ctx: CredentialContext = { event: "key-package" };

function basic(identity: string | Uint8Array): Credential {
  return { credentialType: CredentialType.basic, identity: typeof identity === "string" ? utf8(identity) : identity };
}

function input(credential: Credential, signaturePublicKey: Uint8Array, context = ctx): CredentialValidationInput {
  return { credential, signaturePublicKey, cipherSuite: 1, context };
}

async function rejection(p: Promise<unknown>): Promise<ValidationError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(ValidationError.isInstance(e), String(e)).toBe(true);
  return e as ValidationError;
}

describe("BasicIdentityProvider with a directory policy", () => {
  const provider = new BasicIdentityProvider({
    policy: directoryPolicy([
      ["alice", aliceKey],
      [utf8("bob"), bobKey],
    ]),
  });

  it("accepts an identity with the key the directory holds for it", async () => {
    const cred = basic("alice");
    const v = await provider.validateCredential(input(cred, aliceKey));
    expect(v).toEqual({ identity: utf8("alice"), credentialType: CredentialType.basic });
    expect(v.identity).not.toBe((cred as { identity: Uint8Array }).identity); // a copy
    expect((await provider.validateExternalSender(input(basic("bob"), bobKey, { event: "external-sender" }))).identity).toEqual(utf8("bob"));
  });

  it("rejects an unknown identity", async () => {
    const e = await rejection(provider.validateCredential(input(basic("mallory"), aliceKey)));
    expect(e.code).toBe("credential/unknown-identity");
    expect(e.rfcSection).toBe("5.3.1");
    expect(e.message).toContain('"mallory"');
  });

  it("rejects a known identity with another key", async () => {
    const e = await rejection(provider.validateCredential(input(basic("alice"), bobKey)));
    expect(e.code).toBe("credential/key-mismatch");
  });

  it("rejects other credential types", async () => {
    const x509: Credential = { credentialType: CredentialType.x509, certificates: [] };
    expect((await rejection(provider.validateCredential(input(x509, aliceKey)))).code).toBe("credential/unsupported-type");
    expect((await rejection(provider.identity(x509))).code).toBe("credential/unsupported-type");
  });

  it("looks keys up through a function, and may be asynchronous", async () => {
    const lookups: string[] = [];
    const p = new BasicIdentityProvider({
      policy: directoryPolicy(async (id) => {
        lookups.push(new TextDecoder().decode(id));
        return id.length === 5 ? aliceKey : undefined;
      }),
    });
    await p.validateCredential(input(basic("alice"), aliceKey));
    expect((await rejection(p.validateCredential(input(basic("bob"), bobKey)))).code).toBe("credential/unknown-identity");
    expect(lookups).toEqual(["alice", "bob"]);
  });

  it("successor must present the same identity bytes (RFC 9420 §5.3.1)", async () => {
    expect(await provider.validSuccessor(basic("alice"), basic("alice"))).toBe(true);
    expect(await provider.validSuccessor(basic("alice"), basic("bob"))).toBe(false);
    expect(await provider.validSuccessor(basic("alice"), { credentialType: 0xf001, body: utf8("alice") })).toBe(false);
    expect(await provider.identity(basic(new Uint8Array([0, 1, 2])))).toEqual(new Uint8Array([0, 1, 2]));
  });
});

describe("BasicIdentityProvider policies", () => {
  it("rejects with credential/rejected when the policy returns false, and passes the context", async () => {
    const seen: CredentialContext[] = [];
    const p = new BasicIdentityProvider({
      policy: (_id, _key, context) => {
        seen.push(context);
        return false;
      },
      externalSenderPolicy: acceptAll,
    });
    const context: CredentialContext = { event: "commit", time: 1_700_000_000, group: { groupId: utf8("g"), extensions: [] } };
    const e = await rejection(p.validateCredential(input(basic("alice"), aliceKey, context)));
    expect(e.code).toBe("credential/rejected");
    expect(seen).toEqual([context]);
    // The external-sender policy is separate.
    await p.validateExternalSender(input(basic("ds"), bobKey, { event: "external-sender" }));
  });

  it("acceptAll accepts anything, but only when chosen", async () => {
    const p = new BasicIdentityProvider({ policy: acceptAll });
    await p.validateCredential(input(basic("anyone"), bobKey));
  });
});

describe("validationTime", () => {
  it("reads a Date, epoch seconds, or defaults to now", () => {
    const d = new Date("2025-01-02T03:04:05Z");
    expect(validationTime({ event: "update", time: d })).toBe(d);
    expect(validationTime({ event: "update", time: d.getTime() / 1000 }).toISOString()).toBe(d.toISOString());
    expect(Math.abs(validationTime({ event: "update" }).getTime() - Date.now())).toBeLessThan(1000);
  });
});

describe("CompositeIdentityProvider", () => {
  /** An application credential type: body = identity, any key accepted. */
  const custom: IdentityProvider = {
    supportedCredentialTypes: () => [0xf001],
    validateCredential: async ({ credential }) => ({ identity: (credential as { body: Uint8Array }).body, credentialType: 0xf001 }),
    validateExternalSender: async ({ credential }) => ({ identity: (credential as { body: Uint8Array }).body, credentialType: 0xf001 }),
    identity: async (credential) => (credential as { body: Uint8Array }).body,
    validSuccessor: async () => true,
  };

  it("dispatches by credential type and rejects unregistered types", async () => {
    const as = new CompositeIdentityProvider([new BasicIdentityProvider({ policy: directoryPolicy([["alice", aliceKey]]) })]).register(custom);
    expect(as.supportedCredentialTypes()).toEqual([CredentialType.basic, 0xf001]);
    expect(as.providerFor(0xf001)).toBe(custom);
    expect((await as.validateCredential(input(basic("alice"), aliceKey))).credentialType).toBe(CredentialType.basic);
    expect((await as.validateCredential(input({ credentialType: 0xf001, body: utf8("carol") }, bobKey))).identity).toEqual(utf8("carol"));

    const unknown: Credential = { credentialType: CredentialType.x509, certificates: [] };
    const e = await rejection(as.validateCredential(input(unknown, aliceKey)));
    expect(e.code).toBe("credential/unsupported-type");
    expect(e.message).toContain("0x0002");
    expect((await rejection(as.identity(unknown))).code).toBe("credential/unsupported-type");
  });

  it("refuses a second provider for a type", () => {
    const as = new CompositeIdentityProvider([custom]);
    expect(() => as.register(custom)).toThrow(UsageError);
    expect(as.supportedCredentialTypes()).toEqual([0xf001]);
  });

  it("decides cross-type successors by option", async () => {
    const providers = [new BasicIdentityProvider({ policy: acceptAll }), custom];
    const from = basic("carol");
    const to: Credential = { credentialType: 0xf001, body: utf8("carol") };
    expect(await new CompositeIdentityProvider(providers).validSuccessor(from, to)).toBe(false);
    const lenient = new CompositeIdentityProvider(providers, { crossTypeSuccessor: "same-identity" });
    expect(await lenient.validSuccessor(from, to)).toBe(true);
    expect(await lenient.validSuccessor(basic("dave"), to)).toBe(false);
    expect(await lenient.validSuccessor(basic("carol"), basic("carol"))).toBe(true);
  });
});
