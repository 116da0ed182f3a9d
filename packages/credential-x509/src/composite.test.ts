/**
 * An application's Authentication Service: basic credentials from a
 * directory, X.509 credentials, and a credential type of its own (0xF001, a
 * JSON token), combined without forking mlskit.
 */
import { describe, expect, it } from "vitest";
import { bytesEqual, fromHex, toHex, utf8 } from "@mlskit/codec";
import {
  BasicIdentityProvider,
  CompositeIdentityProvider,
  type Credential,
  type CredentialTypeId,
  type CredentialValidationInput,
  CredentialType,
  type IdentityProvider,
  UsageError,
  type ValidatedIdentity,
  ValidationError,
  directoryPolicy,
} from "@mlskit/core";
import { X509IdentityProvider } from "./index.js";
import { generateKeys, issue, makeChain, mlsPublicKey, SUITE } from "./pki.fixture.js";
import { inputFor } from "./test-helpers.fixture.js";

const TOKEN_TYPE = 0xf001;

interface Token {
  readonly sub: string;
  readonly iss: string;
  /** The signature key the token vouches for, hex. */
  readonly key: string;
}

/** The application's own credential type: a JSON token naming a subject and its key. */
class TokenIdentityProvider implements IdentityProvider {
  constructor(private readonly trustedIssuers: readonly string[]) {}

  supportedCredentialTypes(): readonly CredentialTypeId[] {
    return [TOKEN_TYPE];
  }

  async validateCredential(input: CredentialValidationInput): Promise<ValidatedIdentity> {
    const token = this.#token(input.credential);
    if (!this.trustedIssuers.includes(token.iss)) throw new ValidationError("credential/token-untrusted-issuer", "5.3.1", `issuer ${token.iss}`);
    if (!bytesEqual(fromHex(token.key), input.signaturePublicKey)) throw new ValidationError("credential/token-key-mismatch", "5.3.1", "key");
    return { identity: utf8(token.sub), credentialType: TOKEN_TYPE };
  }

  validateExternalSender(input: CredentialValidationInput): Promise<ValidatedIdentity> {
    return this.validateCredential(input);
  }

  async identity(credential: Credential): Promise<Uint8Array> {
    return utf8(this.#token(credential).sub);
  }

  async validSuccessor(predecessor: Credential, successor: Credential): Promise<boolean> {
    return this.#token(predecessor).sub === this.#token(successor).sub;
  }

  #token(credential: Credential): Token {
    if (!("body" in credential)) throw new ValidationError("credential/unsupported-type", "5.3.1", "not a token");
    try {
      return JSON.parse(new TextDecoder().decode(credential.body)) as Token;
    } catch (cause) {
      throw new ValidationError("credential/token-malformed", "5.3.1", "not JSON", { cause });
    }
  }
}

function tokenCredential(token: Token): Credential {
  return { credentialType: TOKEN_TYPE, body: utf8(JSON.stringify(token)) };
}

async function setUp() {
  const chain = await makeChain("Ed25519");
  const bobKey = await mlsPublicKey(await generateKeys("Ed25519"));
  const carolKey = await mlsPublicKey(await generateKeys("Ed25519"));
  const as = new CompositeIdentityProvider([
    new BasicIdentityProvider({ policy: directoryPolicy([["bob", bobKey]]) }),
    new X509IdentityProvider({ trustAnchors: [chain.root.der] }),
  ]).register(new TokenIdentityProvider(["token-service"]));
  return { chain, bobKey, carolKey, as };
}

const suite = SUITE.Ed25519;
const ctx = { event: "key-package" } as const;

