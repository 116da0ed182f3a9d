/**
 * `@mlskit/load-test`: a load test of the Delivery Service (a script that
 * prints numbers; `npm run load-test` at the repository root). See
 * main.ts for the command line, load.ts for what is measured.
 */
import { setPriority } from "node:os";
import { performance } from "node:perf_hooks";
import { LoadGenerator, type PhaseOptions, type PhaseResult } from "./load.js";
import { boundedFetch } from "./http-fetch.js";
import { type Population, populate } from "./population.js";
import { type Backend, type Servers, postgresPids, startServers } from "./servers.js";

export { LoadGenerator, type PhaseOptions, type PhaseResult, percentile } from "./load.js";
export { type Backend, type Servers, startServers } from "./servers.js";
export { populate, type Population } from "./population.js";
export { table } from "./report.js";

export interface SessionOptions {
  readonly backend: Backend;
  readonly groups: number;
  readonly members: number;
  /** A folder for the DS child's CPU profile. */
  readonly cpuProfileDir?: string;
  /** HTTP connections the clients share (default: one per client, groups × members). */
  readonly connections?: number;
  /**
   * Scheduling priority (nice, −20…19) of the DS, the generator and the PostgreSQL processes after setup, for a
   * machine shared with other work (lowering it needs root). Default: left as is.
   */
  readonly nice?: number;
}

/** Running servers, a population set up through them, and its open streams. */
export interface Session {
  readonly servers: Servers;
  readonly population: Population;
  readonly generator: LoadGenerator;
  /** Setup time (servers, registration, groups, streams), ms: not part of any measurement. */
  readonly setupMs: number;
  run(options: PhaseOptions): Promise<PhaseResult>;
}

let sessions = 0;

/** Starts servers, sets up the population, opens the streams, runs `fn`, and cleans everything up. */
export async function withSession<T>(options: SessionOptions, fn: (session: Session) => Promise<T>): Promise<T> {
  const start = performance.now();
  const servers = await startServers({ backend: options.backend, ...(options.cpuProfileDir !== undefined ? { cpuProfileDir: options.cpuProfileDir } : {}) });
  let generator: LoadGenerator | undefined;
  const http = boundedFetch(options.connections ?? options.groups * options.members);
  try {
    const population = await populate(servers, options.groups, options.members, `${process.pid % 10_000}s${++sessions}`, http.fetch);
    generator = new LoadGenerator(servers, population);
    await generator.open();
    if (options.nice !== undefined) {
      for (const pid of [0, servers.dsPid, ...(options.backend === "postgres" ? postgresPids() : [])]) setPriority(pid, options.nice);
    }
    const g = generator;
    const session: Session = { servers, population, generator: g, setupMs: performance.now() - start, run: (o) => g.run(o) };
    return await fn(session);
  } catch (e) {
    const stderr = servers.dsStderr().trim();
    if (stderr !== "") (e as Error).message += `\nDS stderr:\n${stderr.slice(-4000)}`;
    throw e;
  } finally {
    generator?.close();
    http.destroy();
    await servers.close();
  }
}

export interface SaturationLimits {
  /** Saturated when achieved < this share of offered (default 0.95). */
  readonly minAchievedShare?: number;
  /** Saturated when p99 end-to-end latency exceeds this (ms; default 500). */
  readonly maxP99Ms?: number;
}

/** Why a phase counts as past the maximum, or undefined when it kept up. */
export function saturation(r: PhaseResult, limits: SaturationLimits = {}): string | undefined {
  const share = limits.minAchievedShare ?? 0.95;
  const p99 = limits.maxP99Ms ?? 500;
  if (r.errors > 0) return `${r.errors} errors`;
  if (r.lost > 0) return `${r.lost} lost`;
  if (r.achievedRate < share * r.offeredRate) return `achieved ${Math.round(r.achievedRate)} < ${Math.round(share * 100)}% of offered`;
  if (r.deliveriesPerS < share * r.offeredRate * (r.members - 1)) return `deliveries/s ${Math.round(r.deliveriesPerS)} < ${Math.round(share * 100)}% of offered fan-out`;
  if (!(r.p99 <= p99)) return `p99 ${Math.round(r.p99)} ms > ${p99} ms`;
  return undefined;
}

export interface SweepOptions extends SaturationLimits {
  readonly startRate: number;
  /** Each step multiplies the rate by this (default 1.5). */
  readonly factor?: number;
  readonly stepDurationS: number;
  readonly maxSteps?: number;
  /** After the first saturated step, one more step between it and the last good one (default true). */
  readonly refine?: boolean;
  /** A saturated step is run once more before the sweep stops (default true). */
  readonly confirm?: boolean;
  readonly onStep?: (r: PhaseResult, verdict: string | undefined) => void;
}

export interface SweepResult {
  readonly steps: readonly PhaseResult[];
  readonly verdicts: readonly (string | undefined)[];
  /** The highest offered rate that kept up (0 when none did). */
  readonly maxRate: number;
}

/** Raises the offered rate until a step saturates; the maximum is the last rate that kept up. */
export async function sweep(session: Session, options: SweepOptions): Promise<SweepResult> {
  const factor = options.factor ?? 1.5;
  const steps: PhaseResult[] = [];
  const verdicts: (string | undefined)[] = [];
  let good = 0;
  let bad: number | undefined;
  const step = async (rate: number) => {
    const r = await session.run({ rate, durationS: options.stepDurationS });
    const v = saturation(r, options);
    steps.push(r);
    verdicts.push(v);
    options.onStep?.(r, v);
    if (v === undefined) {
      good = Math.max(good, rate);
      if (bad !== undefined && bad <= rate) bad = undefined;
    } else if (rate > good) bad = Math.min(bad ?? Number.POSITIVE_INFINITY, rate);
    return v;
  };
  let rate = options.startRate;
  for (let i = 0; i < (options.maxSteps ?? 12); i++) {
    // A saturated step is tried once more (the machine may be shared: one noisy step must not end the sweep).
    if ((await step(rate)) !== undefined && (options.confirm === false || (await step(rate)) !== undefined)) break;
    rate = Math.round(rate * factor);
  }
  if (options.refine !== false && bad !== undefined && good > 0) {
    const mid = Math.round(Math.sqrt(good * bad));
    if (mid > good && mid < bad) await step(mid);
  }
  return { steps, verdicts, maxRate: good };
}
