/**
 * The {@link GroupObserver} seam implemented with `@mlskit/group`'s public
 * observer (packages/group/src/observer): views are kept encoded
 * (encodePublicGroupView) in the store and decoded per request with the
 * suite of their header; members are named by their credential's identity
 * (the identity provider's `identity()`) as UTF-8. Used only by
 * commit-check.ts.
 */
import type { Credential, CryptoProvider, IdentityProvider } from "@mlskit/core";
import {
  DEFAULT_GROUP_POLICY,
  type GroupPolicy,
  type PublicGroupView,
  SenderType,
  decodePublicGroupView,
  encodePublicGroupView,
  groupInfoMatches,
  observeGroupInfo,
  observeMessage,
  peekStateHeader,
} from "@mlskit/group";
import type { GroupObserver, ObservedGroup, ObservedMessage } from "./commit-check.js";
import { decodeGroupInfo } from "./group-info.js";
import { clientIdOfIdentity } from "./identity.js";

export interface GroupPackageObserverOptions {
  readonly identityProvider: IdentityProvider;
  readonly crypto: CryptoProvider;
  /** The group policy the observer checks with (limits, accepted extensions); default the group package's. */
  readonly policy?: GroupPolicy;
}

export function groupPackageObserver(options: GroupPackageObserverOptions): GroupObserver {
  const services = { identityProvider: options.identityProvider };
  const policy = options.policy ?? DEFAULT_GROUP_POLICY;

  const clientId = async (credential: Credential): Promise<string> => {
    const id = clientIdOfIdentity(await options.identityProvider.identity(credential));
    if (id === undefined) throw new Error("a member's identity is not UTF-8");
    return id;
  };
  const decodeView = async (bytes: Uint8Array): Promise<PublicGroupView> => {
    const cs = await options.crypto.cipherSuite(peekStateHeader(bytes).cipherSuite);
    return decodePublicGroupView(bytes, { cs, services, policy });
  };

  return {
    async observeGroupInfo(groupInfo, ratchetTree): Promise<ObservedGroup> {
      const cs = await options.crypto.cipherSuite(decodeGroupInfo(groupInfo).groupContext.cipherSuite);
      const view = await observeGroupInfo({ cs, services, policy, groupInfo, ...(ratchetTree !== undefined ? { ratchetTree } : {}) });
      const members: string[] = [];
      for (const l of view.tree.leaves()) {
        const leaf = view.tree.leafNode(l);
        if (leaf !== undefined) members.push(await clientId(leaf.credential));
      }
      return { view: encodePublicGroupView(view), epoch: view.groupContext.epoch, members };
    },

    async observeMessage(viewBytes, message): Promise<ObservedMessage> {
      const r = await observeMessage(await decodeView(viewBytes), message);
      if (r.kind === "private") throw new Error("a PrivateMessage cannot be observed");
      if (r.kind === "proposal") {
        return { view: encodePublicGroupView(r.view), added: [], removed: [], sender: undefined };
      }
      const committer = await clientId(r.committer.credential);
      const added = await Promise.all(r.added.map((m) => clientId(m.credential)));
      // An external committer joins at its own new leaf (§12.4.3.2).
      if (r.externalCommit) added.push(committer);
      return {
        view: encodePublicGroupView(r.view),
        added,
        removed: await Promise.all(r.removed.map((m) => clientId(m.credential))),
        sender: r.sender.senderType === SenderType.member ? committer : undefined,
      };
    },

    async groupInfoMatches(viewBytes, groupInfo) {
      return groupInfoMatches(await decodeView(viewBytes), groupInfo);
    },
  };
}
