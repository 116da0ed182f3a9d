/**
 * `@mlskit/ds-client`: connects a facade `Client` of `@mlskit/mls` to the
 * Delivery Service of RFC 9750 (`apps/delivery-service`, protocol in
 * `@mlskit/ds-protocol`), in browsers and Node.
 *
 * - {@link DsConnection}: the DS's HTTP routes, signed with the client's key, answers checked.
 * - {@link Messenger}: rooms over it — KeyPackages kept published, Commits
 *   ordered by the DS and retried after conflicts, the queue processed in
 *   order over a WebSocket with HTTP catch-up, acknowledged only once stored.
 *
 * @example
 * ```ts
 * import { WebSocket } from "ws"; // Node 20; browsers have one
 * const messenger = await Messenger.open({ serverUrl: "https://ds.example", client, WebSocket });
 * messenger.on("message", (m) => console.log(m.sender, new TextDecoder().decode(m.data)));
 * const room = await messenger.createRoom();
 * await messenger.invite(room, ["bob"]);
 * await messenger.send(room, "hello");
 * ```
 *
 * The Authentication Service helpers (`registerWithAuthority`,
 * `fetchTrustAnchors`, `authorityIdentityProvider`: X.509 credentials) are in
 * the subpath `@mlskit/ds-client/authentication`, so that this entry does
 * not bring `@mlskit/credential-x509` (and its X.509 dependencies) into an
 * application that chooses other credentials.
 * @packageDocumentation
 */
export { Messenger, type MessengerOptions, type InviteResult, type RemoveResult } from "./messenger.js";
export { DsConnection, type DsConnectionOptions, type ClientConnectionOptions, type FetchFunction, type KeyPackagesToPublish, type MessageToSubmit } from "./connection.js";
export type { ReceivedItem, ReceivedBatch, HistoryItem } from "./answers.js";
export { type MessengerEvents, type MessengerEventName, type MessageEvent, type JoinedEvent, type MembersChangedEvent, type RemovedEvent, type ErrorEvent } from "./events.js";
export { KeyPackageSupply, type KeyPackageSupplyOptions } from "./key-package-supply.js";
export type { WebSocketConstructor, WebSocketLike } from "./stream.js";
export type { BackoffOptions } from "./backoff.js";
export { clientIdOf } from "./client-id.js";
export { DsClientError, DS_CLIENT_ERROR_CODES, type DsClientErrorCode } from "./errors.js";
