#!/usr/bin/env node
// Extracts the Base-mode (mode 0) test vectors of RFC 9180 Appendix A from the
// RFC's markdown source into ../vectors/rfc9180-hpke.json (shape: HpkeVector in
// types.ts). Usage: node extract-rfc9180.mjs [path/to/rfc9180-hpke.md]
// Default path: the shared spec folder next to the repository (../../../../shared/spec).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const specPath = process.argv[2] ?? fileURLToPath(new URL("../../../../shared/spec/rfc9180-hpke.md", import.meta.url));
const outPath = fileURLToPath(new URL("../vectors/rfc9180-hpke.json", import.meta.url));
const lines = readFileSync(specPath, "utf8").split(/\r?\n/);

/** Splits the lines of a ~~~ block into records (separated by blank lines) of key → value, joining wrapped values. */
function parseBlock(blockLines) {
  const records = [];
  let rec = null;
  let key = null;
  for (const raw of blockLines) {
    const line = raw.trim();
    if (line === "") {
      rec = null;
      key = null;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_ ]*):\s*(.*)$/.exec(line);
    if (m) {
      if (!rec) records.push((rec = {}));
      key = m[1];
      if (key in rec) throw new Error(`duplicate field ${key}`);
      rec[key] = m[2];
    } else {
      if (!rec || key === null) throw new Error(`continuation line without a field: ${line}`);
      rec[key] += line;
    }
  }
  return records;
}

/** The ~~~ block following line index `from` (returns its lines and the index after it). */
function blockAfter(from) {
  let i = from;
  while (i < lines.length && lines[i].trim() !== "~~~") i++;
  const start = ++i;
  while (i < lines.length && lines[i].trim() !== "~~~") i++;
  if (i >= lines.length) throw new Error(`unterminated ~~~ block after line ${from + 1}`);
  return { body: lines.slice(start, i), end: i + 1 };
}

const HEX = /^(?:[0-9a-f]{2})*$/;
function hex(value, what) {
  if (!HEX.test(value)) throw new Error(`${what}: not hex: ${value}`);
  return value;
}
function int(value, what) {
  if (!/^\d+$/.test(value)) throw new Error(`${what}: not an integer: ${value}`);
  return Number(value);
}

const vectors = [];
for (let i = 0; i < lines.length; i++) {
  if (lines[i].trim() !== "### Base Setup Information") continue;
  let section = "";
  for (let j = i; j >= 0; j--) {
    if (lines[j].startsWith("## ")) {
      section = lines[j].slice(3).trim();
      break;
    }
  }
  const setup = blockAfter(i);
  const [s, ...extra] = parseBlock(setup.body);
  if (!s || extra.length) throw new Error(`${section}: expected one setup record`);
  if (Number(s.mode) !== 0) throw new Error(`${section}: Base Setup block with mode ${s.mode}`);
  const where = `${section} (line ${i + 1})`;
  const v = {
    mode: int(s.mode, `${where} mode`),
    kem_id: int(s.kem_id, `${where} kem_id`),
    kdf_id: int(s.kdf_id, `${where} kdf_id`),
    aead_id: int(s.aead_id, `${where} aead_id`),
  };
  for (const f of ["info", "ikmE", "pkEm", "skEm", "ikmR", "pkRm", "skRm", "enc", "shared_secret", "key", "base_nonce", "exporter_secret"]) {
    if (!(f in s)) throw new Error(`${where}: missing ${f}`);
    v[f] = hex(s[f], `${where} ${f}`);
  }
  v.encryptions = [];
  v.exports = [];
  // The "#### Encryptions" and "#### Exported Values" blocks up to the next "###" heading.
  let k = setup.end;
  for (; k < lines.length && !/^#{1,3} /.test(lines[k]); k++) {
    const h = lines[k].trim();
    if (h === "#### Encryptions") {
      const b = blockAfter(k);
      for (const e of parseBlock(b.body)) {
        v.encryptions.push({
          seq: int(e["sequence number"], `${where} sequence number`),
          pt: hex(e.pt, `${where} pt`),
          aad: hex(e.aad, `${where} aad`),
          nonce: hex(e.nonce, `${where} nonce`),
          ct: hex(e.ct, `${where} ct`),
        });
      }
      k = b.end - 1;
    } else if (h === "#### Exported Values") {
      const b = blockAfter(k);
      for (const e of parseBlock(b.body)) {
        v.exports.push({
          exporter_context: hex(e.exporter_context, `${where} exporter_context`),
          L: int(e.L, `${where} L`),
          exported_value: hex(e.exported_value, `${where} exported_value`),
        });
      }
      k = b.end - 1;
    }
  }
  // Sanity checks on the extracted values.
  if (v.enc !== v.pkEm) throw new Error(`${where}: enc differs from pkEm`);
  if (v.exports.length === 0) throw new Error(`${where}: no exported values`);
  if (v.aead_id !== 0xffff && v.encryptions.length === 0) throw new Error(`${where}: no encryptions`);
  for (const x of v.exports) if (x.exported_value.length !== 2 * x.L) throw new Error(`${where}: export length mismatch`);
  vectors.push(v);
  i = k - 1;
}

if (vectors.length === 0) throw new Error(`no Base-mode vectors found in ${specPath}`);
writeFileSync(outPath, JSON.stringify(vectors, null, 2) + "\n");
console.log(
  `wrote ${vectors.length} Base-mode vectors to ${outPath}:\n` +
    vectors
      .map(
        (v) => `  kem 0x${v.kem_id.toString(16)} kdf 0x${v.kdf_id.toString(16)} aead 0x${v.aead_id.toString(16)}: ${v.encryptions.length} encryptions, ${v.exports.length} exports`,
      )
      .join("\n"),
);
