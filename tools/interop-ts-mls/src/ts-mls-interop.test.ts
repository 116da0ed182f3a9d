/**
 * Interop with a real peer (issue 19): mlskit against ts-mls 2.0.0-rc.10
 * (npm, with its optional peers @hpke/ml-kem 0.3.0, @hpke/hybridkem-x-wing
 * 0.7.0, @noble/post-quantum 0.5.2, @noble/curves, @hpke/chacha20poly1305,
 * @hpke/dhkem-x448), on every suite both support: RFC 9420's 0x0001-0x0007
 * and ts-mls's post-quantum suites 0xF007-0xF012, which mlskit speaks
 * through TS_MLS_CIPHER_SUITE_MAP.
 *
 * For each suite and each direction (A creates the group and adds B from a
 * KeyPackage of B's library, B joins from the Welcome): a message each way,
 * a self-Update by B processed by A and one by A processed by B (full
 * paths), a third member (A's library) added by A and removed by B, a message
 * after it, and exporter agreement. The matrix (suite × operation ×
 * direction) is printed at the end.
 *
 * Where ts-mls deviates from RFC 9420, mlskit is not bent to it; the test
 * expects mlskit's refusal and says so:
 * - ts-mls writes ECDSA signature keys (P-256, P-384, P-521) in their SEC1
 *   compressed form; RFC 9420 §5.1.1 requires the uncompressed encoding, so
 *   mlskit refuses ts-mls's KeyPackages and leaves in suites 0x0002, 0x0005
 *   and 0x0007: a KeyPackage (leaf-node/invalid-signature-key) and the tree
 *   of a ts-mls Welcome (tree/invalid-signature-key); the test checks both
 *   refusals, and the other operations are n/a on those suites.
 * - ts-mls decodes the `external_senders` extension as a single
 *   ExternalSender, where §12.1.8.1 defines a vector of them; the flows here
 *   use no external senders, so that deviation is noted, not exercised.
 * - ts-mls commits a single Remove without an UpdatePath (it asks for a path
 *   only for more than one Remove or Update: `Object.values(...).length > 1`
 *   in clientState.js); RFC 9420 §12.4 and §17.4 ("Path Required: Y" for
 *   Remove) require one, so mlskit refuses such a Commit
 *   (commit/missing-path, §12.4) — checked below on every suite. The
 *   cross-library Remove of the matrix therefore removes two members in one
 *   Commit, for which ts-mls does send the path the RFC requires.
 */
import { afterAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, TS_MLS_CIPHER_SUITE_MAP, ValidationError, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, type Group } from "@mlskit/mls";
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientState,
  type KeyPackage,
  type MlsContext,
  type MlsFramedMessage,
  type MlsMessage,
  type PrivateKeyPackage,
  ciphersuites,
  createApplicationMessage,
  createCommit,
  createGroup,
  decode,
  defaultCredentialTypes,
  defaultProposalTypes,
  encode,
  generateKeyPackage,
  getCiphersuiteImpl,
  joinGroup,
  mlsExporter,
  mlsMessageDecoder,
  mlsMessageEncoder,
  processMessage,
  protocolVersions,
  unsafeTestingAuthenticationService,
  wireformats,
} from "ts-mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider({ cipherSuites: TS_MLS_CIPHER_SUITE_MAP });
const te = new TextEncoder();
const td = new TextDecoder();
const hex = (id: number) => `0x${id.toString(16).padStart(4, "0")}`;
const EXPORT_LABEL = "interop";
const EXPORT_CONTEXT = te.encode("ctx");

/** Suites whose ts-mls leaves carry compressed ECDSA keys (see the module doc). */
const COMPRESSED_ECDSA = new Set([0x0002, 0x0005, 0x0007]);

// ---------------------------------------------------------------- the two peers behind one interface

