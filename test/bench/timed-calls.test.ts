/**
 * bench/lib/timed-calls.mjs: the main thread's file-system calls and messages, timed one by one (the
 * check on a CPU profile's system-call rows, docs/performance.md "Session 42"). A child process
 * makes a known number of each call and posts one message to a worker; the tool must count each
 * exactly, and the bytes the reads returned.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../hazards/helpers.js';

const TOOL = path.resolve('bench/lib/timed-calls.mjs');

/** Three reads of 500,000 bytes, two opens, one fstat, two closes and one message to a worker (which opens and reads in its own thread). */
const SCRIPT = `
const fs = require('node:fs');
const { Worker } = require('node:worker_threads');
const file = process.argv[2];
const fd = fs.openSync(file, 'r');
const buf = Buffer.alloc(500000);
for (let i = 0; i < 3; i++) fs.readSync(fd, buf, 0, 500000, i * 500000);
fs.fstatSync(fd);
fs.closeSync(fd);
fs.closeSync(fs.openSync(file, 'r'));
const worker = new Worker("const fs = require('node:fs'); const { parentPort, workerData } = require('node:worker_threads'); parentPort.once('message', () => { const fd = fs.openSync(workerData, 'r'); fs.readSync(fd, Buffer.alloc(5), 0, 5, 0); fs.closeSync(fd); process.exit(0); });", { eval: true, workerData: file });
worker.postMessage('go');
`;

describe('bench/lib/timed-calls.mjs', () => {
  test("counts the main thread's calls and the bytes its reads returned", () => {
    const dir = tempDir('timed-calls');
    const data = path.join(dir, 'data.bin');
    writeFileSync(data, Buffer.alloc(1_500_000, 7));
    const script = path.join(dir, 'calls.cjs');
    writeFileSync(script, SCRIPT);
    const r = spawnSync(process.execPath, ['--import', TOOL, script, data], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    const count = (label: string): { calls: number; mb: number | null } | null => {
      const m = new RegExp(`^  ${label.replace(/\./g, '\\.')} (\\d+) [0-9.]+ s(?: ([0-9.]+) MB)? slow \\d+$`, 'm').exec(r.stderr);
      return m ? { calls: Number(m[1]), mb: m[2] === undefined ? null : Number(m[2]) } : null;
    };
    expect(r.stderr.match(/^timed calls on the main thread/gm)).toHaveLength(1);
    expect(count('fs.readSync')).toEqual({ calls: 3, mb: 1.5 });
    expect(count('fs.openSync')?.calls).toBe(2);
    expect(count('fs.fstatSync')?.calls).toBe(1);
    expect(count('fs.closeSync')?.calls).toBe(2);
    expect(count('Worker.postMessage')?.calls).toBe(1);
  });
});
