#!/usr/bin/env node
// Top of a V8 CPU profile (node --cpu-prof): self time per function and per source file, for
// docs/performance.md ("where the time goes").
//   node bench/lib/profile-top.mjs PROFILE.cpuprofile [--top 25] [--callers NAME]
// --callers NAME: where the self time of functions named NAME comes from (the calling frames, by
// function), and the inclusive time (self + callees) of the top functions.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const topIndex = process.argv.indexOf('--top');
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
const callersIndex = process.argv.indexOf('--callers');
const callersOf = callersIndex > 0 ? process.argv[callersIndex + 1] : null;
if (!file) {
  process.stderr.write('usage: profile-top.mjs PROFILE.cpuprofile [--top N]\n');
  process.exit(2);
}
// Piped into head(1), the rest of the output has nowhere to go: end quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
const selfMicros = new Map();
// timeDeltas[i] is the time before sample i; attribute it to that sample's node.
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
function whereOf(callFrame) {
  return callFrame.url ? callFrame.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/') : '';
}
function keyOf(callFrame) {
  const where = whereOf(callFrame);
  return `${callFrame.functionName || '(anonymous)'} ${where}${where ? ':' + (callFrame.lineNumber + 1) : ''}`;
}
const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfMicros) {
  const { callFrame } = byId.get(id);
  const where = whereOf(callFrame);
  const key = keyOf(callFrame);
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const fileKey = where || callFrame.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}
const show = (title, map) => {
  process.stdout.write(`\n${title} (total ${(total / 1e6).toFixed(2)} s sampled)\n`);
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, us] of rows) process.stdout.write(`${(us / 1e6).toFixed(2).padStart(7)} s ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}\n`);
};
show('self time by function', byFunction);
show('self time by file', byFile);

// Inclusive time: a sample counts once for every distinct function on its stack.
const inclusive = new Map();
for (const [id, us] of selfMicros) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) seen.add(keyOf(byId.get(at).callFrame));
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
}
show('inclusive time by function (self + callees)', inclusive);
if (callersOf) {
  const callers = new Map();
  for (const [id, us] of selfMicros) {
    const node = byId.get(id);
    if (node.callFrame.functionName !== callersOf) continue;
    // the nearest frames above, up to three, as one call path
    const path = [];
    for (let at = parentOf.get(id); at !== undefined && path.length < 3; at = parentOf.get(at)) path.push(keyOf(byId.get(at).callFrame));
    const key = path.join(' <- ');
    callers.set(key, (callers.get(key) ?? 0) + us);
  }
  show(`callers of ${callersOf} (self time)`, callers);
}
