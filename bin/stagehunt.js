#!/usr/bin/env node
// The CLI as one esbuild bundle (scripts/bundle.mjs, run by `npm run build`): a fraction of the
// start-up of loading dist/cli/main.js's ~250 modules one by one. --debug maps stack traces to src/.
const debug = process.argv.includes('--debug');
if (debug) process.setSourceMapsEnabled(true);
// First, from a small bundle: the helper threads lowered and, for `scan`, the read-ahead worker
// started, its start overlapping the load of the CLI's bundle (src/cli/start-up.ts); then that
// bundle, dist/bundle/main.cjs, compiled with the code cache the build made for it (src/cli/load-main.ts).
const startUp = await import('../dist/bundle/start-up.js');
startUp.beforeLoad(process.argv.slice(2));
startUp.runMain(debug);
