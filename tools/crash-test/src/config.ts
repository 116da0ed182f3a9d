/** The crash test's cast and knobs. */

/** The clients, each with its own SQLite store. */
export const CLIENT_NAMES = ["alice", "bob", "carol", "dave"] as const;

/** The groups (ids as UTF-8) and the client that creates each. */
export const GROUPS = [
  { id: "crash-group-a", creator: "alice" },
  { id: "crash-group-b", creator: "bob" },
] as const;

/** Members per group: at least two so everyone keeps talking, at most all four clients. */
export const MIN_MEMBERS = 2;
export const MAX_MEMBERS = 4;

/** The files of a work directory. */
export function paths(dir: string): {
  ds: string;
  client: (name: string) => string;
  sealLog: string;
  journal: string;
  results: string;
} {
  return {
    ds: `${dir}/ds.sqlite`,
    client: (name) => `${dir}/client-${name}.sqlite`,
    sealLog: `${dir}/seals.log`,
    journal: `${dir}/journal.log`,
    results: `${dir}/results.jsonl`,
  };
}
