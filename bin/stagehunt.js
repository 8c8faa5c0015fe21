#!/usr/bin/env node
// The CLI as one esbuild bundle (scripts/bundle.mjs, run by `npm run build`): a fraction of the
// start-up of loading dist/cli/main.js's ~250 modules one by one. --debug maps stack traces to src/.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
await import('../dist/bundle/main.js');
