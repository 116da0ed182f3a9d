/**
 * The partition simulation's servers: simple replicating logs (append-only,
 * eventually consistent: connected servers exchange what they miss, each in
 * the other's order, so every log stays causally ordered).
 */

/** One message as posted: its id, its sender's client index, its bytes. */
export interface Msg {
  readonly id: number;
  readonly from: number;
  readonly bytes: Uint8Array;
}

export class Server {
  readonly log: Msg[] = [];
  readonly has = new Set<number>();
  append(m: Msg): void {
    if (this.has.has(m.id)) return;
    this.has.add(m.id);
    this.log.push(m);
  }
  pullFrom(other: Server): void {
    for (const m of other.log) this.append(m);
  }
}
