import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../errors.js';
import { parseOptions, parseSplitSeeds } from './options.js';

test('parseSplitSeeds: distinct non-negative integers, 1 first', () => {
  assert.deepEqual(parseSplitSeeds('1'), [1]);
  assert.deepEqual(parseSplitSeeds('1,2,3'), [1, 2, 3]);
  assert.deepEqual(parseSplitSeeds(' 3, 1 ,0'), [1, 3, 0]);
});

test('parseSplitSeeds: a clear error for what is not a seed list', () => {
  assert.throws(() => parseSplitSeeds('x'), (e: unknown) => e instanceof UsageError && /--split-seeds must be comma-separated non-negative integers, such as 1,2,3; got "x"/.test(e.message));
  assert.throws(() => parseSplitSeeds('1,,2'), /got "" in "1,,2"/);
  assert.throws(() => parseSplitSeeds('1,-2'), /got "-2"/);
  assert.throws(() => parseSplitSeeds('1,2.5'), /got "2.5"/);
  assert.throws(() => parseSplitSeeds('1,99999999999999999999'), /got "99999999999999999999"/);
  assert.throws(() => parseSplitSeeds('1,2,2'), /names seed 2 twice/);
  assert.throws(() => parseSplitSeeds('2,3'), (e: unknown) => e instanceof UsageError && /must include 1, the split whose costs the tables report.*try 1,2,3/.test(e.message));
});

test('parseOptions: --split-seeds defaults to 1 and needs --stream20', () => {
  assert.deepEqual(parseOptions(['--stream20']).splitSeeds, [1]);
  assert.deepEqual(parseOptions([]).splitSeeds, [1]);
  assert.deepEqual(parseOptions(['--stream20', '--split-seeds', '1,2,3', '--only', 'wordnet']).splitSeeds, [1, 2, 3]);
  assert.throws(() => parseOptions(['--split-seeds', '1,2']), /--split-seeds applies to --stream20 only/);
  assert.throws(() => parseOptions(['--stream20', '--split-seeds', 'x']), /--split-seeds must be comma-separated/);
});
