// The fuzzer's parent side: builds deterministic cases from corpus seeds (and takes structure
// cases from fuzz-structures.mjs) and runs them in a
// worker child process with a heap cap, a per-case time budget (a case over budget is a hang:
// the worker is killed and restarted after it) and crash attribution (worker died mid-case).
import { fork } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS } from './mutate.mjs';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz-worker.mjs');

/** The corpus folders that hold seeds: those the registry's parsers name in `fuzzSeeds` (src/artifacts/types.ts). */
export function seedAreas(parsers) {
  return [...new Set(parsers.flatMap((p) => p.fuzzSeeds))].sort();
}

/** Where a seed sits in the pretend image, so name/path-based matches() claim it. */
function pretendPath(name) {
  if (/^\$[IR]/i.test(name)) return `$Recycle.Bin/S-1-5-21-1004336348-1177238915-682003330-1001/${name}`;
  if (/^INFO2$/i.test(name)) return `RECYCLER/S-1-5-21-1004336348-1177238915-682003330-1001/${name}`;
  if (/\.trashinfo$/i.test(name)) return `home/user/.local/share/Trash/info/${name}`;
  if (/^ConsoleHost_history/i.test(name)) return `Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/${name}`;
  if (name === 'fish_history') return `home/user/.local/share/fish/${name}`;
  if (/^\.(bash|zsh)_history$/.test(name)) return `home/user/${name}`;
  if (/history/i.test(name)) return `Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt`;
  if (/\.pf$/i.test(name)) return `Windows/Prefetch/${name}`;
  return `Windows/Temp/${name}`;
}

export function listSeeds(corpusDir, { areas, maxBytes = 16 * 1024 * 1024, extra = [] }) {
  const seeds = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !name.includes('.expected.') && !name.endsWith('.md') && st.size > 0 && st.size <= maxBytes) {
        seeds.push({ seed: p, relPath: pretendPath(name), corpus: path.relative(corpusDir, p) });
      }
    }
  };
  for (const area of areas) walk(path.join(corpusDir, area));
  for (const p of extra) seeds.push({ seed: p, relPath: pretendPath(path.basename(p)), corpus: `extra/${path.basename(p)}` });
  return seeds;
}