describe("CompositeIdentityProvider with basic, X.509 and an application credential type", () => {
  it("dispatches each credential to its provider", async () => {
    const { chain, bobKey, carolKey, as } = await setUp();
    expect([...as.supportedCredentialTypes()].sort()).toEqual([CredentialType.basic, CredentialType.x509, TOKEN_TYPE]);

    const alice = await as.validateCredential(inputFor(chain));
    expect(new TextDecoder().decode(alice.identity)).toBe("mls://example.com/alice");
    expect(alice.credentialType).toBe(CredentialType.x509);

    const bob = await as.validateCredential({
      credential: { credentialType: CredentialType.basic, identity: utf8("bob") },
      signaturePublicKey: bobKey,
      cipherSuite: suite,
      context: ctx,
    });
    expect(bob).toEqual({ identity: utf8("bob"), credentialType: CredentialType.basic });

    const carolToken = tokenCredential({ sub: "carol", iss: "token-service", key: toHex(carolKey) });
    const carol = await as.validateCredential({ credential: carolToken, signaturePublicKey: carolKey, cipherSuite: suite, context: ctx });
    expect(carol).toEqual({ identity: utf8("carol"), credentialType: TOKEN_TYPE });
    expect(await as.identity(carolToken)).toEqual(utf8("carol"));
    const ext = await as.validateExternalSender({ credential: carolToken, signaturePublicKey: carolKey, cipherSuite: suite, context: { event: "external-sender" } });
    expect(ext.credentialType).toBe(TOKEN_TYPE);

    // Each provider's own rejections come through.
    const forged = tokenCredential({ sub: "carol", iss: "elsewhere", key: toHex(carolKey) });
    await expect(as.validateCredential({ credential: forged, signaturePublicKey: carolKey, cipherSuite: suite, context: ctx })).rejects.toMatchObject({
      code: "credential/token-untrusted-issuer",
    });
    await expect(
      as.validateCredential({ credential: { credentialType: CredentialType.basic, identity: utf8("bob") }, signaturePublicKey: carolKey, cipherSuite: suite, context: ctx }),
    ).rejects.toMatchObject({ code: "credential/key-mismatch" });
  });

  it("rejects a credential type nobody registered with credential/unsupported-type", async () => {
    const { as, carolKey } = await setUp();
    const unknown: Credential = { credentialType: 0xf002, body: new Uint8Array([1]) };
    const rejection = as.validateCredential({ credential: unknown, signaturePublicKey: carolKey, cipherSuite: suite, context: ctx });
    await expect(rejection).rejects.toSatisfy((e: unknown) => ValidationError.isInstance(e) && e.code === "credential/unsupported-type" && e.rfcSection === "5.3.1");
    await expect(as.identity(unknown)).rejects.toMatchObject({ code: "credential/unsupported-type" });
    await expect(as.validateExternalSender({ credential: unknown, signaturePublicKey: carolKey, cipherSuite: suite, context: ctx })).rejects.toMatchObject({
      code: "credential/unsupported-type",
    });
    expect(await as.validSuccessor(unknown, unknown)).toBe(false);
  });

  it("refuses two providers for one credential type", async () => {
    const { as } = await setUp();
    expect(() => as.register(new TokenIdentityProvider([]))).toThrow(UsageError);
  });

  it("checks successors per type, and across types only when allowed", async () => {
    const { chain, carolKey, as } = await setUp();
    const carol1 = tokenCredential({ sub: "carol", iss: "token-service", key: toHex(carolKey) });
    const carol2 = tokenCredential({ sub: "carol", iss: "token-service", key: "00" });
    const dave = tokenCredential({ sub: "dave", iss: "token-service", key: "00" });
    expect(await as.validSuccessor(carol1, carol2)).toBe(true);
    expect(await as.validSuccessor(carol1, dave)).toBe(false);

    const aliceX509: Credential = { credentialType: CredentialType.x509, certificates: chain.certificates };
    const renewed = await issue({ alg: "Ed25519", subject: "CN=Alice", issuer: chain.intermediate, sans: [{ type: "url", value: "mls://example.com/alice" }] });
    expect(await as.validSuccessor(aliceX509, { credentialType: CredentialType.x509, certificates: [renewed.der, chain.intermediate.der] })).toBe(true);

    // Moving from a basic credential to an X.509 one with the same identity bytes.
    const aliceBasic: Credential = { credentialType: CredentialType.basic, identity: utf8("mls://example.com/alice") };
    expect(await as.validSuccessor(aliceBasic, aliceX509)).toBe(false);
    const lenient = new CompositeIdentityProvider([new BasicIdentityProvider({ policy: () => true }), new X509IdentityProvider({ trustAnchors: [chain.root.der] })], {
      crossTypeSuccessor: "same-identity",
    });
    expect(await lenient.validSuccessor(aliceBasic, aliceX509)).toBe(true);
    expect(await lenient.validSuccessor({ credentialType: CredentialType.basic, identity: utf8("mallory") }, aliceX509)).toBe(false);
  });
});
