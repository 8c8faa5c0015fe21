// Types for fuzz-runner.mjs, mutate.mjs and extra-seeds.mjs users in tests (kept by hand).
export interface Seed { seed: string; relPath: string; corpus: string }
export interface ClaimedSeed extends Seed { parsers: string[] }
export interface FuzzCase extends ClaimedSeed { index: number; mutation: string; mutationSeed: number; structure?: { generator: string; scale: 'small' | 'full' } }
export interface FuzzResult {
  cases: number;
  completed: number;
  crashes: Array<FuzzCase & { code: number | null; signal: string | null; stderr: string }>;
  hangs: Array<FuzzCase & { budgetMs: number }>;
  /** Timed out once, finished when re-run alone with 3x the budget (a loaded machine). */
  stalls: Array<FuzzCase & { budgetMs: number }>;
  problems: Array<FuzzCase & { problem: string }>;
  memory: Array<FuzzCase & { rss: number }>;
  slowest: Array<FuzzCase & { ms: number; size: number }>;
  /** Per structure generator: cases run, slowest case, largest input, worker RSS after a case. */
  structures: Record<string, { cases: number; maxMs: number; maxSize: number; maxRss: number }>;
  maxRss: number;
  wallMs: number;
}
export function seedAreas(parsers: ReadonlyArray<{ fuzzSeeds: readonly string[] }>): string[];
export function listSeeds(corpusDir: string, options: { areas: readonly string[]; maxBytes?: number; extra?: string[] }): Seed[];
export function claimSeeds(seeds: Seed[], options: { dist: string; heapMb?: number }): Promise<ClaimedSeed[]>;
export function buildCases(claimed: ClaimedSeed[], options: { perSeed: number; baseSeed?: number }): FuzzCase[];
export function runCases(cases: Array<Omit<FuzzCase, 'parsers' | 'seed'> & { parsers: string[] | null; seed: string | null }>, options: { dist: string; timeoutMs?: number; heapMb?: number; memoryLimitBytes?: number; recheck?: boolean; onProgress?(r: FuzzResult): void }): Promise<FuzzResult>;