/** One member, of either library. */
interface Peer {
  readonly lib: "mlskit" | "ts-mls";
  readonly name: string;
  /** Creates a group alone. */
  create(): Promise<void>;
  /** A fresh KeyPackage as MLSMessage bytes. */
  keyPackage(): Promise<Uint8Array>;
  /** Commits Adds of the KeyPackages; returns the Commit and the Welcome (MLSMessage bytes, tree inside). */
  add(kps: Uint8Array[]): Promise<{ commit: Uint8Array; welcome: Uint8Array }>;
  join(welcome: Uint8Array): Promise<void>;
  /** A self-Update (full path). */
  update(): Promise<Uint8Array>;
  /** Removes the members called `names`, in one Commit. */
  remove(names: string[]): Promise<Uint8Array>;
  encrypt(text: string): Promise<Uint8Array>;
  /** Processes a message: the plaintext of an application message, "commit" for a Commit (merged). */
  receive(m: Uint8Array): Promise<string>;
  exporter(): Promise<string>;
  epoch(): bigint;
}

class MlskitPeer implements Peer {
  readonly lib = "mlskit" as const;
  #client!: Client;
  #group!: Group;
  constructor(
    readonly name: string,
    readonly suite: number,
  ) {}
  async init(): Promise<this> {
    this.#client = await Client.create({ identity: this.name, identityProvider, crypto, cipherSuite: this.suite });
    return this;
  }
  async create() {
    this.#group = await this.#client.createGroup();
  }
  async keyPackage() {
    return (await this.#client.createKeyPackage()).keyPackage;
  }
  async add(kps: Uint8Array[]) {
    const out = await this.#group.addMembers(kps);
    await this.#group.confirmPendingCommit();
    return { commit: out.commit, welcome: out.welcome! };
  }
  async join(welcome: Uint8Array) {
    this.#group = await this.#client.joinFromWelcome(welcome);
  }
  async update() {
    const out = await this.#group.update();
    await this.#group.confirmPendingCommit();
    return out.commit;
  }
  async remove(names: string[]) {
    const out = await this.#group.removeMembers(names);
    await this.#group.confirmPendingCommit();
    return out.commit;
  }
  encrypt(text: string) {
    return this.#group.encrypt(text);
  }
  async receive(m: Uint8Array) {
    const r = await this.#group.processIncoming(m);
    if (r.kind === "application") return td.decode(r.data);
    if (r.kind === "commit") {
      await r.staged.merge();
      return "commit";
    }
    throw new Error(`mlskit: unexpected ${r.kind}`);
  }
  async exporter() {
    return toHex(await this.#group.export(EXPORT_LABEL, EXPORT_CONTEXT, 32));
  }
  epoch() {
    return this.#group.epoch;
  }
}

const encodeMessage = (m: MlsMessage): Uint8Array => encode(mlsMessageEncoder, m);

class TsMlsPeer implements Peer {
  readonly lib = "ts-mls" as const;
  #impl!: CiphersuiteImpl;
  #ctx!: MlsContext;
  #state!: ClientState;
  #pending: { keyPackage: KeyPackage; privatePackage: PrivateKeyPackage }[] = [];
  constructor(
    readonly name: string,
    readonly suite: number,
  ) {}
  async init(): Promise<this> {
    const name = Object.entries(ciphersuites).find(([, id]) => id === this.suite)![0] as CiphersuiteName;
    this.#impl = await getCiphersuiteImpl(name);
    this.#ctx = { cipherSuite: this.#impl, authService: unsafeTestingAuthenticationService };
    return this;
  }
  async #generate() {
    const kp = await generateKeyPackage({ credential: { credentialType: defaultCredentialTypes.basic, identity: te.encode(this.name) }, cipherSuite: this.#impl });
    return { keyPackage: kp.publicPackage, privatePackage: kp.privatePackage };
  }
  async create() {
    const kp = await this.#generate();
    this.#state = await createGroup({ context: this.#ctx, groupId: te.encode(`group-of-${this.name}`), keyPackage: kp.keyPackage, privateKeyPackage: kp.privatePackage });
  }
  async keyPackage() {
    const kp = await this.#generate();
    this.#pending.push(kp);
    return encodeMessage({ version: protocolVersions.mls10, wireformat: wireformats.mls_key_package, keyPackage: kp.keyPackage });
  }
  async add(kps: Uint8Array[]) {
    const extraProposals = kps.map((bytes) => {
      const m = decode(mlsMessageDecoder, bytes);
      if (m?.wireformat !== wireformats.mls_key_package) throw new Error("ts-mls: not a KeyPackage");
      return { proposalType: defaultProposalTypes.add, add: { keyPackage: m.keyPackage } } as const;
    });
    const r = await createCommit({ context: this.#ctx, state: this.#state, extraProposals, ratchetTreeExtension: true });
    this.#state = r.newState;
    return { commit: encodeMessage(r.commit), welcome: encodeMessage(r.welcome!) };
  }
  async join(welcome: Uint8Array) {
    const m = decode(mlsMessageDecoder, welcome);
    if (m?.wireformat !== wireformats.mls_welcome) throw new Error("ts-mls: not a Welcome");
    let last: unknown;
    // The Welcome is for one of our pending KeyPackages.
    for (const kp of this.#pending) {
      try {
        this.#state = await joinGroup({ context: this.#ctx, welcome: m.welcome, keyPackage: kp.keyPackage, privateKeys: kp.privatePackage });
        return;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
  async update() {
    const r = await createCommit({ context: this.#ctx, state: this.#state });
    this.#state = r.newState;
    return encodeMessage(r.commit);
  }
  async remove(names: string[]) {
    const leaves = this.#state.ratchetTree;
    const extraProposals = names.map((name) => {
      const idx = leaves.findIndex((n) => n !== undefined && n.nodeType === 1 && td.decode((n.leaf.credential as { identity: Uint8Array }).identity) === name);
      if (idx < 0) throw new Error(`ts-mls: no member ${name}`);
      return { proposalType: defaultProposalTypes.remove, remove: { removed: idx / 2 } } as const;
    });
    const r = await createCommit({ context: this.#ctx, state: this.#state, extraProposals });
    this.#state = r.newState;
    return encodeMessage(r.commit);
  }
  async encrypt(text: string) {
    const r = await createApplicationMessage({ context: this.#ctx, state: this.#state, message: te.encode(text) });
    this.#state = r.newState;
    return encodeMessage(r.message);
  }
  async receive(bytes: Uint8Array) {
    const m = decode(mlsMessageDecoder, bytes);
    if (m === undefined || (m.wireformat !== wireformats.mls_private_message && m.wireformat !== wireformats.mls_public_message)) throw new Error("ts-mls: not a framed message");
    const r = await processMessage({ context: this.#ctx, state: this.#state, message: m as MlsFramedMessage });
    this.#state = r.newState;
    return r.kind === "applicationMessage" ? td.decode(r.message) : "commit";
  }
  async exporter() {
    return toHex(await mlsExporter(this.#state.keySchedule.exporterSecret, EXPORT_LABEL, EXPORT_CONTEXT, 32, this.#impl));
  }
  epoch() {
    return this.#state.groupContext.epoch;
  }
}

const make = (lib: "mlskit" | "ts-mls", name: string, suite: number): Promise<Peer> => (lib === "mlskit" ? new MlskitPeer(name, suite).init() : new TsMlsPeer(name, suite).init());

// ---------------------------------------------------------------- the matrix

const OPERATIONS = ["join (Welcome)", "message A→B", "message B→A", "self-Update by B", "self-Update by A", "Remove by B", "exporter"] as const;
type Operation = (typeof OPERATIONS)[number];
type Direction = "mlskit creates, adds ts-mls" | "ts-mls creates, adds mlskit";
const matrix = new Map<string, string>(); // `${suite}|${direction}|${op}` → "ok" | "FAIL: …" | "n/a: …"
const suitesSeen: number[] = [];
const singleRemoveRefused: number[] = [];

const SUITES = [1, 2, 3, 4, 5, 6, 7, ...Array.from({ length: 12 }, (_, i) => 0xf007 + i)];

async function scenario(suite: number, direction: Direction): Promise<void> {
  const [libA, libB] = direction === "mlskit creates, adds ts-mls" ? (["mlskit", "ts-mls"] as const) : (["ts-mls", "mlskit"] as const);
  const record = (op: Operation, v: string) => matrix.set(`${suite}|${direction}|${op}`, v);
  const step = async <T>(op: Operation, f: () => Promise<T>): Promise<T> => {
    try {
      const v = await f();
      record(op, "ok");
      return v;
    } catch (e) {
      record(op, `FAIL: ${String((e as Error)?.message ?? e).slice(0, 120)}`);
      throw e;
    }
  };
  const A = await make(libA, "alice", suite);
  const B = await make(libB, "bob", suite);
  // Carol and Dave: A's library, added by A, removed by B (two Removes in one Commit, see the module doc).
  const C = await make(libA, "carol", suite);
  const D = await make(libA, "dave", suite);
  await A.create();
  const kpB = await B.keyPackage();
  const kpC = await C.keyPackage();
  const kpD = await D.keyPackage();
  const { welcome } = await step("join (Welcome)", async () => {
    const out = await A.add([kpB, kpC, kpD]);
    await B.join(out.welcome);
    await C.join(out.welcome);
    await D.join(out.welcome);
    expect(B.epoch()).toBe(A.epoch());
    expect(await B.exporter()).toBe(await A.exporter());
    return out;
  });
  expect(welcome.length).toBeGreaterThan(0);
  await step("message A→B", async () => {
    const m = await A.encrypt("hello from A");
    expect(await B.receive(m)).toBe("hello from A");
    expect(await C.receive(m)).toBe("hello from A");
    expect(await D.receive(m)).toBe("hello from A");
  });
  await step("message B→A", async () => {
    const m = await B.encrypt("hello from B");
    expect(await A.receive(m)).toBe("hello from B");
    expect(await C.receive(m)).toBe("hello from B");
    expect(await D.receive(m)).toBe("hello from B");
  });
  await step("self-Update by B", async () => {
    const c = await B.update();
    expect(await A.receive(c)).toBe("commit");
    expect(await C.receive(c)).toBe("commit");
    expect(await D.receive(c)).toBe("commit");
    expect(await A.exporter()).toBe(await B.exporter());
  });
  await step("self-Update by A", async () => {
    const c = await A.update();
    expect(await B.receive(c)).toBe("commit");
    expect(await C.receive(c)).toBe("commit");
    expect(await D.receive(c)).toBe("commit");
    expect(await B.exporter()).toBe(await A.exporter());
  });
  await step("Remove by B", async () => {
    const c = await B.remove(["carol", "dave"]);
    expect(await A.receive(c)).toBe("commit");
    const m = await A.encrypt("after the remove");
    expect(await B.receive(m)).toBe("after the remove");
    const r = await B.encrypt("reply after the remove");
    expect(await A.receive(r)).toBe("reply after the remove");
  });
  await step("exporter", async () => {
    expect(B.epoch()).toBe(A.epoch());
    expect(await B.exporter()).toBe(await A.exporter());
  });
}

describe("interop with ts-mls 2.0.0-rc.10", () => {
  for (const suite of SUITES) {
    const name = TS_MLS_CIPHER_SUITE_MAP.get(suite)!.name;
    for (const direction of ["mlskit creates, adds ts-mls", "ts-mls creates, adds mlskit"] as const) {
      if (COMPRESSED_ECDSA.has(suite)) {
        if (direction === "mlskit creates, adds ts-mls") {
          it(`${hex(suite)} ${name}: ${direction} — refused: ts-mls's KeyPackage carries a compressed ECDSA key (RFC 9420 §5.1.1)`, async () => {
            suitesSeen.push(suite);
            const A = await make("mlskit", "alice", suite);
            const B = await make("ts-mls", "bob", suite);
            await A.create();
            const e = await A.add([await B.keyPackage()]).catch((x: unknown) => x);
            expect(ValidationError.isInstance(e) && e.code).toBe("leaf-node/invalid-signature-key");
            expect(String((e as Error).message)).toMatch(/compressed/);
            for (const op of OPERATIONS) matrix.set(`${suite}|${direction}|${op}`, "n/a: ts-mls compressed ECDSA key refused (§5.1.1)");
          });
        } else {
          it(`${hex(suite)} ${name}: ${direction} — refused: the ts-mls creator's leaf in the Welcome's tree has a compressed ECDSA key`, async () => {
            const A = await make("ts-mls", "alice", suite);
            const B = await make("mlskit", "bob", suite);
            await A.create();
            const out = await A.add([await B.keyPackage()]);
            const e = await B.join(out.welcome).catch((x: unknown) => x);
            expect(ValidationError.isInstance(e) && e.code).toBe("tree/invalid-signature-key");
            expect(String((e as Error).message)).toMatch(/compressed/);
            for (const op of OPERATIONS) matrix.set(`${suite}|${direction}|${op}`, "n/a: ts-mls compressed ECDSA key refused (§5.1.1)");
          });
        }
        continue;
      }
      it(`${hex(suite)} ${name}: ${direction}`, async () => {
        suitesSeen.push(suite);
        await scenario(suite, direction);
      });
    }
    if (!COMPRESSED_ECDSA.has(suite)) {
      it(`${hex(suite)} ${name}: ts-mls's Commit of a single Remove has no UpdatePath — mlskit refuses it (commit/missing-path, RFC 9420 §12.4)`, async () => {
        const A = await make("mlskit", "alice", suite);
        const B = await make("ts-mls", "bob", suite);
        const C = await make("mlskit", "carol", suite);
        await A.create();
        const out = await A.add([await B.keyPackage(), await C.keyPackage()]);
        await B.join(out.welcome);
        const before = await A.exporter();
        const e = await A.receive(await B.remove(["carol"])).catch((x: unknown) => x);
        expect(ValidationError.isInstance(e) && [e.code, e.rfcSection]).toEqual(["commit/missing-path", "12.4"]);
        expect(await A.exporter()).toBe(before);
        singleRemoveRefused.push(suite);
      });
    }
  }

  afterAll(() => {
    const short: Record<string, string> = {
      "join (Welcome)": "join",
      "message A→B": "msg A→B",
      "message B→A": "msg B→A",
      "self-Update by B": "upd B",
      "self-Update by A": "upd A",
      "Remove by B": "remove",
      exporter: "exporter",
    };
    const lines: string[] = ["", "ts-mls 2.0.0-rc.10 interop matrix (A creates the group and adds B; suite × operation × direction)"];
    const cell = (v: string | undefined) => (v === undefined ? "-" : v === "ok" ? "ok" : v.startsWith("n/a") ? "n/a" : "FAIL");
    const header = ["suite", "direction", ...OPERATIONS.map((o) => short[o]!)];
    const rows: string[][] = [];
    for (const suite of SUITES) {
      for (const d of ["mlskit creates, adds ts-mls", "ts-mls creates, adds mlskit"] as const) {
        rows.push([hex(suite), d === "mlskit creates, adds ts-mls" ? "mlskit→ts-mls" : "ts-mls→mlskit", ...OPERATIONS.map((o) => cell(matrix.get(`${suite}|${d}|${o}`)))]);
      }
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
    lines.push(fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt));
    const failures = [...matrix].filter(([, v]) => v.startsWith("FAIL"));
    for (const [k, v] of failures) lines.push(`${k}: ${v}`);
    const ok = [...matrix.values()].filter((v) => v === "ok").length;
    lines.push(`ts-mls single-Remove Commit without a path refused by mlskit (commit/missing-path) on: ${singleRemoveRefused.map(hex).join(", ")}`);
    lines.push(`interop: ${ok} ok, ${failures.length} failed, ${[...matrix.values()].filter((v) => v.startsWith("n/a")).length} n/a`);
    console.log(lines.join("\n"));
  });
});
