/**
 * The RPCs of successor groups (RFC 9420 §11.2 ReInit, §11.3 branch): the
 * new group a member creates or joins, checked against the group it resumes.
 * Bodies of {@link MlsInteropClient}'s ReInitWelcome, HandleReInitWelcome,
 * CreateBranch and HandleBranch, and of the reinit step after a Commit
 * covering a ReInit.
 */
import { UsageError } from "@mlskit/core";
import type { GroupPolicyInput } from "@mlskit/group";
import type { MlsInteropClient } from "./interop-client.js";
import type { InteropRegistry, StateEntry } from "./registry.js";
import { EMPTY, type ExtensionMsg, type Msg, b, extensionsOf, nonEmpty } from "./request-fields.js";

/** What these RPCs use of the client. */
export interface SuccessorContext {
  readonly registry: InteropRegistry;
  /** The group policy of a state created with `encrypt_handshake`. */
  policy(encrypt: boolean): GroupPolicyInput;
  /** The member response of the join RPCs. */
  joined(st: StateEntry): Msg;
}

/** After the Commit covering a ReInit (§11.2): a KeyPackage for the new group, under a reinit id. */
export async function reinitStarted(ctx: SuccessorContext, st: StateEntry): Promise<Msg> {
  const reinit = st.group.reinit;
  if (reinit === undefined) throw new UsageError("usage/no-reinit", "the Commit carried no ReInit proposal (RFC 9420 §11.2)");
  const keyPackage = await st.owner.client.createKeyPackage({ cipherSuite: reinit.cipherSuite });
  const id = ctx.registry.addReinit(st, keyPackage);
  return { reinit_id: id, key_package: keyPackage.keyPackage, epoch_authenticator: st.group.epochAuthenticator };
}

/** The new group of a ReInit (§11.2 step 3), created by this member's client for the new suite. */
export async function reinitWelcome(ctx: SuccessorContext, req: Msg): Promise<Msg> {
  const ri = ctx.registry.reinits.get(req.reinit_id as number);
  const external = req.external_tree === true;
  // force_path: the first Commit of a successor group always has a path (§11.2).
  const next = await ri.owner.client.reinitGroup(ri.old.group, ((req.key_package as unknown[] | undefined) ?? []).map(b), {
    policy: ctx.policy(ri.old.encrypt),
    ratchetTreeInWelcome: !external,
  });
  // This member's KeyPackage of HandleReInitCommit is not needed: the new group has a fresh leaf.
  await ri.owner.storage.deleteKeyPackage(ri.keyPackage.reference);
  const st = ctx.registry.addState(ri.owner, next.group, ri.old.encrypt);
  ctx.registry.consumeReinit(req.reinit_id as number);
  return {
    state_id: st.id,
    welcome: next.welcome ?? EMPTY,
    ratchet_tree: external ? st.group.ratchetTree() : EMPTY,
    epoch_authenticator: st.group.epochAuthenticator,
  };
}

/** Joins the new group of a ReInit (§11.2), checked against the reinitialized group. */
export async function handleReinitWelcome(ctx: SuccessorContext, req: Msg): Promise<Msg> {
  const ri = ctx.registry.reinits.get(req.reinit_id as number);
  const ratchetTree = nonEmpty(req.ratchet_tree);
  const group = await ri.owner.client.joinFromWelcome(b(req.welcome), {
    ...(ratchetTree !== undefined ? { ratchetTree } : {}),
    policy: ctx.policy(ri.old.encrypt),
    // §11.2, §12.4.3.1: the Welcome must resume exactly the reinitialized group.
    resumedGroup: ri.old.group,
    expectResumption: "reinit",
  });
  const st = ctx.registry.addState(ri.owner, group, ri.old.encrypt);
  ctx.registry.consumeReinit(req.reinit_id as number);
  return ctx.joined(st);
}

/** A branch of the state's group (§11.3) with the members of `key_packages`. */
export async function createBranch(ctx: SuccessorContext, req: Msg): Promise<Msg> {
  const st = ctx.registry.states.get(req.state_id as number);
  const groupId = nonEmpty(req.group_id);
  const external = req.external_tree === true;
  const branch = await st.owner.client.branchGroup(st.group, ((req.key_packages as unknown[] | undefined) ?? []).map(b), {
    ...(groupId !== undefined ? { groupId } : {}),
    extensions: extensionsOf(req.extensions as ExtensionMsg[]),
    // force_path: the first Commit of a successor group always has a path (§11.3).
    ratchetTreeInWelcome: !external,
    policy: ctx.policy(st.encrypt),
  });
  const out = ctx.registry.addState(st.owner, branch.group, st.encrypt);
  return {
    state_id: out.id,
    welcome: branch.welcome ?? EMPTY,
    ratchet_tree: external ? branch.group.ratchetTree() : EMPTY,
    epoch_authenticator: branch.group.epochAuthenticator,
  };
}

/** Joins a branch (§11.3), checked against the parent state the runner names (§12.4.3.1). */
export async function handleBranch(ctx: SuccessorContext, req: Msg): Promise<Msg> {
  const st = ctx.registry.states.get(req.state_id as number);
  const tx = ctx.registry.transactions.get(req.transaction_id as number);
  const ratchetTree = nonEmpty(req.ratchet_tree);
  const group = await tx.owner.client.joinFromWelcome(b(req.welcome), {
    ...(ratchetTree !== undefined ? { ratchetTree } : {}),
    policy: ctx.policy(st.encrypt),
    resumedGroup: st.group,
    expectResumption: "branch",
  });
  const joined = ctx.registry.addState(tx.owner, group, st.encrypt);
  ctx.registry.consumeTransaction(req.transaction_id as number);
  return ctx.joined(joined);
}
