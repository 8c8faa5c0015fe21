/**
 * Jest's globalSetup (jest.config.js): every temporary directory a test run makes through
 * `os.tmpdir()` (its own, and those of the tools it runs: Chromium profiles, images, SEA builds)
 * goes under one directory made for the run, which temp-root-teardown.ts removes when the run ends,
 * so that a run leaves nothing in /tmp even where a test fails before it cleans up. The test
 * workers inherit TMPDIR: they are started after this. (Loaded by Jest itself: node: imports only.)
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-jest-'));
  // Passable by other users, as /tmp is (not listable): tests that run the CLI as nobody reach their own trees below it.
  chmodSync(dir, 0o711);
  process.env.STAGEHUNT_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
