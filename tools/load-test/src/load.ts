/**
 * The steady phase. Every member holds a WebSocket stream (`/v1/stream`,
 * subscribe, acknowledge each pushed batch); senders POST real MLS
 * application messages (`group.encrypt`, pre-encrypted into a pool before
 * the clock starts) through `DsConnection.submitMessage` on an open-loop
 * schedule: message i is due at t0 + i/R whatever happened to the ones
 * before, and its latency runs from that due time to its receipt, so
 * queueing anywhere (generator, network, DS, store) is included.
 *
 * Receivers do not decrypt: a message is identified by its bytes (the
 * base64 text the DS sends back, the key of a map filled before sending)
 * and each recipient is checked off once — a second receipt is a
 * duplicate, a missing one after the grace period a loss.
 */
import { performance } from "node:perf_hooks";
import { DsError, type StreamFrame, toBase64 } from "@mlskit/ds-protocol";
import WebSocket from "ws";
import type { Member, Population } from "./population.js";
import { type Servers, machineCpuSeconds, postgresCpuSeconds, processCpuSeconds } from "./servers.js";

/** One message sent in a phase. */
interface Sent {
  readonly phase: Phase;
  readonly group: number;
  readonly sender: number;
  /** performance.now() when it was due (open-loop schedule). */
  readonly dueAt: number;
  /** undefined until the POST answers. */
  accepted: boolean | undefined;
  /** Global member numbers that received it. */
  readonly receivedBy: Set<number>;
}

/** Counters of one phase. */
class Phase {
  readonly latencies: number[] = [];
  deliveries = 0;
  duplicates = 0;
  /** Delivered to a client that is not a recipient (another group, or the sender). */
  misdelivered = 0;
  accepted = 0;
  errors = 0;
  readonly errorCodes = new Map<string, number>();
  expected = 0;
  lastAcceptedAt = 0;
  lastDeliveryAt = 0;
  readonly postLatencies: number[] = [];
  maxDispatchLagMs = 0;

  error(code: string): void {
    this.errors++;
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }
}

/** The row the report prints for one phase. */
export interface PhaseResult {
  readonly backend: string;
  readonly groups: number;
  readonly members: number;
  readonly offeredRate: number;
  readonly durationS: number;
  readonly sent: number;
  readonly accepted: number;
  /** Accepted messages per second, over the time from the first due send to the last accepted POST. */
  readonly achievedRate: number;
  /** Fanned-out deliveries received per second, over the time from the first due send to the last receipt. */
  readonly deliveriesPerS: number;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** p50/p99 of the POST alone (request to answer). */
  readonly postP50: number;
  readonly postP99: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly misdelivered: number;
  readonly errors: number;
  readonly errorCodes: Readonly<Record<string, number>>;
  /** Stream failures (error frames, unexpected closes) during the phase. */
  readonly streamErrors: number;
  /** The largest delay between a message's due time and its dispatch by the generator (ms). */
  readonly maxDispatchLagMs: number;
  /** CPU used during the phase, in % of one core. */
  readonly cpu: {
    readonly ds: number | undefined;
    readonly generator: number;
    readonly postgres: number | undefined;
    /** Everything else on the machine (other users' processes, the AS, the kernel), % of one core. */
    readonly other: number | undefined;
    /** DS CPU time per accepted message (ms): what one message costs the DS, whatever the competition. */
    readonly dsMsPerMessage: number | undefined;
  };
}

