/**
 * The few array-tree relations the secret tree needs (RFC 9420 Appendix C).
 * Node `2i` is leaf `i`; a parent's level is its count of trailing one bits.
 */

/** Level of node `x` in the tree (0 for leaves). */
export function level(x: number): number {
  let k = 0;
  while (((x >>> k) & 1) === 1) k++;
  return k;
}

/** Root node of a tree with `leafCount` leaves (RFC 9420 Appendix C `root`). */
export function root(leafCount: number): number {
  const width = 2 * (leafCount - 1) + 1;
  let p = 1;
  while (p * 2 <= width) p *= 2;
  return p - 1;
}

/** Left child of parent `x`. */
export function left(x: number): number {
  return x ^ (1 << (level(x) - 1));
}

/** Right child of parent `x`. */
export function right(x: number): number {
  return x ^ (3 << (level(x) - 1));
}
