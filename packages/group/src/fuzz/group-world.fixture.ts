/**
 * The fuzzed group's genuine traffic: Alice, Carol and Dave (permanent) and
 * spare members added and removed over time exchange application messages,
 * proposals (Update, Add, Remove) and Commits (by reference and by value,
 * with and without a path), epoch after epoch, handshakes framed per the
 * policy. Bob, the victim, is a member too, but the world never processes
 * anything for him: the campaign hands him each message, and now and then
 * he commits himself. The world runs one step ahead of him: the next
 * epoch's first application messages exist before he gets the Commit, so
 * they can reach him early.
 */
import { utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, ProtocolVersion, WireFormat } from "@mlskit/core";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { createApplicationMessage } from "../framing/application-message.js";
import { type CreatedCommit, createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { mergeStagedCommit } from "../commit/commit-process.js";
import { type TestClient, client, join, kpOf, newGroup } from "../group.fixture.js";
import type { GroupPolicyInput } from "../policy/group-policy.js";
import type { GroupState } from "../state/group-state.js";
import { processMessage } from "../receive/message-process.js";
import { encodeMlsMessage } from "../framing/mls-message.js";
import { type ProposalInput, createProposal } from "../proposals/proposal-create.js";
import { type Genuine, type GenuineKind, applicationMeaning, commitMeaning, proposalMeaning } from "./genuine-message.fixture.js";
import { InsiderKeys } from "./insider-keys.fixture.js";
import type { Prng } from "./prng.fixture.js";

interface Member {
  readonly name: string;
  readonly client: TestClient;
  state: GroupState;
  readonly permanent: boolean;
}

/** An epoch's application messages and proposals, in the order they were created. */
export interface EpochTraffic {
  readonly epoch: bigint;
  /** Application messages of the epoch (the first ones created right after the previous Commit). */
  readonly applications: readonly Genuine[];
  readonly proposals: readonly Genuine[];
}

/** The Commit closing an epoch, and the next epoch's first application messages, created right after it. */
export interface EpochCommit {
  readonly commit: Genuine;
  readonly nextEarly: readonly Genuine[];
}

/** Members at most (spares are added up to this many). */
const MAX_MEMBERS = 7;

export class GroupWorld {
  readonly members: Member[] = [];
  readonly archive: Genuine[] = [];
  /** Insider keys of each epoch still of use (the current one, the next, a few past). */
  readonly insiderKeys = new Map<bigint, InsiderKeys>();
  #earlyApplications: Genuine[] = [];
  /** Leaves an Update or Remove of this epoch names, and the clients its Adds bring in. */
  #targeted = new Set<number>();
  #joining: TestClient[] = [];
  #spares = 0;
  #counter = 0;

  private constructor(
    readonly cs: CipherSuiteProvider,
    readonly policy: GroupPolicyInput,
    readonly rng: Prng,
    readonly victimLeaf: number,
  ) {}

  /** Alice creates the group and adds Bob (the victim), Carol and Dave. Returns the world and Bob's state. */
  static async create(cs: CipherSuiteProvider, policy: GroupPolicyInput, rng: Prng): Promise<{ world: GroupWorld; victim: GroupState }> {
    const [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
    let a = await newGroup(cs, alice!, policy);
    const c = await createCommit(a, { proposals: [{ add: kpOf(bob!) }, { add: kpOf(carol!) }, { add: kpOf(dave!) }] });
    a = mergePendingCommit(c.state);
    const victim = await join(cs, bob!, c.welcome!, policy);
    const world = new GroupWorld(cs, policy, rng, victim.ownLeaf);
    world.members.push({ name: "alice", client: alice!, state: a, permanent: true });
    for (const m of [carol!, dave!]) world.members.push({ name: m.name, client: m, state: await join(cs, m, c.welcome!, policy), permanent: true });
    world.#enterEpoch();
    return { world, victim };
  }

  get epoch(): bigint {
    return this.members[0]!.state.groupContext.epoch;
  }

  #record(bytes: Uint8Array, kind: GenuineKind, epoch: bigint, sender: number, meaning: string, label: string, own = false): Genuine {
    const g: Genuine = { id: this.archive.length, label, bytes, epoch, kind, sender, meaning, own, read: false };
    this.archive.push(g);
    return g;
  }

  /** Records an application message the victim sent (fed back to it as an echo). */
  recordOwn(bytes: Uint8Array, epoch: bigint, data: Uint8Array, authenticatedData: Uint8Array): Genuine {
    return this.#record(bytes, "application", epoch, this.victimLeaf, applicationMeaning(epoch, this.victimLeaf, data, authenticatedData), `e${epoch} application bob (own)`, true);
  }

  /** Insider keys of the new epoch, from a random member that has consumed nothing in it yet; old ones dropped. */
  #enterEpoch(): void {
    const epoch = this.epoch;
    this.insiderKeys.set(epoch, new InsiderKeys(this.rng.pick(this.members).state));
    for (const e of [...this.insiderKeys.keys()]) if (e < epoch - 6n) this.insiderKeys.delete(e);
  }

  async #application(m: Member): Promise<Genuine> {
    const epoch = m.state.groupContext.epoch;
    const n = this.#counter++;
    const data = utf8(`e${epoch} ${m.name} #${n}` + (this.rng.chance(0.2) ? " " + "x".repeat(this.rng.range(1, 300)) : ""));
    const authenticatedData = this.rng.chance(0.3) ? this.rng.bytes(this.rng.range(1, 16)) : new Uint8Array(0);
    const bytes = await createApplicationMessage(m.state, data, { authenticatedData });
    const leaf = m.state.ownLeaf;
    return this.#record(bytes, "application", epoch, leaf, applicationMeaning(epoch, leaf, data, authenticatedData), `e${epoch} application ${m.name} #${n}`);
  }

  #newSpare(): Promise<TestClient> {
    return client(this.cs, `spare${++this.#spares}`);
  }

  #keyPackageMessage(c: TestClient, epoch: bigint): void {
    const bytes = encodeMlsMessage({ version: ProtocolVersion.mls10, wireFormat: WireFormat.mls_key_package, keyPackage: c.kp.keyPackage });
    this.#record(bytes, "key-package", epoch, -1, "", `e${epoch} KeyPackage ${c.name}`);
  }

  /** The epoch's application messages and 0 to 2 proposals; all members but the victim process the proposals. */
  async epochTraffic(): Promise<EpochTraffic> {
    const rng = this.rng;
    const epoch = this.epoch;
    const applications = this.#earlyApplications;
    for (const m of this.members) {
      if (!rng.chance(0.7)) continue;
      for (let i = rng.range(1, 2); i > 0; i--) applications.push(await this.#application(m));
    }
    this.#targeted = new Set<number>();
    this.#joining = [];
    const proposals: Genuine[] = [];
    for (
      let i: number = rng.weighted([
        [0, 4],
        [1, 4],
        [2, 2],
      ] as const);
      i > 0;
      i--
    ) {
      const proposer = rng.pick(this.members);
      const input = await this.#proposalInput(proposer, this.#targeted, this.#joining);
      if (input === undefined) continue;
      const created = await createProposal(proposer.state, input);
      proposer.state = created.state;
      for (const m of this.members) if (m !== proposer) m.state = (await processMessage(m.state, created.message)).state;
      const leaf = proposer.state.ownLeaf;
      proposals.push(
        this.#record(created.message, "proposal", epoch, leaf, proposalMeaning(epoch, leaf, created.ref), `e${epoch} proposal ${Object.keys(input)[0]} by ${proposer.name}`),
      );
    }
    return { epoch, applications, proposals };
  }

  async #proposalInput(proposer: Member, targeted: Set<number>, joining: TestClient[]): Promise<ProposalInput | undefined> {
    const kind = this.rng.pick(["update", "add", "remove"] as const);
    const own = proposer.state.ownLeaf;
    if (kind === "update" && !targeted.has(own)) {
      targeted.add(own);
      return { update: {} };
    }
    if (kind === "add" && this.members.length + 1 + joining.length < MAX_MEMBERS) {
      const spare = await this.#newSpare();
      joining.push(spare);
      this.#keyPackageMessage(spare, this.epoch);
      return { add: kpOf(spare) };
    }
    const removable = this.members.filter((m) => !m.permanent && m !== proposer && !targeted.has(m.state.ownLeaf));
    if (removable.length === 0) return undefined;
    const leaf = this.rng.pick(removable).state.ownLeaf;
    targeted.add(leaf);
    return { remove: leaf as LeafIndex };
  }

  /** A member of the world commits the epoch's proposals (and maybe an Add or Remove by value); the others merge it. */
  async commit(): Promise<EpochCommit> {
    const rng = this.rng;
    const targeted = this.#targeted;
    const candidates = this.members.filter((m) => !targeted.has(m.state.ownLeaf));
    const committer = rng.pick(candidates.length > 0 ? candidates : this.members.filter((m) => m.permanent));
    const byValue: ProposalInput[] = [];
    if (rng.chance(0.3)) {
      const removable = this.members.filter((m) => !m.permanent && m !== committer && !targeted.has(m.state.ownLeaf));
      if (removable.length > 0 && rng.chance(0.5)) byValue.push({ remove: rng.pick(removable).state.ownLeaf });
      else if (this.members.length + 1 + this.#joining.length < MAX_MEMBERS) {
        const spare = await this.#newSpare();
        this.#joining.push(spare);
        byValue.push({ add: kpOf(spare) });
      }
    }
    const epoch = this.epoch;
    const c = await createCommit(committer.state, { proposals: byValue, forcePath: rng.chance(0.5), ...(rng.chance(0.2) ? { groupInfo: {} } : {}) });
    if (c.omitted.length > 0) throw new Error(`the world's Commit omitted proposals: ${c.omitted.map((o) => o.error.code).join(", ")}`);
    committer.state = mergePendingCommit(c.state);
    const leaf = committer.state.ownLeaf;
    return this.#merged(c, epoch, committer, commitMeaning(epoch, leaf, committer.state.keys.epochAuthenticator), leaf, `commit by ${committer.name}`);
  }

  /** The victim committed (`c`, from its state): every member of the world merges it. */
  victimCommitted(c: CreatedCommit): Promise<EpochCommit> {
    const merged = mergePendingCommit(c.state);
    const epoch = this.epoch;
    return this.#merged(c, epoch, undefined, commitMeaning(epoch, this.victimLeaf, merged.keys.epochAuthenticator), this.victimLeaf, "commit by bob (own)");
  }

  async #merged(c: CreatedCommit, epoch: bigint, committer: Member | undefined, meaning: string, leaf: number, what: string): Promise<EpochCommit> {
    const survivors: Member[] = [];
    for (const m of this.members) {
      if (m === committer) {
        survivors.push(m);
        continue;
      }
      const r = await processMessage(m.state, c.commit);
      if (r.kind !== "commit") throw new Error(`${m.name} did not stage the Commit`);
      if (r.staged.removedSelf) continue;
      m.state = mergeStagedCommit(r.staged);
      survivors.push(m);
    }
    this.members.splice(0, this.members.length, ...survivors);
    if (c.welcome !== undefined) {
      this.#record(c.welcome, "welcome", epoch, -1, "", `e${epoch} Welcome`);
      for (const spare of this.#joining) this.members.push({ name: spare.name, client: spare, state: await join(this.cs, spare, c.welcome, this.policy), permanent: false });
    }
    if (c.groupInfo !== undefined) this.#record(c.groupInfo, "group-info", epoch, -1, "", `e${epoch} GroupInfo`);
    const commit = this.#record(c.commit, "commit", epoch, leaf, meaning, `e${epoch} ${what}`, committer === undefined);
    this.#enterEpoch();
    const nextEarly: Genuine[] = [];
    for (const m of this.members) if (this.rng.chance(0.3)) nextEarly.push(await this.#application(m));
    this.#earlyApplications = nextEarly.slice();
    return { commit, nextEarly };
  }
}
