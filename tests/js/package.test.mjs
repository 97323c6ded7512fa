// What an integrator installs: `npm pack` of this package ships the booth,
// its WebAssembly modules (with and without SIMD; built, gitignored, yet published), the API client,
// the language helpers and the widget, with their types; and nothing of the
// server, the tests or the sources, nor the results page's record verifier
// (web/booth/wasm/isoloir_verifier.*, built beside the booth's module).
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoDir } from './support.mjs';

const built = fs.existsSync(path.join(repoDir, 'web', 'booth', 'wasm', 'isoloir_booth.wasm'));

describe('npm package', () => {
  (built ? test : test.skip)('npm pack lists the booth, its module, the widget and nothing else', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
    for (const needed of ['web/booth/index.js', 'web/booth/index.d.ts', 'web/booth/api.js',
      'web/booth/i18n.js', 'web/booth/widget.js', 'web/booth/widget.d.ts', 'web/booth/widget.css',
      'web/booth/wasm/isoloir_booth.mjs', 'web/booth/wasm/isoloir_booth.wasm',
      'web/booth/wasm/isoloir_booth_simd.mjs', 'web/booth/wasm/isoloir_booth_simd.wasm', 'package.json']) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('web/booth/wasm/')).sort())
      .toEqual(['web/booth/wasm/isoloir_booth.mjs', 'web/booth/wasm/isoloir_booth.wasm',
        'web/booth/wasm/isoloir_booth_simd.mjs', 'web/booth/wasm/isoloir_booth_simd.wasm']);
    for (const f of files) {
      expect(f).not.toMatch(/^(server|src|include|tests|wasm|tools|bench|scripts|web\/portal)\//);
    }
  });
});
