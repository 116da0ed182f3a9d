/**
 * A small test-runner for the e2e suite, modelled on the MLS WG runner
 * (mlswg/mls-implementations interop/test-runner): it starts interop
 * servers on loopback ephemeral ports, assigns actors to them, and drives
 * them over gRPC through the same RPC sequences as the runner's steps
 * (fullCommit, externalJoin, reinit, branch, …), checking every member's
 * epoch authenticator after each step.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect } from "vitest";
import { type InteropServer, startInteropServer } from "./server.js";
import { loadMlsClientStub } from "./proto.js";
import { type ProviderName, cryptoProvider } from "./providers.js";

type Msg = Record<string, any>;
const utf8 = (s: string) => Buffer.from(s, "utf8");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A gRPC error as the stub reports it. */
export interface RpcError extends Error {
  code: grpc.status;
  details: string;
}

/** One server and a stub connected to it. */
export interface Endpoint {
  readonly server: InteropServer;
  readonly stub: grpc.Client & Record<string, (req: Msg, cb: (e: grpc.ServiceError | null, r: Msg) => void) => void>;
  call(rpc: string, req: Msg): Promise<Msg>;
}

/** Starts `n` servers on 127.0.0.1:0 with the provider, and stubs for them. */
export async function startCluster(n: number, provider: ProviderName): Promise<{ endpoints: Endpoint[]; close(): Promise<void> }> {
  const Stub = loadMlsClientStub();
  const endpoints: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    const server = await startInteropServer({ crypto: cryptoProvider(provider), port: 0, name: `mlskit-${i}` });
    const stub = new Stub(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as Endpoint["stub"];
    const call = (rpc: string, req: Msg) =>
      new Promise<Msg>((resolve, reject) => {
        const fn = stub[rpc];
        if (typeof fn !== "function") return reject(new Error(`no RPC ${rpc}`));
        fn.call(stub, req, (e, r) => (e ? reject(e) : resolve(r)));
      });
    endpoints.push({ server, stub, call });
  }
  return {
    endpoints,
    close: async () => {
      for (const e of endpoints) e.stub.close();
      await Promise.all(endpoints.map((e) => e.server.close()));
    },
  };
}

/**
 * A cluster of `n` servers with the provider for the tests of the enclosing
 * `describe`: started before them, closed after them. Read `endpoints` in the
 * tests (it is set once the cluster has started).
 */
export function useCluster(n: number, provider: ProviderName): { readonly endpoints: Endpoint[] } {
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  beforeAll(async () => {
    cluster = await startCluster(n, provider);
  });
  afterAll(() => cluster?.close());
  return {
    get endpoints(): Endpoint[] {
      if (cluster === undefined) throw new Error("the cluster has not started");
      return cluster.endpoints;
    },
  };
}

/** An actor of a script: a name (its identity) played by one endpoint. */
interface Actor {
  readonly name: string;
  readonly endpoint: Endpoint;
  state?: number;
  transaction?: number;
  signer?: number;
}

/** A by-value proposal as the runner describes it. */
export type Description =
  | { type: "add"; keyPackage: Uint8Array }
  | { type: "remove"; removed: string }
  | { type: "externalPSK"; pskId: Uint8Array }
  | { type: "resumptionPSK"; epoch: number }
  | { type: "groupContextExtensions"; extensions: { extension_type: number; extension_data: Uint8Array }[] }
  | { type: "reinit"; groupId: Uint8Array; cipherSuite: number; extensions?: { extension_type: number; extension_data: Uint8Array }[] };

function toProto(d: Description): Msg {
  const base = { proposal_type: utf8(d.type) };
  switch (d.type) {
    case "add":
      return { ...base, key_package: d.keyPackage };
    case "remove":
      return { ...base, removed_id: utf8(d.removed) };
    case "externalPSK":
      return { ...base, psk_id: d.pskId };
    case "resumptionPSK":
      return { ...base, epoch_id: String(d.epoch) };
    case "groupContextExtensions":
      return { ...base, extensions: d.extensions };
    case "reinit":
      return { ...base, group_id: d.groupId, cipher_suite: d.cipherSuite, extensions: d.extensions ?? [] };
  }
}

/** Options of {@link Script.fullCommit}. */
export interface FullCommitOptions {
  byReference?: Uint8Array[];
  byValue?: Description[];
  /** Members other than the committer that process the Commit (default: every other member). */
  members?: string[];
  joiners?: string[];
  forcePath?: boolean;
  externalTree?: boolean;
  /** Members removed by proposals by reference (they do not process the Commit). */
  removed?: string[];
}

let groupCounter = 0;

/**
 * One run of a script: a cipher suite, the encrypt-handshake flag, and the
 * actors' assignment to endpoints (round robin over the cluster).
 */
