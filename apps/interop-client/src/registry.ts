/**
 * What the interop client holds between RPCs, by id, and how it lets go:
 * one facade `Client` per identity, and the handles it gives the runner
 * (states, transactions, reinits, signers) in bounded {@link HandleTable}s.
 *
 * Releasing a handle (evicted, or {@link InteropRegistry.free}) releases
 * what it holds: a state's group leaves its client's memory and storage
 * (`Client.deleteGroup`: the stored blobs are zeroed, the provider forgets
 * its HPKE private keys); an unused KeyPackage is deleted
 * (`Client.deleteKeyPackage`: its stored private keys are zeroed and
 * forgotten). A client none of whose handles is held any more is dropped,
 * its PSKs deleted (zeroed) first. All ids come from one counter starting at
 * 1, so a StorePSK id is never ambiguous.
 */
import { toHex } from "@mlskit/codec";
import type { ClientStore, CryptoProvider, IdentityProvider } from "@mlskit/core";
import { Client, type ExternalSigner, type Group, type PublishedKeyPackage } from "@mlskit/mls";
import { memoryStore } from "@mlskit/storage-memory";
import { invalidRequest, notFound } from "./errors.js";
import { DEFAULT_HANDLE_LIMITS, type HandleLimits, HandleTable } from "./handle-table.js";

/** One client of the server: a credential for `identity`, for every cipher suite. */
export interface ClientEntry {
  readonly client: Client;
  readonly identity: Uint8Array;
  readonly storage: ClientStore;
}

/** One member's state of one group. */
export interface StateEntry {
  readonly id: number;
  readonly owner: ClientEntry;
  readonly group: Group;
  readonly encrypt: boolean;
}

/** A KeyPackage waiting for its Welcome (CreateKeyPackage, NewMemberAddProposal). */
export interface TransactionEntry {
  readonly owner: ClientEntry;
  readonly keyPackage: PublishedKeyPackage;
}

/** A member's part of a reinitialization, between the Commit covering the ReInit and the new group's Welcome. */
export interface ReinitEntry {
  readonly old: StateEntry;
  readonly owner: ClientEntry;
  /** This member's KeyPackage for the new group's cipher suite. */
  readonly keyPackage: PublishedKeyPackage;
}

/** Options of {@link InteropRegistry}. */
export interface RegistryOptions {
  readonly crypto: CryptoProvider;
  readonly identityProvider: IdentityProvider;
  readonly advertisedCredentialTypes: readonly number[];
  /** Bounds of each kind of handle (default {@link DEFAULT_HANDLE_LIMITS}). */
  readonly limits?: Partial<HandleLimits>;
  /** Called when releasing a handle's resources failed (the handle is gone all the same). */
  readonly onReleaseError?: (error: unknown) => void;
}

/** What the registry holds now (for monitoring and tests). */
export interface RegistryCounts {
  readonly states: number;
  readonly transactions: number;
  readonly reinits: number;
  readonly signers: number;
  readonly clients: number;
  /** Handles evicted so far, all kinds. */
  readonly evictions: number;
}

/** The handles and clients of one interop server. */
export class InteropRegistry {
  readonly #options: RegistryOptions;
  #nextId = 1;
  readonly #clients = new Map<string, Promise<ClientEntry>>();
  /** The clients created, by identity, once ready (to drop the right one). */
  readonly #ready = new Map<string, ClientEntry>();
  /** Handles and running operations that keep a client, per client. */
  readonly #holds = new Map<ClientEntry, number>();
  /** Release work not finished yet (see {@link settled}). */
  readonly #releasing = new Set<Promise<void>>();
  readonly states: HandleTable<StateEntry>;
  readonly transactions: HandleTable<TransactionEntry>;
  readonly reinits: HandleTable<ReinitEntry>;
  readonly signers: HandleTable<ExternalSigner>;
  /** PSKs stored for id 0 (a client that holds no state nor transaction yet): every client of this server sees them. */
  readonly sharedPsks = memoryStore();

