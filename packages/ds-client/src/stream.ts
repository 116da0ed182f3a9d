/**
 * The queue's WebSocket stream (`/v1/stream`): subscribes after the
 * client's cursor, hands pushed batches on, sends acknowledgements, and
 * reconnects with backoff when the connection drops (each reconnect is also
 * a cue to catch up over HTTP, in case the stream cannot be had at all).
 * Works with the browser's `WebSocket` and with Node's `ws` package.
 */
import type { StreamFrame } from "@mlskit/ds-protocol";
import { type ReceivedBatch, parseStreamFrame } from "./answers.js";
import { type Backoff, delayFor } from "./backoff.js";

/** The part of a WebSocket the stream uses (the WHATWG API; `ws` implements it). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: the runtime's `WebSocket`, or `ws`'s. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

/** What the stream reports to its owner. */
export interface QueueStreamHandlers {
  /** A fresh signed stream URL (signatures expire: one per connection). */
  url(): Promise<string>;
  /** The cursor to subscribe after (the last item processed). */
  cursor(): number;
  /** Items pushed by the DS. */
  items(batch: ReceivedBatch): void;
  /** Connected (`true`) or disconnected (`false`): catch up over HTTP on either. */
  connection(connected: boolean): void;
  /** A failure worth telling the application (a bad frame, an error frame). */
  error(code: string, message: string, cause?: unknown): void;
}

/** A reconnecting subscription to the client's queue. */
export class QueueStream {
  readonly #WebSocket: WebSocketConstructor;
  readonly #handlers: QueueStreamHandlers;
  readonly #backoff: Backoff;
  #socket: WebSocketLike | undefined;
  #failures = 0;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(WebSocket: WebSocketConstructor, handlers: QueueStreamHandlers, reconnect: Backoff) {
    this.#WebSocket = WebSocket;
    this.#handlers = handlers;
    this.#backoff = reconnect;
  }

  /** True while the socket is open. */
  get connected(): boolean {
    return this.#socket?.readyState === OPEN;
  }

  /** Connects (and keeps reconnecting until {@link close}). */
  start(): void {
    void this.#connect();
  }

  /** Acknowledges over the socket; false when it is not open (acknowledge over HTTP then). */
  ack(upTo: number): boolean {
    const s = this.#socket;
    if (s === undefined || s.readyState !== OPEN) return false;
    try {
      s.send(JSON.stringify({ type: "ack", upTo } satisfies StreamFrame));
      return true;
    } catch {
      return false;
    }
  }

  /** Closes for good. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const s = this.#socket;
    this.#socket = undefined;
    if (s !== undefined) {
      s.onclose = null;
      s.onmessage = null;
      s.onerror = null;
      s.onopen = null;
      try {
        s.close(1000, "closed");
      } catch {
        // Already closed.
      }
    }
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(await this.#handlers.url());
    } catch (e) {
      this.#handlers.error("ds-client/network", "the stream could not be opened", e);
      this.#retry();
      return;
    }
    if (this.#closed) {
      socket.close();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#failures = 0;
      socket.send(JSON.stringify({ type: "subscribe", after: this.#handlers.cursor() } satisfies StreamFrame));
      this.#handlers.connection(true);
    };
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = parseStreamFrame(event.data);
      } catch (e) {
        this.#handlers.error("ds-client/bad-answer", "the stream sent a malformed frame", e);
        return;
      }
      if (frame.type === "items") this.#handlers.items(frame.batch);
      else this.#handlers.error(frame.error, frame.message);
    };
    socket.onerror = () => {
      // A close follows; reconnecting happens there.
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#handlers.connection(false);
      this.#retry();
    };
  }

  #retry(): void {
    if (this.#closed) return;
    const delay = delayFor(this.#backoff, this.#failures++);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, delay);
  }
}
