/**
 * The receiving side of a {@link Messenger} (messenger.ts): the WebSocket
 * stream, started once the caller has had a chance to add listeners and
 * reconnected with backoff, HTTP polling while it is down (or absent), and
 * the background processing each of them schedules in the Messenger's
 * serial queue, failures reported once until a success.
 */
import type { SerialQueue } from "@mlskit/mls";
import { type BackoffOptions, backoff } from "./backoff.js";
import type { DsConnection } from "./connection.js";
import type { EventHub } from "./events.js";
import { reportError } from "./outcomes.js";
import type { QueueProcessor } from "./queue-processing.js";
import { QueueStream, type WebSocketConstructor } from "./stream.js";

/** What the receiving side works with. */
export interface QueueReceiverOptions {
  readonly conn: DsConnection;
  readonly events: EventHub;
  /** The Messenger's serial queue. */
  readonly lock: SerialQueue;
  readonly queue: QueueProcessor;
  /** While the stream is down (or absent), poll the queue this often (ms; 0: never). */
  readonly pollIntervalMs: number;
  /** Whether the Messenger is closed. */
  readonly closed: () => boolean;
}

/** The stream and the polling of a Messenger, and the processing they schedule. */
export class QueueReceiver {
  readonly #conn: DsConnection;
  readonly #events: EventHub;
  readonly #lock: SerialQueue;
  readonly #queue: QueueProcessor;
  readonly #pollIntervalMs: number;
  readonly #closed: () => boolean;
  #stream: QueueStream | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #pumpQueued = false;
  /** The last background failure was reported: do not repeat it until a success. */
  #backgroundFailing = false;

  constructor(options: QueueReceiverOptions) {
    this.#conn = options.conn;
    this.#events = options.events;
    this.#lock = options.lock;
    this.#queue = options.queue;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#closed = options.closed;
  }

  /** Starts receiving on the next turn of the event loop: the stream when there is a WebSocket, else polling. */
  startLater(WebSocket: WebSocketConstructor | undefined, reconnect: BackoffOptions | undefined): void {
    this.#startTimer = setTimeout(() => this.#start(WebSocket, reconnect), 0);
  }

  /** Acknowledges over the stream; false when it is not open. */
  ack(upTo: number): boolean {
    return this.#stream?.ack(upTo) === true;
  }

  /** Stops the start timer, the stream and the polling (the Messenger is closed). */
  stop(): void {
    if (this.#startTimer !== undefined) clearTimeout(this.#startTimer);
    this.#stream?.close();
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
  }

  #start(WebSocket: WebSocketConstructor | undefined, reconnect: BackoffOptions | undefined): void {
    this.#startTimer = undefined;
    if (this.#closed()) return;
    if (WebSocket !== undefined) {
      this.#stream = new QueueStream(
        WebSocket,
        {
          url: () => this.#conn.streamUrl(),
          cursor: () => this.#queue.cursor,
          items: (batch) => {
            this.#queue.receive(batch);
            this.#schedule(false);
          },
          connection: (connected) => {
            if (connected) {
              this.#stopPolling();
              this.#backgroundFailing = false;
            } else this.#startPolling();
          },
          error: (code, message, cause) => this.#events.emit("error", { code, message, ...(cause !== undefined ? { cause } : {}) }),
        },
        backoff({ attempts: Number.MAX_SAFE_INTEGER, baseDelayMs: 250, maxDelayMs: 30_000, ...reconnect }),
      );
      this.#stream.start();
    } else {
      this.#startPolling();
    }
    this.#schedule(true);
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined || this.#pollIntervalMs === 0 || this.#closed()) return;
    this.#pollTimer = setInterval(() => this.#schedule(true), this.#pollIntervalMs);
  }

  #stopPolling(): void {
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  /** Queues processing in the background: pushed items, or (`fetch`) the queue over HTTP too. */
  #schedule(fetch: boolean): void {
    if (this.#closed() || (this.#pumpQueued && !fetch)) return;
    this.#pumpQueued = true;
    void this.#lock
      .run(async () => {
        this.#pumpQueued = false;
        if (this.#closed()) return;
        await this.#queue.recover();
        if (fetch) await this.#queue.drain();
        else {
          await this.#queue.processBuffered();
          await this.#queue.ack();
        }
        await this.#queue.afterBatch();
        this.#backgroundFailing = false;
      })
      .catch((e: unknown) => {
        if (this.#backgroundFailing) return;
        this.#backgroundFailing = true;
        reportError({ events: this.#events }, undefined, e);
      });
  }
}