export class Script {
  readonly actors = new Map<string, Actor>();
  /** The current members of the group, by name. */
  readonly members = new Set<string>();
  groupId: Uint8Array = new Uint8Array(0);
  /** The group's current epoch. */
  epoch = 0;
  /** Steps run (for messages). */
  steps = 0;

  constructor(
    readonly endpoints: readonly Endpoint[],
    public suite: number,
    readonly encrypt: boolean,
  ) {}

  actor(name: string): Actor {
    let a = this.actors.get(name);
    if (a === undefined) {
      a = { name, endpoint: this.endpoints[this.actors.size % this.endpoints.length]! };
      this.actors.set(name, a);
    }
    return a;
  }

  call(name: string, rpc: string, req: Msg): Promise<Msg> {
    return this.actor(name).endpoint.call(rpc, req);
  }

  stateOf(name: string): number {
    const s = this.actor(name).state;
    if (s === undefined) throw new Error(`${name} has no state`);
    return s;
  }

  async createGroup(name: string): Promise<void> {
    this.groupId = utf8(`group-${process.pid}-${++groupCounter}`);
    const r = await this.call(name, "CreateGroup", { group_id: this.groupId, cipher_suite: this.suite, encrypt_handshake: this.encrypt, identity: utf8(name) });
    this.actor(name).state = r.state_id;
    this.members.clear();
    this.members.add(name);
    this.epoch = 0;
  }

  async createKeyPackage(name: string, suite = this.suite): Promise<Uint8Array> {
    const r = await this.call(name, "CreateKeyPackage", { cipher_suite: suite, identity: utf8(name) });
    this.actor(name).transaction = r.transaction_id;
    expect(r.init_priv.length).toBeGreaterThan(0);
    expect(r.encryption_priv.length).toBeGreaterThan(0);
    expect(r.signature_priv.length).toBeGreaterThan(0);
    return r.key_package;
  }

  /** The runner's createGroup with members: the creator adds everyone by value in one Commit. */
  async createGroupWith(creator: string, others: string[], externalTree = false): Promise<void> {
    await this.createGroup(creator);
    const byValue: Description[] = [];
    for (const o of others) byValue.push({ type: "add", keyPackage: await this.createKeyPackage(o) });
    await this.fullCommit(creator, { byValue, joiners: others, externalTree });
  }

  /** The runner's `fullCommit`: Commit, HandlePendingCommit, HandleCommit at the members, JoinGroup at the joiners. */
  async fullCommit(committer: string, o: FullCommitOptions = {}): Promise<Msg> {
    const commit = await this.call(committer, "Commit", {
      state_id: this.stateOf(committer),
      by_reference: o.byReference ?? [],
      by_value: (o.byValue ?? []).map(toProto),
      force_path: o.forcePath ?? false,
      external_tree: o.externalTree ?? false,
    });
    if (o.externalTree === true) expect(commit.ratchet_tree.length).toBeGreaterThan(0);
    else expect(commit.ratchet_tree.length).toBe(0);
    const pending = await this.call(committer, "HandlePendingCommit", { state_id: this.stateOf(committer) });
    this.actor(committer).state = pending.state_id;
    const auth = hex(pending.epoch_authenticator);
    const removed = new Set([...(o.removed ?? []), ...(o.byValue ?? []).filter((d) => d.type === "remove").map((d) => (d as { removed: string }).removed)]);
    const others = o.members ?? [...this.members].filter((m) => m !== committer && !removed.has(m));
    for (const m of others) {
      const r = await this.call(m, "HandleCommit", { state_id: this.stateOf(m), proposal: o.byReference ?? [], commit: commit.commit });
      this.actor(m).state = r.state_id;
      expect(hex(r.epoch_authenticator), `${m} agrees on the epoch authenticator`).toBe(auth);
    }
    for (const j of o.joiners ?? []) {
      const a = this.actor(j);
      const r = await this.call(j, "JoinGroup", {
        transaction_id: a.transaction,
        welcome: commit.welcome,
        encrypt_handshake: this.encrypt,
        identity: utf8(j),
        ratchet_tree: o.externalTree === true ? commit.ratchet_tree : new Uint8Array(0),
      });
      a.state = r.state_id;
      expect(hex(r.epoch_authenticator), `joiner ${j} agrees on the epoch authenticator`).toBe(auth);
      this.members.add(j);
    }
    for (const r of removed) this.members.delete(r);
    this.epoch++;
    await this.verifyStateAuth();
    return commit;
  }

  /** Every member's StateAuth (the epoch authenticator) is the same. */
  async verifyStateAuth(): Promise<string> {
    const auths = new Set<string>();
    for (const m of this.members) {
      const r = await this.call(m, "StateAuth", { state_id: this.stateOf(m) });
      expect(r.state_auth_secret.length).toBeGreaterThan(0);
      auths.add(hex(r.state_auth_secret));
    }
    expect(auths.size, `members ${[...this.members].join(", ")} agree on the state auth secret`).toBe(1);
    this.steps++;
    return [...auths][0]!;
  }

