/**
 * Issue 12: no evidence access outside src/evidence/. Every module that imports node:fs (or
 * fs, fs/promises) outside src/evidence/ must be one that reads stagehunt's own data, a rule file
 * the user gave, or writes the output, and is listed here with that reason. A new import elsewhere
 * (the walker, hotspot matching, the pipeline, the parsers, the fingerprinter) fails this test.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Modules outside src/evidence/ allowed to use the file system, and why. */
const NOT_EVIDENCE: Record<string, string> = {
  'src/util/package-root.ts': "stagehunt's own package files",
  'src/hotspots/catalog.ts': 'the built-in hotspot catalog (package data)',
  'src/rules/catalog.ts': 'the built-in rule catalog (package data)',
  'src/rules/producers.ts': 'the built-in benign-producer list (package data)',
  'src/rules/allowlist.ts': 'the --allowlist file the user gave',
  'src/artifacts/evtx/sigma.ts': "stagehunt's Sigma rules and the --sigma directories the user gave",
  'src/pipeline/isolate.ts': "whether the compiled worker exists in stagehunt's own dist/",
  'src/pipeline/pool.ts': "whether the compiled pool worker exists in stagehunt's own dist/",
  'src/cli/sigma.ts': 'the --sigma rule files and directories the user gave',
  'src/cli/yara.ts': 'the --yara rule files and directories the user gave',
  'src/rules/rule-files.ts': 'listing the --sigma and --yara rule directories the user gave',
  'src/rules/yara/scanner.ts': "whether the compiled YARA worker exists in stagehunt's own dist/",
  'src/rules/yara/yara-worker.ts': "the YARA-X WebAssembly module in stagehunt's own node_modules (the worker reads no evidence: the scan's thread hands it each file's bytes)",
  'src/cli/output.ts': 'writing the report (never inside a root or an image)',
  'src/cli/commands/scan.ts': 'the CLI: checking the paths given on the command line before a scan',
  'src/cli/commands/report.ts': 'reading a saved scan report (output of an earlier run)',
  'src/cli/thread-priority.ts': "listing this process's own threads (/proc/self/task)",
  'src/cli/load-main.ts': "stagehunt's own CLI bundle and its code cache in dist/bundle/ (read at start; the cache written by the build)",
};

/** Directories whose code must never touch the file system: it reads evidence only through EvidenceFs / ByteSource. */
const MUST_NOT: readonly string[] = ['src/walk', 'src/hotspots', 'src/pipeline', 'src/artifacts', 'src/fingerprint', 'src/correlate', 'src/timeline', 'src/model', 'src/report'];

const FS_IMPORT = /\bfrom\s+['"](?:node:)?fs(?:\/promises)?['"]|\brequire\(\s*['"](?:node:)?fs(?:\/promises)?['"]\s*\)|\bimport\(\s*['"](?:node:)?fs(?:\/promises)?['"]\s*\)/;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.posix.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (e.isFile() && p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('evidence is read only through src/evidence/', () => {
  const files = sourceFiles('src');
  const importing = files.filter((f) => FS_IMPORT.test(readFileSync(f, 'utf8')));

  test('the import pattern finds what it should (so the checks below can fail)', () => {
    expect(importing).toContain('src/evidence/directory-fs.ts');
    expect(importing).toContain('src/evidence/reader.ts');
    expect(FS_IMPORT.test("import { readSync } from 'node:fs';")).toBe(true);
    expect(FS_IMPORT.test("import type { Stats } from 'fs';")).toBe(true);
    expect(FS_IMPORT.test("const x = await import('node:fs/promises');")).toBe(true);
    expect(FS_IMPORT.test('// a path usable with node:fs')).toBe(false);
  });

  test('outside src/evidence/, only the listed non-evidence modules import node:fs', () => {
    const outside = importing.filter((f) => !f.startsWith('src/evidence/'));
    expect(outside.filter((f) => !(f in NOT_EVIDENCE))).toEqual([]);
  });

  test('the walker, hotspots, pipeline, parsers, fingerprinting and reports import no node:fs (bar the listed exceptions)', () => {
    const offending = importing.filter((f) => MUST_NOT.some((d) => f.startsWith(`${d}/`)) && !(f in NOT_EVIDENCE));
    expect(offending).toEqual([]);
  });

  test('every listed exception still exists and still needs the file system (the list stays true)', () => {
    for (const f of Object.keys(NOT_EVIDENCE)) expect({ f, importsFs: importing.includes(f) }).toEqual({ f, importsFs: true });
  });
});
