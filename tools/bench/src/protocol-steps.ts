/**
 * Steps the protocol benchmarks share (protocol.ts, and the persistence
 * section's commits and state encoding): joining the fixture's members,
 * processing a Commit, the steady pair (C and R after one self-Update of C),
 * and medians of timed runs.
 */
import { utf8 } from "@mlskit/codec";
import { BasicIdentityProvider, type CipherSuiteProvider, type CryptoProvider, type KeyPair, WireFormat, acceptAll } from "@mlskit/core";
import {
  type CreatedCommit,
  type CreatedKeyPackage,
  createKeyPackage,
  type GroupPolicy,
  type GroupServices,
  type GroupState,
  createCommit,
  decodeMlsMessage,
  leafNodeGroupOf,
  validateKeyPackage,
  groupPolicy,
  joinFromWelcome,
  mergePendingCommit,
  mergeStagedCommit,
  processMessage,
} from "@mlskit/group";
import { type DrivenMember, type GroupFixture, SUITE, keyPackageOf } from "./protocol-fixture.js";

/** A provider under test: a factory, so that each member (and each joiner) gets its own instance and key caches. */
export interface ProviderSpec {
  readonly name: string;
  readonly make: () => CryptoProvider;
}

export const services: GroupServices = { identityProvider: new BasicIdentityProvider({ policy: acceptAll }) };
export const policy = groupPolicy();

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/** One turn of the event loop (a macrotask: `setImmediate` in Node, a zero timeout in a page). */
function turn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate !== undefined ? immediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Runs `op(i)` `warmup + runs` times one after another; the median ms of the timed runs, and each run's result.
 * Between two runs, untimed, the event loop takes one turn, as it does between a client's operations (each of
 * which awaits the network): what a provider leaves to the next turn (node:crypto's key-pool refill,
 * `crypto-node/src/key-pool.ts`) happens there. Without the turn, operations on a provider whose work settles in
 * microtasks chain into one turn, which no application does.
 */
export async function timed<T>(runs: number, warmup: number, op: (i: number) => Promise<T>): Promise<{ ms: number; results: T[] }> {
  const times: number[] = [];
  const results: T[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    if (i > 0) await turn();
    const t = performance.now();
    const r = await op(i);
    const dt = performance.now() - t;
    if (i >= warmup) {
      times.push(dt);
      results.push(r);
    }
  }
  return { ms: median(times), results };
}

export async function suiteOf(spec: ProviderSpec): Promise<CipherSuiteProvider> {
  return spec.make().cipherSuite(SUITE);
}

/** The policy of a group of more than the default 2^16 leaves (the scale section's 100,000 members). */
const largeGroupPolicy = groupPolicy({ maxTreeLeaves: 1 << 20 });

/** The policy a member of an `n`-member group joins with. */
export function policyFor(n: number): GroupPolicy {
  return n > 60_000 ? largeGroupPolicy : policy;
}

export function join(cs: CipherSuiteProvider, member: DrivenMember, welcome: Uint8Array, tree: Uint8Array, joinPolicy: GroupPolicy = policy): Promise<GroupState> {
  return joinFromWelcome({
    cs,
    welcome,
    keyPackage: keyPackageOf(member.keyPackage),
    initPrivateKey: member.initPrivateKey,
    encryptionPrivateKey: member.encryptionPrivateKey,
    signaturePrivateKey: member.signaturePrivateKey,
    ratchetTree: tree,
    services,
    policy: joinPolicy,
  });
}

/** A receiver's processing of a Commit: decode, verify, stage, merge. */
export async function processCommit(state: GroupState, commit: Uint8Array): Promise<GroupState | undefined> {
  const r = await processMessage(state, commit);
  if (r.kind !== "commit") throw new Error(`expected a commit, got ${r.kind}`);
  // A member that is removed does not merge (the facade closes the group).
  return r.staged.removedSelf ? undefined : mergeStagedCommit(r.staged);
}

/** The committer C and the receiver R of a fixture, each on its own provider instance. */
export interface SteadyPair {
  readonly csC: CipherSuiteProvider;
  readonly csR: CipherSuiteProvider;
  readonly C: GroupState;
  readonly R: GroupState;
}

/**
 * C and R join the fixture's Welcome (tree out of band), then C sends one
 * self-Update that R processes: C's path is then fresh (no unmerged
 * leaves), and each holds one past epoch.
 */
export async function steadyPair(spec: ProviderSpec, fixture: GroupFixture): Promise<SteadyPair> {
  const [csC, csR] = await Promise.all([suiteOf(spec), suiteOf(spec)]);
  const [c0, r0] = await Promise.all([
    join(csC, fixture.committer, fixture.welcome, fixture.tree, policyFor(fixture.n)),
    join(csR, fixture.receiver, fixture.welcome, fixture.tree, policyFor(fixture.n)),
  ]);
  const first = await createCommit(c0, { forcePath: true });
  const C = mergePendingCommit(first.state);
  const R = (await processCommit(r0, first.commit))!;
  return { csC, csR, C, R };
}

/** What the committer does to add one member: validate its KeyPackage (an MLSMessage) against the group, then commit the Add (tree out of band). */
export async function commitAdd(cs: CipherSuiteProvider, state: GroupState, keyPackageMessage: Uint8Array): Promise<CreatedCommit> {
  const m = decodeMlsMessage(keyPackageMessage);
  if (m.wireFormat !== WireFormat.mls_key_package) throw new Error("not a KeyPackage");
  const { keyPackage } = await validateKeyPackage(cs, m.keyPackage, {
    identityProvider: services.identityProvider,
    group: leafNodeGroupOf(state.groupContext, state.tree),
    lifetime: state.policy.lifetime,
  });
  return createCommit(state, { proposals: [{ add: keyPackage }], ratchetTreeInWelcome: false });
}

/** A client with a fresh signature key pair and a KeyPackage of `cs` (basic credential `name`). */
export async function keyPackageClient(cs: CipherSuiteProvider, name: string): Promise<{ kp: CreatedKeyPackage; sig: KeyPair }> {
  const sig = await cs.signatureGenerateKeyPair();
  const kp = await createKeyPackage({ cs, credential: { credentialType: 1, identity: utf8(name) }, signaturePrivateKey: sig.privateKey, signaturePublicKey: sig.publicKey });
  return { kp, sig };
}