  async propose(name: string, rpc: string, req: Msg): Promise<Uint8Array> {
    const r = await this.call(name, rpc, { state_id: this.stateOf(name), ...req });
    expect(r.proposal.length).toBeGreaterThan(0);
    return r.proposal;
  }

  /** Protect at `sender`, Unprotect at every other member; checks data and authenticated_data. */
  async application(sender: string, plaintext: string, authenticatedData: string): Promise<void> {
    const p = await this.call(sender, "Protect", { state_id: this.stateOf(sender), plaintext: utf8(plaintext), authenticated_data: utf8(authenticatedData) });
    for (const m of this.members) {
      if (m === sender) continue;
      const r = await this.call(m, "Unprotect", { state_id: this.stateOf(m), ciphertext: p.ciphertext });
      expect(Buffer.from(r.plaintext).toString()).toBe(plaintext);
      expect(Buffer.from(r.authenticated_data).toString()).toBe(authenticatedData);
    }
  }

  /** The runner's `installExternalPSK`: a random PSK stored at each client (by state, transaction, or 0). */
  async installExternalPsk(clients: string[]): Promise<{ id: Uint8Array; secret: Uint8Array }> {
    const id = crypto.getRandomValues(new Uint8Array(32));
    const secret = crypto.getRandomValues(new Uint8Array(32));
    for (const c of clients) {
      const a = this.actor(c);
      await this.call(c, "StorePSK", { state_or_transaction_id: a.state ?? a.transaction ?? 0, psk_id: id, psk_secret: secret });
    }
    return { id, secret };
  }

  /** The runner's `externalJoin`: GroupInfo from `from`, ExternalJoin by `joiner`, HandleCommit at the members. */
  async externalJoin(from: string, joiner: string, o: { externalTree?: boolean; removePrior?: boolean; psks?: { id: Uint8Array; secret: Uint8Array }[] } = {}): Promise<void> {
    const gi = await this.call(from, "GroupInfo", { state_id: this.stateOf(from), external_tree: o.externalTree ?? false });
    if (o.externalTree === true) expect(gi.ratchet_tree.length).toBeGreaterThan(0);
    const j = await this.call(joiner, "ExternalJoin", {
      group_info: gi.group_info,
      ratchet_tree: gi.ratchet_tree,
      encrypt_handshake: this.encrypt,
      identity: utf8(joiner),
      remove_prior: o.removePrior ?? false,
      psks: (o.psks ?? []).map((p) => ({ psk_id: p.id, psk_secret: p.secret })),
    });
    const auth = hex(j.epoch_authenticator);
    for (const m of this.members) {
      if (m === joiner) continue;
      const r = await this.call(m, "HandleCommit", { state_id: this.stateOf(m), proposal: [], commit: j.commit });
      this.actor(m).state = r.state_id;
      expect(hex(r.epoch_authenticator), `${m} agrees after the external join`).toBe(auth);
    }
    this.actor(joiner).state = j.state_id;
    this.members.add(joiner);
    this.epoch++;
    await this.verifyStateAuth();
  }

  /** The runner's `reinit` step. */
  async reinit(o: {
    proposer?: string;
    externalProposal?: Uint8Array;
    committer: string;
    welcomer: string;
    newSuite?: number;
    newGroupId?: Uint8Array;
    extensions?: Msg[];
    forcePath?: boolean;
    externalTree?: boolean;
  }): Promise<void> {
    const suite = o.newSuite ?? this.suite;
    const groupId = o.newGroupId ?? this.groupId;
    let proposal: Uint8Array;
    if (o.proposer !== undefined) {
      proposal = await this.propose(o.proposer, "ReInitProposal", { cipher_suite: suite, group_id: groupId, extensions: o.extensions ?? [] });
    } else proposal = o.externalProposal!;
    const commit = await this.call(o.committer, "ReInitCommit", { state_id: this.stateOf(o.committer), by_reference: [proposal], by_value: [] });
    const reinitIds = new Map<string, number>();
    const keyPackages = new Map<string, Uint8Array>();
    const pending = await this.call(o.committer, "HandlePendingReInitCommit", { state_id: this.stateOf(o.committer) });
    reinitIds.set(o.committer, pending.reinit_id);
    keyPackages.set(o.committer, pending.key_package);
    const auth = hex(pending.epoch_authenticator);
    for (const m of this.members) {
      if (m === o.committer) continue;
      const r = await this.call(m, "HandleReInitCommit", { state_id: this.stateOf(m), proposal: [proposal], commit: commit.commit });
      expect(hex(r.epoch_authenticator), `${m} agrees on the ReInit epoch`).toBe(auth);
      reinitIds.set(m, r.reinit_id);
      keyPackages.set(m, r.key_package);
    }
    const notWelcomer = [...this.members].filter((m) => m !== o.welcomer);
    const w = await this.call(o.welcomer, "ReInitWelcome", {
      reinit_id: reinitIds.get(o.welcomer),
      key_package: notWelcomer.map((m) => keyPackages.get(m)!),
      force_path: o.forcePath ?? false,
      external_tree: o.externalTree ?? false,
    });
    this.actor(o.welcomer).state = w.state_id;
    const newAuth = hex(w.epoch_authenticator);
    for (const m of notWelcomer) {
      const r = await this.call(m, "HandleReInitWelcome", {
        reinit_id: reinitIds.get(m),
        welcome: w.welcome,
        ratchet_tree: o.externalTree === true ? w.ratchet_tree : new Uint8Array(0),
      });
      expect(hex(r.epoch_authenticator), `${m} agrees on the reinitialized group`).toBe(newAuth);
      this.actor(m).state = r.state_id;
    }
    this.suite = suite;
    this.groupId = groupId;
    this.epoch = 1;
    await this.verifyStateAuth();
  }

