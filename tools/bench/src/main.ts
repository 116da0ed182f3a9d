/**
 * `pnpm bench` / `npm run bench`: prints throughput figures for this machine.
 * Options: `--quick` (shorter time budget), `--only=primitives,overhead,tree,protocol,facade,rejection,limits,persistence`
 * (`persistence` is `state,persist-messages,persist-commits`, each also by itself),
 * `--sizes=2,128,1024` and `--provider=webcrypto+noble` (tree and protocol sections);
 * `--only=scale` groups of 10,000 and 100,000 members (scale.ts; not run otherwise);
 * `--only=pq` the post-quantum suites beside 0x0001 (pq.ts; `--sizes=`, `--pq-suites=f101,f10b`).
 */
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { nodeCryptoProvider } from "@mlskit/crypto-node";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { benchFacade } from "./facade.js";
import { benchLimits } from "./limits.js";
import { benchProviderOverhead } from "./overhead.js";
import { PERSISTENCE_PARTS, runPersistenceSection } from "./persistence.js";
import { benchPrimitives } from "./primitives.js";
import { runPqSection } from "./pq.js";
import { benchRejection } from "./rejection.js";
import { PROVIDERS, runProtocolSection, runScaleSection, runTreeSection } from "./sections.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const wants = (name: string) => !only || only.includes(name);
const budgetMs = quick ? 100 : 400;

console.log(`mlskit bench — Node ${process.version}, ${process.platform}/${process.arch}${quick ? ", quick" : ""}`);
const noble = nobleCryptoProvider();
const webcrypto = webCryptoProvider();
// The hybrid: asymmetric work on crypto.subtle, small hashes/HKDF/AEAD on noble ("webcrypto+noble").
const hybrid = webCryptoProvider({ fallback: noblePrimitives() });
// node:crypto, synchronous (@mlskit/crypto-node): the facade's default on Node ("node+noble"; noble only for PQ suites).
const node = nodeCryptoProvider();

if (wants("primitives")) await benchPrimitives([noble, webcrypto, hybrid, node], budgetMs);
if (wants("overhead")) {
  const ok = await benchProviderOverhead(webcrypto, budgetMs);
  console.log(ok ? "overhead target met" : "overhead target NOT met");
}
// Ratchet-tree and protocol figures (sections.ts): `--only=tree`, `--only=protocol`, `--sizes=…`, `--provider=…`.
if (wants("tree")) await runTreeSection(args);
if (wants("facade")) {
  await benchFacade(
    [
      { name: "noble", make: () => noble },
      { name: "webcrypto", make: () => webcrypto },
      { name: "webcrypto+noble", make: () => hybrid },
      { name: "node", make: () => nodeCryptoProvider() },
    ],
    quick ? 300 : 2000,
  );
}
if (wants("protocol")) {
  const ok = await runProtocolSection(args);
  console.log(ok ? "protocol targets met" : "protocol targets NOT met");
}
// What refusing forged PrivateMessages costs a receiver (rejection.ts).
if (wants("rejection")) {
  await benchRejection(
    [
      { name: "noble", crypto: noble },
      { name: "webcrypto+noble", crypto: hybrid },
    ],
    quick,
  );
}
// What refusing an oversized ratchet tree costs a joiner (limits.ts), on the facade's default provider.
if (wants("limits")) await benchLimits(hybrid, quick);
// Stored state, and messages and commits with persistence (persistence.ts), on the facade's default provider.
const persistenceParts = PERSISTENCE_PARTS.filter((part) => wants("persistence") || only?.includes(part));
if (persistenceParts.length > 0) {
  const ok = await runPersistenceSection(
    args,
    (part) => persistenceParts.includes(part as (typeof PERSISTENCE_PARTS)[number]),
    PROVIDERS.find((p) => p.name === "webcrypto+noble")!,
  );
  console.log(ok ? "persistence targets met" : "persistence targets NOT met");
}
// Scale runs at 10,000 and 100,000 members (scale.ts): only with --only=scale (minutes of setup).
if (only?.includes("scale")) {
  const ok = await runScaleSection(args);
  console.log(ok ? "scale targets met" : "scale targets NOT met");
}
// The post-quantum suites beside 0x0001 (pq.ts): KeyPackage, Add, join, full-path commit, message costs and sizes.
if (wants("pq")) await runPqSection(args);
