// The conformance checks of tests/conformance, compiled to wasm
// (build-wasm/isoloir_conformance.mjs), over every file of ../shared/vectors:
// the same checks GoogleTest runs natively, here on the wasm build of the core.
// One Jest test per registered vector file: every case passes, and there is
// at least one.
import { describe, expect, test, beforeAll } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { listVectorFiles, vectorsDir, wasmBuildDir } from './support.mjs';

const modulePath = path.join(wasmBuildDir, 'isoloir_conformance.mjs');
const { default: createIsoloirConformance } = await import(modulePath);
const conformance = await createIsoloirConformance();

// Every file under the vectors directory, record/ included, as text.
const files = {};
for (const rel of listVectorFiles()) {
  files[rel] = fs.readFileSync(path.join(vectorsDir, rel), 'utf8');
}
const registered = [...new Set(JSON.parse(conformance.registeredFiles()))];

let results;
beforeAll(() => {
  const out = JSON.parse(conformance.checkAll(JSON.stringify(files)));
  expect(Array.isArray(out)).toBe(true); // else {error, detail}: a bad argument
  results = out;
});

describe(`wasm conformance over ${vectorsDir}`, () => {
  test('the vectors directory and the check registry are not empty', () => {
    expect(Object.keys(files).length).toBeGreaterThan(0);
    expect(registered.length).toBeGreaterThan(0);
  });

  test.each(registered)('%s', (file) => {
    expect(files).toHaveProperty([file]);
    const cases = results.filter((r) => r.file === file);
    expect(cases.length).toBeGreaterThan(0);
    const failed = cases
      .filter((r) => !r.pass)
      .map((r) => `${r.name}: expected ${r.expected}, got ${r.got}`);
    expect(failed).toEqual([]);
  });

  test('every result belongs to a registered file', () => {
    const unknown = results.filter((r) => !registered.includes(r.file)).map((r) => r.file);
    expect(unknown).toEqual([]);
  });
});