  /** The runner's `branch` step: `actor` branches with `members`; afterwards the script follows the branch. */
  async branch(actor: string, members: string[], o: { forcePath?: boolean; externalTree?: boolean; extensions?: Msg[] } = {}): Promise<void> {
    const tx = new Map<string, number>();
    const kps: Uint8Array[] = [];
    for (const m of members) {
      kps.push(await this.createKeyPackage(m));
      tx.set(m, this.actor(m).transaction!);
    }
    const groupId = utf8(`branch-${process.pid}-${++groupCounter}`);
    const b = await this.call(actor, "CreateBranch", {
      state_id: this.stateOf(actor),
      group_id: groupId,
      extensions: o.extensions ?? [],
      key_packages: kps,
      force_path: o.forcePath ?? false,
      external_tree: o.externalTree ?? false,
    });
    const auth = hex(b.epoch_authenticator);
    const parentStates = new Map<string, number>();
    for (const m of members) {
      parentStates.set(m, this.stateOf(m));
      const r = await this.call(m, "HandleBranch", {
        state_id: this.stateOf(m),
        transaction_id: tx.get(m),
        welcome: b.welcome,
        ratchet_tree: o.externalTree === true ? b.ratchet_tree : new Uint8Array(0),
      });
      expect(hex(r.epoch_authenticator), `${m} agrees on the branch`).toBe(auth);
      this.actor(m).state = r.state_id;
    }
    this.actor(actor).state = b.state_id;
    this.groupId = groupId;
    this.members.clear();
    for (const m of [actor, ...members]) this.members.add(m);
    this.epoch = 1;
    await this.verifyStateAuth();
  }

  /** The runner's `newMemberAddProposal`: GroupInfo from `actor`, a self-signed Add from `joiner`. */
  async newMemberAddProposal(actor: string, joiner: string): Promise<Uint8Array> {
    const gi = await this.call(actor, "GroupInfo", { state_id: this.stateOf(actor), external_tree: false });
    const r = await this.call(joiner, "NewMemberAddProposal", { group_info: gi.group_info, identity: utf8(joiner) });
    this.actor(joiner).transaction = r.transaction_id;
    expect(r.init_priv.length * r.encryption_priv.length * r.signature_priv.length).toBeGreaterThan(0);
    return r.proposal;
  }

  /** The runner's `addExternalSigner`: CreateExternalSigner at `signer`, AddExternalSigner (a GCE proposal) at `actor`. */
  async addExternalSigner(actor: string, signer: string): Promise<Uint8Array> {
    const c = await this.call(signer, "CreateExternalSigner", { cipher_suite: this.suite, identity: utf8(signer) });
    this.actor(signer).signer = c.signer_id;
    return this.propose(actor, "AddExternalSigner", { external_sender: c.external_sender });
  }

  /** The runner's `externalSignerProposal`: GroupInfo and tree from `member`, a proposal signed by `signer`. */
  async externalSignerProposal(signer: string, member: string, description: Description): Promise<Uint8Array> {
    const gi = await this.call(member, "GroupInfo", { state_id: this.stateOf(member), external_tree: true });
    const r = await this.call(signer, "ExternalSignerProposal", {
      signer_id: this.actor(signer).signer,
      group_info: gi.group_info,
      ratchet_tree: gi.ratchet_tree,
      description: toProto(description),
    });
    return r.proposal;
  }
}

/** Expects a gRPC failure with a status and a typed error code in its message. */
export async function expectRpcError(p: Promise<unknown>, status: grpc.status, code?: string): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    const err = e as RpcError;
    expect(err.code).toBe(status);
    if (code !== undefined) expect(err.details).toContain(code);
    return err;
  }
  throw new Error("expected the RPC to fail");
}
