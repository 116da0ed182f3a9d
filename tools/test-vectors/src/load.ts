import { readFileSync } from "node:fs";
import { fromHex } from "@mlskit/codec";

const dir = new URL("../vectors/", import.meta.url);

/** Reads one vector file from `vectors/` as parsed JSON. */
export function loadJson<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, dir), "utf8")) as T;
}

/** Hex string → bytes (vector files carry bytes as hex). */
export const hex = fromHex;