export interface PhaseOptions {
  /** Offered aggregate rate, messages per second. */
  readonly rate: number;
  readonly durationS: number;
  /** How long after the last POST answers to wait for missing deliveries (ms). */
  readonly graceMs?: number;
  /** Plaintext size of each application message (bytes). */
  readonly payloadBytes?: number;
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** A short name of a failure: the DsError/DsClientError code, with the network cause's code when there is one. */
function errorCode(e: unknown): string {
  const code = e instanceof DsError ? e.code : ((e as { code?: unknown })?.code ?? (e as Error)?.name ?? "error");
  // fetch failures: DsClientError(cause: TypeError("fetch failed", cause: Error{code: "ECONNRESET"…}))
  let cause = (e as { cause?: unknown })?.cause;
  for (let depth = 0; depth < 3 && cause !== undefined; depth++) {
    const c = (cause as { code?: unknown }).code;
    if (typeof c === "string") return `${String(code)}(${c})`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return String(code);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One member's stream: subscribes after its cursor, acks every pushed batch, reconnects after a drop. */
class MemberStream {
  #socket: WebSocket | undefined;
  #cursor = 0;
  #closed = false;
  #ready: Promise<void>;
  #markReady!: () => void;

  constructor(
    readonly number: number,
    readonly member: Member,
    private readonly onItems: (stream: MemberStream, items: readonly { kind: string; message: string }[], at: number) => void,
    private readonly onFailure: (what: string) => void,
  ) {
    this.#ready = new Promise((r) => (this.#markReady = r));
  }

  /** Resolves once the backlog after the cursor has been sent (the first batch). */
  get ready(): Promise<void> {
    return this.#ready;
  }

  async connect(): Promise<void> {
    if (this.#closed) return;
    const url = await this.member.conn.streamUrl();
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.on("open", () => socket.send(JSON.stringify({ type: "subscribe", after: this.#cursor } satisfies StreamFrame)));
    socket.on("message", (data) => {
      const at = performance.now();
      const frame = JSON.parse(String(data)) as StreamFrame;
      if (frame.type === "items") {
        this.#markReady();
        const last = frame.items.at(-1);
        if (last === undefined) return;
        this.#cursor = last.seq;
        this.onItems(this, frame.items, at);
        socket.send(JSON.stringify({ type: "ack", upTo: last.seq } satisfies StreamFrame));
      } else if (frame.type === "error") {
        this.onFailure(`stream ${frame.error}`);
      }
    });
    socket.on("error", () => undefined); // a close follows
    socket.on("close", () => {
      if (this.#socket !== socket || this.#closed) return;
      this.onFailure("stream closed");
      setTimeout(() => void this.connect().catch(() => this.onFailure("stream reconnect failed")), 100);
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket?.close(1000, "done");
    this.#socket = undefined;
  }
}

/** The streams of a population and the record of every message sent through it. */
export class LoadGenerator {
  readonly #pop: Population;
  readonly #servers: Servers;
  readonly #streams: MemberStream[] = [];
  readonly #sent = new Map<string, Sent>();
  #streamErrors = 0;
  #unknown = 0;
  readonly #memberNumber = new Map<Member, number>();

  constructor(servers: Servers, pop: Population) {
    this.#servers = servers;
    this.#pop = pop;
    pop.members.forEach((m, i) => this.#memberNumber.set(m, i));
  }

  /** Application messages received that no phase sent (should stay 0). */
  get unknownReceived(): number {
    return this.#unknown;
  }

  /** Opens every member's stream and waits for each one's backlog. */
  async open(): Promise<void> {
    for (const m of this.#pop.members) {
      const s = new MemberStream(
        this.#memberNumber.get(m)!,
        m,
        (stream, items, at) => this.#received(stream, items, at),
        () => this.#streamErrors++,
      );
      this.#streams.push(s);
    }
    await Promise.all(this.#streams.map((s) => s.connect()));
    await Promise.race([Promise.all(this.#streams.map((s) => s.ready)), sleep(30_000).then(() => Promise.reject(new Error("streams: no backlog within 30 s")))]);
  }

  close(): void {
    for (const s of this.#streams) s.close();
  }

  #received(stream: MemberStream, items: readonly { kind: string; message: string }[], at: number): void {
    for (const it of items) {
      if (it.kind !== "application") continue;
      const rec = this.#sent.get(it.message);
      if (rec === undefined) {
        this.#unknown++;
        continue;
      }
      const p = rec.phase;
      if (stream.member.group !== rec.group || stream.member.index === rec.sender) {
        p.misdelivered++;
        continue;
      }
      if (rec.receivedBy.has(stream.number)) {
        p.duplicates++;
        continue;
      }
      rec.receivedBy.add(stream.number);
      p.deliveries++;
      p.latencies.push(at - rec.dueAt);
      p.lastDeliveryAt = at;
    }
  }

  /** Runs one steady phase at `rate` messages/s for `durationS` seconds. */
  async run(options: PhaseOptions): Promise<PhaseResult> {
    const { rate, durationS } = options;
    const graceMs = options.graceMs ?? 3_000;
    const groups = this.#pop.groups;
    const G = groups.length;
    const M = groups[0]!.members.length;
    const n = Math.max(1, Math.round(rate * durationS));
    const phase = new Phase();
    const payload = new Uint8Array(options.payloadBytes ?? 64).fill(0x61);

    // The pool: message i goes to group i % G from member ⌊i/G⌋ % M (round robin), encrypted now, before the clock starts.
    const pool = new Array<{ text: string; bytes: Uint8Array; group: number; sender: number }>(n);
    await Promise.all(
      groups.map(async (g, gi) => {
        for (let i = gi; i < n; i += G) {
          const sender = Math.floor(i / G) % M;
          const bytes = await g.states[sender]!.encrypt(payload);
          pool[i] = { text: toBase64(bytes), bytes, group: gi, sender };
        }
      }),
    );
    // Forget earlier phases' messages (their stragglers then count as unknown).
    this.#sent.clear();

    const cpu0 = {
      ds: processCpuSeconds(this.#servers.dsPid),
      gen: process.cpuUsage(),
      pg: this.#servers.backend === "postgres" ? postgresCpuSeconds() : undefined,
      machine: machineCpuSeconds(),
    };
    const wall0 = performance.now();
    const t0 = wall0 + 20;
    const inflight: Promise<void>[] = [];
    const interval = 1000 / rate;
    for (let i = 0; i < n;) {
      const now = performance.now();
      while (i < n && t0 + i * interval <= now) {
        const item = pool[i]!;
        const dueAt = t0 + i * interval;
        phase.maxDispatchLagMs = Math.max(phase.maxDispatchLagMs, now - dueAt);
        const rec: Sent = { phase, group: item.group, sender: item.sender, dueAt, accepted: undefined, receivedBy: new Set() };
        this.#sent.set(item.text, rec);
        const member = groups[item.group]!.members[item.sender]!;
        const postStart = performance.now();
        inflight.push(
          member.conn.submitMessage(groups[item.group]!.groupIdHex, { message: item.bytes }, false).then(
            () => {
              const end = performance.now();
              rec.accepted = true;
              phase.accepted++;
              phase.expected += M - 1;
              phase.lastAcceptedAt = end;
              phase.postLatencies.push(end - postStart);
            },
            (e: unknown) => {
              rec.accepted = false;
              phase.error(errorCode(e));
            },
          ),
        );
        i++;
      }
      if (i < n) await sleep(Math.max(0, t0 + i * interval - performance.now()));
    }
    await Promise.all(inflight);
    // Grace: until every expected delivery arrived, or graceMs after the last POST answered.
    const graceEnd = performance.now() + graceMs;
    while (phase.deliveries < phase.expected && performance.now() < graceEnd) await sleep(10);
    // A short extra wait catches duplicates arriving after the last expected delivery.
    await sleep(200);
    const wall1 = performance.now();
    const elapsed = (wall1 - wall0) / 1000;
    const gen = process.cpuUsage(cpu0.gen);
    const ds1 = processCpuSeconds(this.#servers.dsPid);
    const pg1 = cpu0.pg !== undefined ? postgresCpuSeconds() : undefined;
    const machine1 = machineCpuSeconds();

    let lost = 0;
    for (const rec of this.#sent.values()) {
      if (rec.phase === phase && rec.accepted === true) lost += M - 1 - rec.receivedBy.size;
    }
    const sorted = phase.latencies.slice().sort((a, b) => a - b);
    const posts = phase.postLatencies.slice().sort((a, b) => a - b);
    const acceptSpan = Math.max(phase.lastAcceptedAt - t0, durationS * 1000) / 1000;
    const deliverySpan = Math.max(phase.lastDeliveryAt - t0, durationS * 1000) / 1000;
    const pct = (v: number) => Math.round((v / elapsed) * 100);
    const dsCpu = cpu0.ds !== undefined && ds1 !== undefined ? pct(ds1 - cpu0.ds) : undefined;
    const genCpu = pct((gen.user + gen.system) / 1e6);
    const pgCpu = cpu0.pg !== undefined && pg1 !== undefined ? pct(pg1 - cpu0.pg) : undefined;
    const machineCpu = cpu0.machine !== undefined && machine1 !== undefined ? pct(machine1.busy - cpu0.machine.busy) : undefined;
    return {
      backend: this.#servers.backend,
      groups: G,
      members: M,
      offeredRate: rate,
      durationS,
      sent: n,
      accepted: phase.accepted,
      achievedRate: phase.accepted / acceptSpan,
      deliveriesPerS: phase.deliveries / deliverySpan,
      expectedDeliveries: phase.expected,
      deliveries: phase.deliveries,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
      postP50: percentile(posts, 50),
      postP99: percentile(posts, 99),
      lost,
      duplicated: phase.duplicates,
      misdelivered: phase.misdelivered,
      errors: phase.errors,
      errorCodes: Object.fromEntries(phase.errorCodes),
      streamErrors: this.#takeStreamErrors(),
      maxDispatchLagMs: phase.maxDispatchLagMs,
      cpu: {
        ds: dsCpu,
        generator: genCpu,
        postgres: pgCpu,
        other: machineCpu !== undefined ? Math.max(0, machineCpu - (dsCpu ?? 0) - genCpu - (pgCpu ?? 0)) : undefined,
        dsMsPerMessage: cpu0.ds !== undefined && ds1 !== undefined && phase.accepted > 0 ? ((ds1 - cpu0.ds) * 1000) / phase.accepted : undefined,
      },
    };
  }

  #takeStreamErrors(): number {
    const n = this.#streamErrors;
    this.#streamErrors = 0;
    return n;
  }
}
