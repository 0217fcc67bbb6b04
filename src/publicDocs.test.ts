/**
 * Every function and class that the package's entry exports has a doc comment where an editor's
 * hover looks for it: on the declaration itself, read back from the published .d.ts files through
 * the TypeScript compiler, as a library user's editor reads them. (`train`'s comment once sat on
 * TrainResult, so hovering `train` showed nothing.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ENTRY = fileURLToPath(new URL('./index.d.ts', import.meta.url));

test('every exported function and class of the library entry has a doc comment on its declaration', () => {
  const program = ts.createProgram([ENTRY], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  const undocumented: string[] = [];
  let checked = 0;
  for (const exported of checker.getExportsOfModule(entry)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class))) continue;
    checked++;
    const doc = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    if (doc === '') undocumented.push(exported.name);
  }
  assert.ok(checked >= 40, `only ${checked} functions and classes found: is ${ENTRY} the entry?`);
  assert.deepEqual(undocumented, [], 'exported without a doc comment (hovers show nothing)');
});
