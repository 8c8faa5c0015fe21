#!/usr/bin/env node
// The CLI as one esbuild bundle (scripts/bundle.mjs, run by `npm run build`): a fraction of the
// start-up of loading dist/cli/main.js's ~250 modules one by one. --debug maps stack traces to src/.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
// First, from a small bundle: the helper threads lowered and, for `scan`, the read-ahead worker
// started, its start overlapping the load of the CLI's bundle (src/cli/start-up.ts).
(await import('../dist/bundle/start-up.js')).beforeLoad(process.argv.slice(2));
await import('../dist/bundle/main.js');
