// The structures that keep the scene's costs bounded, against naive models:
// StackSet (the window stack, grabs, layers) and the link-cut forest
// (xdg_toplevel.set_parent loop checks), with seeded random operations
// (the seed is in the failure message) and chains too deep to recurse on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cut, ForestNode, link, rootOf } from '../../src/compositor/shell/forest.js';
import { StackSet } from '../../src/compositor/core/stack-set.js';

/** A small deterministic generator (LCG): random but repeatable operations. */
function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

test('StackSet: push, unshift and delete keep the order of an array model, both ways', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const rnd = random(seed);
    const set = new StackSet<number>();
    let model: number[] = [];
    for (let step = 0; step < 500; step++) {
      const v = rnd(30);
      const op = rnd(3);
      if (op === 0) {
        set.push(v);
        model = [...model.filter((x) => x !== v), v];
      } else if (op === 1) {
        set.unshift(v);
        model = [v, ...model.filter((x) => x !== v)];
      } else {
        assert.equal(set.delete(v), model.includes(v), `seed ${seed}`);
        model = model.filter((x) => x !== v);
      }
      assert.deepEqual([...set], model, `seed ${seed} step ${step}`);
      assert.deepEqual([...set.topDown()], [...model].reverse(), `seed ${seed} step ${step}`);
      assert.equal(set.size, model.length);
      assert.equal(set.top, model.at(-1));
      assert.equal(set.bottom, model[0]);
    }
  }
});

test('StackSet: deleting while iterating (the value under the iterator, and others) goes on with what follows', () => {
  const set = new StackSet<number>();
  for (let i = 0; i < 10; i++) set.push(i);
  const seen: number[] = [];
  for (const v of set) {
    seen.push(v);
    set.delete(v); // the current one
    set.delete(v + 1); // the next one
  }
  assert.deepEqual(seen, [0, 2, 4, 6, 8]);
  assert.equal(set.size, 0);
  for (let i = 0; i < 5; i++) set.push(i);
  const down: number[] = [];
  for (const v of set.topDown()) {
    down.push(v);
    if (v === 3) set.push(3); // moved to the top, already passed: not seen again
  }
  assert.deepEqual(down, [4, 3, 2, 1, 0]);
});

test('forest: rootOf, link and cut agree with a parent array; children are counted', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const rnd = random(seed);
    const size = 2 + rnd(40);
    const nodes = Array.from({ length: size }, () => new ForestNode());
    const parent: number[] = new Array<number>(size).fill(-1);
    const naiveRoot = (i: number): number => {
      let r = i;
      while (parent[r]! >= 0) r = parent[r]!;
      return r;
    };
    for (let step = 0; step < 300; step++) {
      const a = rnd(size);
      const b = rnd(size);
      const op = rnd(3);
      if (op === 0) {
        cut(nodes[a]!);
        parent[a] = -1;
        if (naiveRoot(b) !== a) {
          link(nodes[a]!, nodes[b]!);
          parent[a] = b;
        }
      } else if (op === 1) {
        cut(nodes[a]!);
        parent[a] = -1;
      } else {
        assert.equal(rootOf(nodes[a]!), nodes[naiveRoot(a)], `seed ${seed} step ${step}`);
        assert.equal(nodes[a]!.children, parent.filter((p) => p === a).length, `seed ${seed} step ${step}`);
      }
    }
  }
});

test('forest: a 200,000-deep chain is linked, queried and cut without recursion', () => {
  const chain = Array.from({ length: 200_000 }, () => new ForestNode());
  for (let i = 1; i < chain.length; i++) link(chain[i]!, chain[i - 1]!);
  assert.equal(rootOf(chain.at(-1)!), chain[0]);
  assert.equal(rootOf(chain[100_000]!), chain[0]);
  cut(chain[100_000]!);
  assert.equal(rootOf(chain.at(-1)!), chain[100_000]);
  assert.equal(rootOf(chain[99_999]!), chain[0]);
});