  constructor(options: RegistryOptions) {
    this.#options = options;
    const limits: HandleLimits = { ...DEFAULT_HANDLE_LIMITS, ...options.limits };
    this.states = new HandleTable<StateEntry>("state", limits, (_, st) => this.#releaseState(st));
    this.transactions = new HandleTable<TransactionEntry>("transaction", limits, (_, tx) =>
      this.#background(tx.owner, () => tx.owner.client.deleteKeyPackage(tx.keyPackage.reference)),
    );
    this.reinits = new HandleTable<ReinitEntry>("reinit", limits, (_, ri) => this.#releaseReinit(ri, true));
    this.signers = new HandleTable<ExternalSigner>("signer", limits, () => undefined);
  }

  /** A fresh id (shared by every kind of handle). */
  nextId(): number {
    return this.#nextId++;
  }

  /** What is held now. */
  counts(): RegistryCounts {
    const tables = [this.states, this.transactions, this.reinits, this.signers];
    return {
      states: this.states.size,
      transactions: this.transactions.size,
      reinits: this.reinits.size,
      signers: this.signers.size,
      clients: this.#clients.size,
      evictions: tables.reduce((n, t) => n + t.evictions, 0),
    };
  }

  /** Resolves once the release work started so far is done. */
  async settled(): Promise<void> {
    while (this.#releasing.size > 0) await Promise.all([...this.#releasing]);
  }

  /**
   * Runs `fn` with the client of `identity` (created on first use, `suite`
   * its default), which is kept while `fn` runs even if it holds no handle.
   */
  async withClient<T>(identity: Uint8Array, suite: number, fn: (owner: ClientEntry) => Promise<T>): Promise<T> {
    if (identity.length === 0) throw invalidRequest("identity is empty");
    const key = toHex(identity);
    let entry = this.#clients.get(key);
    if (entry === undefined) {
      entry = this.#newClient(identity, suite);
      this.#clients.set(key, entry);
      entry.then(
        (e) => void this.#ready.set(key, e),
        () => this.#clients.delete(key),
      );
    }
    const owner = await entry;
    this.#hold(owner);
    try {
      return await fn(owner);
    } finally {
      this.#unhold(owner);
    }
  }

  /**
   * The client of the state, transaction or reinit `id` (StorePSK's
   * `state_or_transaction_id`), which is used.
   * @throws InteropError naming the handle when it was evicted or freed, NOT_FOUND when it is unknown.
   */
  ownerOf(id: number): ClientEntry {
    if (this.states.has(id) || this.states.released(id)) return this.states.get(id).owner;
    if (this.transactions.has(id) || this.transactions.released(id)) return this.transactions.get(id).owner;
    if (this.reinits.has(id) || this.reinits.released(id)) return this.reinits.get(id).owner;
    throw notFound("state or transaction", id);
  }

  /** Holds a member's state of a group under a new id. */
  addState(owner: ClientEntry, group: Group, encrypt: boolean): StateEntry {
    const entry: StateEntry = { id: this.nextId(), owner, group, encrypt };
    this.#hold(owner);
    this.states.add(entry.id, entry);
    return entry;
  }

  /** Holds a KeyPackage waiting for its Welcome under a new id. */
  addTransaction(owner: ClientEntry, keyPackage: PublishedKeyPackage): number {
    const id = this.nextId();
    this.#hold(owner);
    this.transactions.add(id, { owner, keyPackage });
    return id;
  }

  /** Holds a member's part of a reinitialization under a new id. */
  addReinit(old: StateEntry, keyPackage: PublishedKeyPackage): number {
    const id = this.nextId();
    this.#hold(old.owner);
    this.reinits.add(id, { old, owner: old.owner, keyPackage });
    return id;
  }

  /** Holds an external signer under a new id. */
  addSigner(signer: ExternalSigner): number {
    const id = this.nextId();
    this.signers.add(id, signer);
    return id;
  }

  /** A transaction's KeyPackage was consumed by a Welcome: the handle goes, nothing else to release. */
  consumeTransaction(id: number): void {
    const tx = this.transactions.take(id);
    if (tx !== undefined) this.#unhold(tx.owner);
  }

  /** A reinit ended (its new group is a state now): the handle goes, with the old group if no state holds it. */
  consumeReinit(id: number): void {
    const ri = this.reinits.take(id);
    if (ri !== undefined) this.#releaseReinit(ri, false);
  }

  /**
   * Releases whatever `id` names (a state, transaction, reinit or signer)
   * and its resources, as the runner's `Free` would; resolves once they are
   * released. Returns whether `id` was held.
   */
  async free(id: number): Promise<boolean> {
    const freed = this.states.free(id) || this.transactions.free(id) || this.reinits.free(id) || this.signers.free(id);
    await this.settled();
    return freed;
  }

  async #newClient(identity: Uint8Array, suite: number): Promise<ClientEntry> {
    const own = memoryStore();
    const shared = this.sharedPsks;
    // The client's own store, whose PSK lookups fall back to the PSKs every client of this server sees.
    const storage = new Proxy(own, {
      get(target, prop) {
        if (prop === "getPsk") return async (id: Uint8Array) => (await target.getPsk(id)) ?? (await shared.getPsk(id));
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const client = await Client.create({
      identity,
      cipherSuite: suite,
      crypto: this.#options.crypto,
      identityProvider: this.#options.identityProvider,
      advertisedCredentialTypes: this.#options.advertisedCredentialTypes,
      storage,
    });
    return { client, identity, storage };
  }

  /** A state's group leaves its client, unless a reinit still needs it (then the reinit's end releases it). */
  #releaseState(st: StateEntry): void {
    const neededByReinit = this.reinits.values().some((ri) => ri.old === st);
    if (neededByReinit) {
      this.#unhold(st.owner);
      return;
    }
    this.#background(st.owner, () => this.#deleteGroup(st));
  }

  /** A reinit goes: its unused KeyPackage when `evicted`, and its old group once no state holds it. */
  #releaseReinit(ri: ReinitEntry, evicted: boolean): void {
    const oldHeld = this.states.has(ri.old.id);
    this.#background(ri.owner, async () => {
      if (evicted) await ri.owner.client.deleteKeyPackage(ri.keyPackage.reference);
      if (!oldHeld) await this.#deleteGroup(ri.old);
    });
  }

  /** Deletes a state's group from its client, if that client's group of this id is still this one (a successor may reuse the id). */
  async #deleteGroup(st: StateEntry): Promise<void> {
    const groupId = st.group.groupId;
    if ((await st.owner.client.getGroup(groupId)) === st.group) await st.owner.client.deleteGroup(groupId);
  }

