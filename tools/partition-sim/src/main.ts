/** `npm run partition-sim [-- seeds servers clients phases [readAcross]]`: the table over many seeds. */
import { simulate, table } from "./sim.js";

const [seeds = "20", servers = "3", clients = "6", phases = "4", across = "0"] = process.argv.slice(2);
const results = [];
for (let seed = 1; seed <= Number(seeds); seed++) {
  const r = await simulate({
    seed,
    servers: Number(servers),
    clients: Number(clients),
    phases: Number(phases),
    guests: 2,
    forks: Number(across) > 0 ? { readAcrossFork: { epochs: Number(across) } } : {},
  });
  results.push(r);
  process.stderr.write(".");
}
process.stderr.write("\n");
console.log(`partition-sim: ${servers} servers, ${clients} clients, ${phases} partition/heal cycles, readAcrossFork ${Number(across) > 0 ? across : "off"}, forks.retainEpochs 5`);
console.log(table(results));
