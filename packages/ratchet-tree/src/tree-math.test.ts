import { afterAll, describe, expect, it } from "vitest";
import { vectorReport, vectors } from "@mlskit/test-vectors";
import {
  type NodeIndex,
  commonAncestor,
  copath,
  directPath,
  isAncestorOrSelf,
  leafIndex,
  leafRange,
  leafToNode,
  left,
  level,
  nodeIndex,
  nodeWidth,
  parent,
  right,
  root,
  sibling,
} from "./tree-math.js";

const report = vectorReport("tree-math.json", "(no crypto)");
afterAll(() => report.print());

const opt = <T>(f: () => T): T | null => {
  try {
    return f();
  } catch {
    return null;
  }
};

describe("tree-math.json", () => {
  for (const v of vectors.treeMath()) {
    it(`n_leaves=${v.n_leaves}`, () => {
      expect(nodeWidth(v.n_leaves)).toBe(v.n_nodes);
      expect(root(v.n_leaves)).toBe(v.root);
      for (let i = 0; i < v.n_nodes; i++) {
        const x = i as NodeIndex;
        expect(
          opt(() => left(x)),
          `left(${i})`,
        ).toBe(v.left[i]);
        expect(
          opt(() => right(x)),
          `right(${i})`,
        ).toBe(v.right[i]);
        expect(
          opt(() => parent(x, v.n_leaves)),
          `parent(${i})`,
        ).toBe(v.parent[i]);
        expect(
          opt(() => sibling(x, v.n_leaves)),
          `sibling(${i})`,
        ).toBe(v.sibling[i]);
      }
      report.ran();
    });
  }
});

describe("tree math helpers", () => {
  it("levels, paths and ranges", () => {
    expect(level(nodeIndex(0))).toBe(0);
    expect(level(nodeIndex(7))).toBe(3);
    expect(level(nodeIndex(11))).toBe(2);
    expect(directPath(leafToNode(leafIndex(1)), 8)).toEqual([1, 3, 7]);
    expect(copath(leafToNode(leafIndex(1)), 8)).toEqual([0, 5, 11]);
    expect(directPath(nodeIndex(7), 8)).toEqual([]);
    expect(leafRange(nodeIndex(11))).toEqual([4, 7]);
    expect(isAncestorOrSelf(nodeIndex(11), nodeIndex(8))).toBe(true);
    expect(isAncestorOrSelf(nodeIndex(11), nodeIndex(6))).toBe(false);
  });

  it("common ancestor matches the semantic definition", () => {
    const n = 32;
    for (let x = 0; x < nodeWidth(n); x++) {
      for (let y = 0; y < nodeWidth(n); y += 3) {
        const dx = new Set([x, ...directPath(x as NodeIndex, n)]);
        const both = [y, ...directPath(y as NodeIndex, n)].filter((z) => dx.has(z));
        const expected = both.reduce((a, b) => (level(a as NodeIndex) <= level(b as NodeIndex) ? a : b));
        expect(commonAncestor(x as NodeIndex, y as NodeIndex)).toBe(expected);
      }
    }
  });
});
