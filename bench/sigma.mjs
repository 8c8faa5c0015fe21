#!/usr/bin/env node
/**
 * Sigma matching speed (issue 17): records per second of `sigmaMatches` (rules indexed by what they
 * need, artifacts/evtx/sigma-index.ts) against every rule of the record's log sources tested in turn
 * (what it did before the index), over the corpus's event logs read into memory, with the rule
 * set's loading time, its rules tried on every record and the size of its automata. The two must
 * give the same rules for every record (the bench exits 1 if not). A SigmaHQ checkout is the
 * realistic rule set (`--rules DIR`, e.g. `git archive` of SigmaHQ/sigma's rules/ into /tmp; never
 * into the project); without it, stagehunt's own four rules.
 * Imports the built code: run `npm run build` first.
 * Usage: node bench/sigma.mjs [--rules DIR]... [--rounds 20] [--out results.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { filesUnder } from './lib/files-under.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.STAGEHUNT_DIST ?? path.join(here, '..', 'dist');
const corpusEvtx = path.resolve(here, '..', '..', 'shared', 'corpus', 'evtx');
const load = async (rel) => import(pathToFileURL(path.join(dist, ...rel.split('/'))).href);

const args = process.argv.slice(2);
const ruleDirs = args.flatMap((a, i) => (args[i - 1] === '--rules' ? [path.resolve(a)] : []));
const at = (name) => args.indexOf(name);
const rounds = at('--rounds') >= 0 ? Number(args[at('--rounds') + 1]) : 20;
const out = at('--out') >= 0 ? args[at('--out') + 1] : null;

const { loadSigmaRules, fieldsOf, RecordFields } = await load('artifacts/evtx/sigma.js');
const { logSourcesOf } = await load('artifacts/evtx/sigma-logsource.js');
const { sigmaIndexOf, sigmaMatches } = await load('artifacts/evtx/sigma-index.js');
const { readEvtx } = await load('artifacts/evtx/parse.js');
const { bufferSource } = await load('util/byte-source.js');

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

let t = cpu();
const dirs = ruleDirs.length > 0 ? ruleDirs : [path.join(dist, '..', 'src', 'rules', 'data', 'sigma')];
const set = loadSigmaRules(dirs);
const loadMs = cpu() - t;
const rules = set.rules;

const events = [];
for (const file of [...filesUnder(corpusEvtx)].map((f) => f.path).filter((f) => f.endsWith('.evtx')).sort()) {
  for (const e of readEvtx(bufferSource(readFileSync(file)))) if (logSourcesOf(e).length > 0) events.push(e);
}

t = cpu();
const index = sigmaIndexOf(rules);
// Per log source the rules use (largest first): rules, those tried on every record, automaton states.
const sources = {};
for (const key of [...new Set(rules.map((r) => r.logsource))]) {
  const si = index.source(key);
  sources[key] = { rules: si.size, alwaysTried: si.alwaysTried, states: si.states };
}
const largest = Object.fromEntries(Object.entries(sources).sort((a, b) => b[1].rules - a[1].rules).slice(0, 8));
const indexMs = cpu() - t;

/** Every rule of each of the record's log sources tested in turn (what matching did before the index). */
function everyRule(e) {
  const matched = new Set();
  for (const key of logSourcesOf(e)) {
    const fields = new RecordFields(fieldsOf(e, key));
    for (const r of rules) if (r.logsource === key && r.matchesRecord(fields)) matched.add(r);
  }
  return rules.filter((r) => matched.has(r));
}

// Same answers first (and a warm-up of both).
let matches = 0;
for (const e of events) {
  const a = sigmaMatches(rules, e).map((r) => r.file).join('\n');
  const b = everyRule(e).map((r) => r.file).join('\n');
  if (a !== b) {
    console.error(`different rules for record ${e.recordId} of ${e.channel}: indexed [${a}] against every rule [${b}]`);
    process.exit(1);
  }
  matches += a === '' ? 0 : a.split('\n').length;
}

function rate(match) {
  const start = cpu();
  for (let r = 0; r < rounds; r++) for (const e of events) match(rules, e);
  const ms = cpu() - start;
  return { ms: +ms.toFixed(0), recordsPerS: Math.round((events.length * rounds) / (ms / 1000)) };
}
const indexed = rate(sigmaMatches);
const every = rate((_, e) => everyRule(e));
const result = {
  ruleDirs: dirs,
  rules: rules.length,
  unsupported: set.unsupported.length,
  loadMs: +loadMs.toFixed(0),
  indexMs: +indexMs.toFixed(0),
  logSources: Object.keys(sources).length,
  alwaysTried: Object.values(sources).reduce((n, x) => n + x.alwaysTried, 0),
  states: Object.values(sources).reduce((n, x) => n + x.states, 0),
  largest,
  records: events.length,
  rounds,
  matches,
  indexed,
  everyRule: every,
  speedup: +(indexed.recordsPerS / every.recordsPerS).toFixed(1),
  load: +loadavg()[0].toFixed(1),
  rssMb: Math.round(process.memoryUsage().rss / 1048576),
};
console.log(JSON.stringify(result, null, 2));
if (out) writeFileSync(out, JSON.stringify(result, null, 2));
