/**
 * The tree and protocol sections of `pnpm bench` (called from main.ts).
 * Options they read: `--quick`, `--sizes=2,128,1024` (N for this run),
 * `--provider=webcrypto+noble,webcrypto` (by name: noble, webcrypto, webcrypto+noble, node).
 */
import { availableParallelism, loadavg } from "node:os";
import type { CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { nodeCryptoProvider } from "@mlskit/crypto-node";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { fmt, printTable } from "./measure.js";
import { type ProviderSpec, benchProtocol } from "./protocol.js";
import { printProtocol } from "./protocol-report.js";
import { comparisonLines } from "./protocol-compare.js";
import { runScale } from "./scale.js";
import { benchTree } from "./tree.js";

/** The providers by the names the bench prints. "webcrypto+noble" is the facade's default. */
export const PROVIDERS: readonly ProviderSpec[] = [
  { name: "noble", make: () => nobleCryptoProvider() },
  { name: "webcrypto", make: () => webCryptoProvider() },
  { name: "webcrypto+noble", make: () => webCryptoProvider({ fallback: noblePrimitives() }) },
  // node:crypto (@mlskit/crypto-node), the facade's default on Node.
  { name: "node", make: () => nodeCryptoProvider() },
];

interface Args {
  readonly quick: boolean;
  readonly sizes: number[] | undefined;
  readonly providers: ProviderSpec[] | undefined;
}

function parse(args: readonly string[]): Args {
  const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = value("sizes")
    ?.split(",")
    .map((s) => Number(s.replace(/[_']/g, "")))
    .filter((n) => Number.isInteger(n) && n >= 2);
  const names = value("provider")?.split(",");
  let providers: ProviderSpec[] | undefined;
  if (names !== undefined) {
    providers = names.map((n) => {
      const p = PROVIDERS.find((x) => x.name === n);
      if (p === undefined) throw new Error(`unknown provider "${n}" (known: ${PROVIDERS.map((x) => x.name).join(", ")})`);
      return p;
    });
  }
  return { quick: args.includes("--quick"), sizes: sizes !== undefined && sizes.length > 0 ? sizes : undefined, providers };
}

function byName(name: string): ProviderSpec {
  return PROVIDERS.find((p) => p.name === name)!;
}

/** Ratchet-tree figures (tree.ts): sizes 1,000 / 10,000 / 100,000 (quick: 1,000 / 10,000), on webcrypto+noble unless --provider. */
export async function runTreeSection(argv: readonly string[]): Promise<void> {
  const a = parse(argv);
  const sizes = a.sizes ?? (a.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]);
  for (const spec of a.providers ?? [byName("webcrypto+noble")]) {
    const provider: CryptoProvider = spec.make();
    // Row names that carry the tree's size ("(1024 → 1025 members)") are grouped without it.
    const rows = (await benchTree(provider, sizes)).map((r) => ({ ...r, name: r.name.replace(/ \([\d,]+ → [\d,]+ members\)/, "") }));
    const names = [...new Set(rows.map((r) => `${r.name}\u0000${r.unit}`))];
    printTable(
      `Ratchet tree, suite 0x0001, ${spec.name}`,
      ["measurement", "unit", ...sizes.map((n) => `N=${n.toLocaleString("en-US")}`)],
      names.map((key) => {
        const [name, unit] = key.split("\u0000") as [string, string];
        return [
          name,
          unit,
          ...sizes.map((n) => {
            const r = rows.find((x) => x.name === name && x.unit === unit && x.n === n);
            return r === undefined || r.value < 0 ? "-" : fmt(r.value);
          }),
        ];
      }),
    );
  }
}

/**
 * Protocol figures (protocol.ts): N = 2, 16, 128, 1,024 and 10,000 (quick:
 * 2, 16, 1,024) on every provider, then the targets for webcrypto+noble and
 * webcrypto. Returns whether the targets checked were met.
 */
export async function runProtocolSection(argv: readonly string[]): Promise<boolean> {
  const a = parse(argv);
  const sizes = a.sizes ?? (a.quick ? [2, 16, 1024] : [2, 16, 128, 1024, 10_000]);
  const providers = a.providers ?? [...PROVIDERS];
  const started = performance.now();
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(", ");
  console.log(`\nprotocol section: load average ${load()} (${availableParallelism()} cores) at the start`);
  const figures = await benchProtocol(providers, byName("webcrypto+noble"), {
    sizes,
    quick: a.quick,
    log: (line) => process.stderr.write(`  … ${line}\n`),
  });
  const ok = printProtocol(
    figures,
    ["node", "webcrypto+noble", "webcrypto"].filter((n) => providers.some((p) => p.name === n)),
  );
  // The providers beside each other, with the gap to node's (protocol-compare.ts).
  if (providers.length > 1) {
    console.log("\nProtocol, suite 0x0001, the providers beside each other (the issue's targets are for node)");
    for (const line of comparisonLines(figures)) console.log(line);
  }
  console.log(`protocol section: ${fmt((performance.now() - started) / 1000)} s; load average ${load()} at the end`);
  return ok;
}

/**
 * Scale runs (scale.ts): N = 10,000 and 100,000 (`--sizes=`) on the Node
 * provider (`--provider=`), fixtures built with node:crypto. Returns whether
 * the scale targets were met.
 */
export async function runScaleSection(argv: readonly string[]): Promise<boolean> {
  const a = parse(argv);
  return runScale(a.providers ?? [byName("node")], byName("node"), a.sizes ?? [10_000, 100_000]);
}
