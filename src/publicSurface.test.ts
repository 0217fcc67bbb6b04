/**
 * The package's public surface is declared in docs/api.md: every export of each entry point, with
 * its kind and stability, and the entry points themselves (package.json "exports"). This fails
 * when an export is added without being declared there (or declared without being exported), so
 * what is API is a decision, not an accident of index.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = new URL('..', import.meta.url);
const API = readFileSync(new URL('docs/api.md', ROOT), 'utf8');
const PACKAGE = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { name: string; exports: Record<string, { types?: string; default: string } | string> };
const STABILITIES = new Set(['stable', 'low-level', 'experimental']);

/** The table rows (`| \`name\` | cells... |`) of the section headed `heading`. */
function rows(heading: string): string[][] {
  const start = API.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/api.md has no section "${heading}"`);
  const end = API.indexOf('\n## ', start + 1);
  return API.slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));
}

/** What an entry's declarations export: name -> class, function, const or type (read as a library user's compiler reads them). */
function declared(dts: string): Map<string, string> {
  const file = fileURLToPath(new URL(dts.replace(/^\.\//, ''), ROOT));
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const out = new Map<string, string>();
  for (const e of checker.getExportsOfModule(entry)) {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    out.set(e.name, s.flags & ts.SymbolFlags.Class ? 'class' : s.flags & ts.SymbolFlags.Function ? 'function' : s.flags & ts.SymbolFlags.Variable ? 'const' : 'type');
  }
  return out;
}

test('the entry points of package.json "exports" are the ones docs/api.md declares', () => {
  const documented = rows('## Entry points').map((r) => r[0]);
  const actual = Object.keys(PACKAGE.exports).map((k) => (k === '.' ? PACKAGE.name : `${PACKAGE.name}/${k.slice(2)}`));
  assert.deepEqual([...documented].sort(), [...actual].sort());
});

for (const [subpath, target] of Object.entries(PACKAGE.exports)) {
  if (typeof target === 'string' || !target.types) continue;
  const { types, default: js } = target;
  const name = subpath === '.' ? PACKAGE.name : `${PACKAGE.name}/${subpath.slice(2)}`;
  test(`every export of ${name} is declared in docs/api.md with its kind and stability, and nothing else is`, async () => {
    const table = rows(`## \`${name}\``);
    const documented = new Map(table.map((r) => [r[0], r[1]]));
    assert.equal(documented.size, table.length, 'an export is listed twice');
    for (const r of table) assert.ok(STABILITIES.has(r[2]), `${r[0]}: stability "${r[2]}" is not one of ${[...STABILITIES].join(', ')}`);
    for (const r of table) assert.ok(r[3] && r[3].length > 0, `${r[0]}: no description`);
    const actual = declared(types);
    assert.ok(actual.size >= 5, `only ${actual.size} exports found in ${types}`);
    const undeclared = [...actual.keys()].filter((n) => !documented.has(n));
    const gone = [...documented.keys()].filter((n) => !actual.has(n));
    assert.deepEqual(undeclared, [], `exported by ${name} but not declared in docs/api.md`);
    assert.deepEqual(gone, [], `declared in docs/api.md but not exported by ${name}`);
    for (const [n, kind] of actual) assert.equal(documented.get(n), kind, `${n}: docs/api.md says ${documented.get(n)}, the declarations say ${kind}`);
    // The JavaScript exports the values the declarations promise, and no others.
    const runtime = Object.keys(await import(fileURLToPath(new URL(js.replace(/^\.\//, ''), ROOT)))).sort();
    assert.deepEqual(runtime, [...actual].filter(([, k]) => k !== 'type').map(([n]) => n).sort());
  });
}
