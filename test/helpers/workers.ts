/** Helpers for the tests of the worker threads that work ahead of the walk (read-ahead, block fetch). */
import { readdirSync } from 'node:fs';
import { expect } from '@jest/globals';

/** Descriptors this process has open now. */
export function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Waits (up to 2 s) until the open descriptors are back to `count`: a worker's own event loop closes its descriptors as its thread ends, shortly after it is told to. */
export async function descriptorsBackTo(count: number): Promise<number> {
  for (let i = 0; i < 100 && openDescriptors() > count; i++) await new Promise((r) => setTimeout(r, 20));
  return openDescriptors();
}

/** Counts the calls of `cls.prototype[method]` (default `take`) that handed something over (what the worker did), until restored. */
export function countTakes(cls: { prototype: unknown }, method = 'take'): { served: number; restore(): void } {
  const proto = cls.prototype as Record<string, (...args: unknown[]) => unknown>;
  const original = proto[method]!;
  const counter = {
    served: 0,
    restore: () => {
      proto[method] = original;
    },
  };
  proto[method] = function (this: unknown, ...args: unknown[]) {
    const got = original.apply(this, args);
    if (got) counter.served++;
    return got;
  };
  return counter;
}

interface Report {
  findings: unknown[];
  errors: unknown[];
  timeline: unknown[];
  summary: unknown;
}

/**
 * A scan with the worker (counting what it handed over: `cls.prototype.take`), then the same scan
 * without it. `installed`: a test-only wrapper put on before the call, taken off after it whatever happens.
 */
export async function scanBothWays<R extends Report>(scan: (o: Record<string, unknown>) => Promise<R>, options: Record<string, unknown>, cls: { prototype: unknown }, installed?: { restore(): void }): Promise<{ ahead: R; here: R; served: number }> {
  try {
    const takes = countTakes(cls);
    let ahead: R;
    let served: number;
    try {
      ahead = await scan(options);
      served = takes.served;
    } finally {
      takes.restore();
    }
    const here = await scan({ ...options, readAhead: false });
    return { ahead, here, served };
  } finally {
    installed?.restore();
  }
}

/** The same findings, errors, timeline and summary, in the same order. */
export function expectSameReport(a: Report, b: Report): void {
  for (const key of ['findings', 'errors', 'timeline', 'summary'] as const) expect([key, JSON.stringify(a[key])]).toEqual([key, JSON.stringify(b[key])]);
}
