/** Building registry candidates the same way in every detector. */
import type { Candidate, Hit, NamedPath, TimelineEvent } from '../../rules/types.js';
import type { KeyNode } from './view.js';
import type { ValueRecord } from '../regf/walk.js';

export interface RegistryFindingInput {
  /** relPath of the hive file (or live:<hive> for the live registry). */
  hivePath: string;
  node: KeyNode;
  value?: string;
  /** The value's record (or what a detector kept of it) when the caller holds it; else it is looked up in `node` by name. */
  record?: Pick<ValueRecord, 'name' | 'fromTransactionLog'>;
  hits: Hit[];
  user?: string | null;
  names?: NamedPath[];
  events?: TimelineEvent[];
  details?: Record<string, unknown>;
  size?: number | null;
  format?: string | null;
  entropy?: number | null;
}

/**
 * Whether what the finding reads only a transaction log held (a hive read with its logs: the
 * value's cell or data cell, or, for a finding on a key, the key's cell, differs from the file as found).
 */
function readFromLog(input: RegistryFindingInput): boolean {
  if (input.value === undefined) return input.node.fromTransactionLog === true;
  const value = input.record ?? input.node.values.find((v) => v.name === input.value);
  return value?.fromTransactionLog === true;
}

/** Every registry finding carries the key's last-written time as a timeline event. */
export function registryCandidate(input: RegistryFindingInput): Candidate {
  const events: TimelineEvent[] = [...(input.events ?? [])];
  if (input.node.lastWritten) {
    events.push({ time: input.node.lastWritten, type: 'key-last-written', description: `registry key ${input.node.key} last written` });
  }
  const c: Candidate = {
    kind: 'registry',
    path: input.hivePath,
    key: input.node.key,
    hits: input.hits,
    events,
    details: { keyLastWritten: input.node.lastWritten, ...(input.details ?? {}), ...(readFromLog(input) ? { fromTransactionLog: true } : {}) },
  };
  if (input.value !== undefined) c.value = input.value;
  if (input.user !== undefined) c.user = input.user;
  if (input.names && input.names.length > 0) c.names = input.names;
  if (input.size !== undefined) c.size = input.size;
  if (input.format !== undefined) c.format = input.format;
  if (input.entropy !== undefined) c.entropy = input.entropy;
  return c;
}
