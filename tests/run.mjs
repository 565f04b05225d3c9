// Runs the suites with node:test, one file at a time: `node run.mjs [integration] [e2e]`
// (both by default, integration first). Exits non-zero when any suite fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const kSuites = ['integration', 'e2e'];
const requested = process.argv.slice(2);
const unknown = requested.filter((suite) => !kSuites.includes(suite));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${kSuites.join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const suite of requested.length > 0 ? requested : kSuites) {
  const dir = path.join(here, suite);
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.test.mjs'))
    .sort()
    .map((name) => path.join(suite, name));
  console.log(`\n== ${suite}: ${files.length} file(s) ==`);
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=120000', ...files],
    { cwd: here, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    console.error(`== ${suite} failed (exit ${result.status ?? result.signal}) ==`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