  /** Runs release work for a handle of `owner` (tracked, errors reported), then lets go of the handle's hold on `owner`. */
  #background(owner: ClientEntry, work: () => Promise<unknown>): void {
    const p: Promise<void> = work()
      .then(
        () => undefined,
        (e: unknown) => this.#options.onReleaseError?.(e),
      )
      .finally(() => {
        this.#releasing.delete(p);
        this.#unhold(owner);
      });
    this.#releasing.add(p);
  }

  #hold(owner: ClientEntry): void {
    const n = this.#holds.get(owner) ?? 0;
    this.#holds.set(owner, n + 1);
    // A client dropped while an operation still had it (no handle held then) is the identity's client again, unless a new one took its place.
    const key = toHex(owner.identity);
    if (n === 0 && !this.#clients.has(key)) {
      this.#clients.set(key, Promise.resolve(owner));
      this.#ready.set(key, owner);
    }
  }

  /** One hold less; a client with none left is dropped, its PSKs deleted (the memory store zeroes them). */
  #unhold(owner: ClientEntry): void {
    const n = (this.#holds.get(owner) ?? 0) - 1;
    if (n > 0) {
      this.#holds.set(owner, n);
      return;
    }
    this.#holds.delete(owner);
    const key = toHex(owner.identity);
    if (this.#ready.get(key) !== owner) return;
    this.#ready.delete(key);
    this.#clients.delete(key);
    const psks = (async () => {
      for (const id of await owner.storage.pskIds()) await owner.storage.deletePsk(id);
    })();
    const p: Promise<void> = psks
      .catch((e: unknown) => this.#options.onReleaseError?.(e))
      .finally(() => {
        this.#releasing.delete(p);
      });
    this.#releasing.add(p);
  }
}