function caseSeed(base, seedIndex, m) {
  let h = (base ^ Math.imul(seedIndex + 1, 0x9e3779b1) ^ Math.imul(m + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

function startWorker(dist, heapMb) {
  return fork(WORKER, [dist], { execArgv: [`--max-old-space-size=${heapMb}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

/** Asks a worker which parsers claim each unmutated seed. */
export async function claimSeeds(seeds, { dist, heapMb = 512 }) {
  const worker = startWorker(dist, heapMb);
  await new Promise((resolve) => worker.once('message', resolve));
  const out = [];
  for (let i = 0; i < seeds.length; i++) {
    worker.send({ type: 'claimants', id: i, case: seeds[i] });
    const msg = await new Promise((resolve) => worker.once('message', resolve));
    out.push({ ...seeds[i], parsers: msg.parsers });
  }
  worker.kill();
  return out;
}

export function buildCases(claimed, { perSeed, baseSeed = 1 }) {
  const cases = [];
  claimed.forEach((s, si) => {
    for (let m = 0; m < perSeed; m++) {
      cases.push({ index: cases.length, seed: s.seed, corpus: s.corpus, relPath: s.relPath, parsers: s.parsers, mutation: MUTATIONS[m % MUTATIONS.length], mutationSeed: caseSeed(baseSeed, si, m) });
    }
  });
  return cases;
}

/** Runs every case; returns figures and every crash, hang and contract break with its reproducer. */
export async function runCases(cases, { dist, timeoutMs = 5000, heapMb = 256, memoryLimitBytes = 1024 ** 3, onProgress, recheck = false } = {}) {
  const result = { cases: cases.length, completed: 0, crashes: [], hangs: [], stalls: [], problems: [], memory: [], slowest: [], structures: {}, maxRss: 0, wallMs: 0 };
  const started = Date.now();
  let next = 0;
  const repro = (c) => ({ corpus: c.corpus, relPath: c.relPath, mutation: c.mutation, mutationSeed: c.mutationSeed, parsers: c.parsers ?? [] });
  while (next < cases.length) {
    await new Promise((resolve) => {
      const worker = startWorker(dist, heapMb);
      let current = null;
      let timer = null;
      let stderr = '';
      // Set when we kill the worker over a hang: messages it sent before dying (the 'start' of the
      // next case) are stale, and its SIGKILL exit is ours, not a crash of whatever case came next.
      let killed = false;
      worker.stderr.on('data', (b) => (stderr = (stderr + b.toString()).slice(-2000)));
      const finish = () => {
        clearTimeout(timer);
        worker.removeAllListeners();
        resolve();
      };
      worker.on('message', (msg) => {
        if (killed) return;
        if (msg.type === 'ready') worker.send({ type: 'run', cases: cases.slice(next) });
        else if (msg.type === 'start') {
          current = cases[msg.index];
          timer = setTimeout(() => {
            result.hangs.push({ ...repro(current), index: current.index, budgetMs: timeoutMs });
            next = current.index + 1;
            current = null;
            killed = true;
            worker.kill('SIGKILL');
          }, timeoutMs);
        } else if (msg.type === 'done') {
          clearTimeout(timer);
          // Structure cases learn their parsers in the worker (claimed from the generated bytes).
          const c = msg.parsers ? { ...cases[msg.index], parsers: msg.parsers } : cases[msg.index];
          current = null;
          next = msg.index + 1;
          result.completed++;
          result.maxRss = Math.max(result.maxRss, msg.rss);
          if (msg.rss > memoryLimitBytes) result.memory.push({ ...repro(c), rss: msg.rss });
          for (const p of msg.problems) result.problems.push({ ...repro(c), problem: p });
          result.slowest.push({ ms: msg.ms, size: msg.size, ...repro(c) });
          if (c.structure) {
            const g = (result.structures[c.structure.generator] ??= { cases: 0, maxMs: 0, maxSize: 0, maxRss: 0 });
            g.cases++;
            g.maxMs = Math.max(g.maxMs, msg.ms);
            g.maxSize = Math.max(g.maxSize, msg.size);
            g.maxRss = Math.max(g.maxRss, msg.rss);
          }
          if (result.slowest.length > 50) result.slowest = result.slowest.sort((a, b) => b.ms - a.ms).slice(0, 10);
          if (onProgress && result.completed % 500 === 0) onProgress(result);
        } else if (msg.type === 'batch-done') {
          worker.kill();
          next = cases.length;
        }
      });
      worker.on('exit', (code, signal) => {
        if (current && !killed) {
          result.crashes.push({ ...repro(current), code, signal, stderr: stderr.trim().split('\n').slice(-5).join(' | ') });
          next = current.index + 1;
        }
        finish();
      });
    });
  }
  // A timeout can be a stall of a loaded machine: re-run each suspect alone with 3x the budget;
  // only those that time out again are hangs.
  if (result.hangs.length > 0 && !recheck) {
    const suspects = result.hangs.map((h) => cases[h.index]);
    const again = await runCases(suspects.map((c, index) => ({ ...c, index })), { dist, timeoutMs: timeoutMs * 3, heapMb, memoryLimitBytes, recheck: true });
    const stillHanging = new Set(again.hangs.map((a) => a.index));
    result.stalls = result.hangs.filter((_h, i) => !stillHanging.has(i));
    result.hangs = result.hangs.filter((_h, i) => stillHanging.has(i));
    // A stall that ends within the longer budget is a completed case, and what it found counts.
    result.completed += again.completed;
    for (const list of ['crashes', 'problems', 'memory']) for (const x of again[list]) result[list].push(x);
    result.maxRss = Math.max(result.maxRss, again.maxRss);
  }
  result.slowest = result.slowest.sort((a, b) => b.ms - a.ms).slice(0, 10);
  result.wallMs = Date.now() - started;
  return result;
}
