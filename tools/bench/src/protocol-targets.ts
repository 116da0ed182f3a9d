/** The protocol targets, shared by the Node report (protocol-report.ts), the side-by-side table and the browser page. */
import type { ProtocolFigures } from "./protocol.js";

/**
 * Targets of issue 18 (suite 0x0001, the default provider for Node, wire
 * bytes in and out). Messages are one at a time (each awaited before the
 * next), with the floor beside them: the primitive calls alone
 * (message-floor.ts), which no framing can beat. At N = 1,024 "full-path
 * creation" covers every commit with a path (Remove, self-Update, and the
 * first Update in a group of blank parents: N - 1 HPKE encryptions);
 * "processing any commit" every kind measured. The N = 10,000 and 100,000
 * targets are the scale section's (scale.ts).
 */
export type Target = {
  n: number;
  what: string;
  get: (f: ProtocolFigures) => number;
  limit: number;
  kind: "max" | "min";
  unit: string;
  floor?: (f: ProtocolFigures) => number | undefined;
};

function smallGroupTargets(n: number): Target[] {
  const ms = (what: string, get: (f: ProtocolFigures) => number, limit: number): Target => ({ n, what, get, limit, kind: "max", unit: "ms" });
  return [
    ms("add create", (f) => f.addCreate, 1.0),
    ms("add process", (f) => f.addProcess, 1.0),
    ms("remove create", (f) => f.removeCreate, 1.0),
    ms("remove process", (f) => f.removeProcess, 1.0),
    ms("update create", (f) => f.updateCreate, 1.0),
    ms("update process", (f) => f.updateProcess, 1.0),
    ms("join from Welcome", (f) => f.join, 1.5),
  ];
}

function messageTargets(n: number): Target[] {
  return [
    { n, what: "encrypt 1 KiB, one at a time", get: (f) => f.encrypt, limit: 8000, kind: "min", unit: "msg/s", floor: (f) => f.floor?.encrypt },
    { n, what: "decrypt 1 KiB, one at a time", get: (f) => f.decrypt, limit: 6000, kind: "min", unit: "msg/s", floor: (f) => f.floor?.decrypt },
  ];
}

export const TARGETS: readonly Target[] = [
  ...smallGroupTargets(2),
  ...messageTargets(2),
  ...smallGroupTargets(16),
  { n: 1024, what: "add create (no path)", get: (f) => f.addCreate, limit: 150, kind: "max", unit: "ms" },
  { n: 1024, what: "remove create (path)", get: (f) => f.removeCreate, limit: 150, kind: "max", unit: "ms" },
  { n: 1024, what: "update create (path)", get: (f) => f.updateCreate, limit: 150, kind: "max", unit: "ms" },
  { n: 1024, what: "full-path create, N - 1 encryptions", get: (f) => f.fullPathCreate, limit: 150, kind: "max", unit: "ms" },
  { n: 1024, what: "add process", get: (f) => f.addProcess, limit: 8, kind: "max", unit: "ms" },
  { n: 1024, what: "remove process", get: (f) => f.removeProcess, limit: 8, kind: "max", unit: "ms" },
  { n: 1024, what: "update process", get: (f) => f.updateProcess, limit: 8, kind: "max", unit: "ms" },
  { n: 1024, what: "full-path process (blank parents)", get: (f) => f.fullPathProcess, limit: 8, kind: "max", unit: "ms" },
  { n: 1024, what: "join from Welcome", get: (f) => f.join, limit: 100, kind: "max", unit: "ms" },
  ...messageTargets(1024),
  { n: 1024, what: "memory per group state", get: (f) => f.stateKiB, limit: 200, kind: "max", unit: "KiB" },
];
