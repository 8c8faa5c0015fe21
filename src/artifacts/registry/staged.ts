/**
 * Staged data in values (ATT&CK T1074.001 "registry as a staging store", DarkWatchman; T1027.011):
 * values holding a file by magic, Base64/hex text that decodes to one, large high-entropy blobs,
 * and keys that hold several of them.
 */
import type { Candidate, Hit } from '../../rules/types.js';
import { LIMITS } from '../../util/limits.js';
import type { KeyRecord, ValueRecord } from '../regf/walk.js';
import { registryCandidate } from './candidate.js';
import { asText, detectMagic, findEncodedBlob, shannonEntropy } from './magic.js';
import { valueBytes, type KeyNode } from './view.js';

/** Values smaller than this are not examined (GUIDs, small settings, shell items). */
export const STAGED_MIN_BYTES = 1024;
/** Size from which a high-entropy value is reported on its own. */
export const HIGH_ENTROPY_MIN_BYTES = 16 * 1024;
/** binwalk's rising edge, 0.95 x 8 bits/byte (indicators.md C.5). */
export const HIGH_ENTROPY_BITS = 7.6;
/** Base64/hex text this long is reported even when it decodes to nothing known. */
export const LONG_ENCODED_TEXT = 16 * 1024;
/** A key holding this many suspicious values is a blob store in its own right. */
export const CLUSTER_MIN_VALUES = 3;

export interface StagedValue {
  value: Pick<ValueRecord, 'name' | 'dataType' | 'size' | 'fromTransactionLog'>;
  what: string;
  format: string | null;
  entropy: number;
  hits: Hit[];
}

export function examineValue(v: ValueRecord): StagedValue | null {
  const bytes = valueBytes(v);
  if (bytes.length < STAGED_MIN_BYTES) return null;
  const entropy = Math.round(shannonEntropy(bytes) * 100) / 100;
  const magic = detectMagic(bytes);
  if (magic) {
    const hit = { rule: 'registry-value-embedded-file', message: `value holds a ${magic.description} (${bytes.length} bytes)` };
    return { value: v, what: magic.description, format: magic.format, entropy, hits: [hit] };
  }
  const text = asText(bytes);
  const encoded = text ? findEncodedBlob(text) : null;
  if (encoded) {
    const inner = detectMagic(encoded.decoded);
    if (inner) {
      const message = `${encoded.encoding} text (${encoded.textLength} chars) decodes to a ${inner.description}`;
      return { value: v, what: `${encoded.encoding}-encoded ${inner.description}`, format: inner.format, entropy, hits: [{ rule: 'registry-value-encoded-file', message }] };
    }
    if (encoded.textLength >= LONG_ENCODED_TEXT) {
      const message = `${encoded.textLength} characters of ${encoded.encoding} text`;
      return { value: v, what: `${encoded.encoding} text`, format: null, entropy, hits: [{ rule: 'registry-value-long-encoded-text', message }] };
    }
  }
  if (bytes.length >= HIGH_ENTROPY_MIN_BYTES && entropy >= HIGH_ENTROPY_BITS) {
    const message = `${bytes.length} bytes at ${entropy} bits/byte (encrypted or compressed)`;
    return { value: v, what: 'high-entropy data', format: null, entropy, hits: [{ rule: 'registry-value-high-entropy', message }] };
  }
  return null;
}

/**
 * Staged values gathered as the values stream past (the hive is never held for this detector):
 * each value is examined as it comes and dropped unless it is staged; staged ones are grouped by
 * key, case-insensitively and in the order their keys came, as HiveView groups values. At most
 * LIMITS.maxFindingsPerArtifact are kept (no more can be reported), every one is counted per key.
 */
export class StagedCollector {
  private readonly keys = new Map<string, StagedKey>();
  private kept = 0;
  private current: { id: string; key: string; lastWritten: string | null } | null = null;

  /** A key record: its values follow it. A key path seen again updates the time (the last one wins, as in HiveView). */
  key(r: KeyRecord): void {
    const id = r.key.toLowerCase();
    this.current = { id, key: r.key, lastWritten: r.lastWritten };
    const seen = this.keys.get(id);
    if (seen) seen.node.lastWritten = r.lastWritten;
  }

  value(v: ValueRecord): void {
    const staged = examineValue(v);
    if (!staged) return;
    const id = v.key.toLowerCase();
    let group = this.keys.get(id);
    if (!group) {
      const here = this.current?.id === id ? this.current : null;
      group = { node: { key: here?.key ?? v.key, lastWritten: here?.lastWritten ?? null, values: [] }, staged: [], count: 0 };
      this.keys.set(id, group);
    }
    group.count++;
    if (this.kept >= LIMITS.maxFindingsPerArtifact) return;
    this.kept++;
    // Only what the finding shows is kept, not the value's data.
    group.staged.push({ ...staged, value: { name: v.name, dataType: v.dataType, size: v.size, ...(v.fromTransactionLog ? { fromTransactionLog: true as const } : {}) } });
  }

  candidates(hivePath: string, user: string | null): Candidate[] {
    const out: Candidate[] = [];
    for (const { node, staged, count } of this.keys.values()) {
      for (const s of staged) out.push(stagedCandidate(hivePath, node, s, count, user));
    }
    return out;
  }
}

interface StagedKey {
  node: KeyNode;
  staged: StagedValue[];
  /** Staged values of the key, kept or not (the cluster rule counts them all). */
  count: number;
}

function stagedCandidate(hivePath: string, node: KeyNode, s: StagedValue, siblings: number, user: string | null): Candidate {
  const hits = [...s.hits];
  if (siblings >= CLUSTER_MIN_VALUES) {
    hits.push({ rule: 'registry-value-blob-cluster', message: `key holds ${siblings} values like this one` });
  }
  return registryCandidate({
    hivePath,
    node,
    value: s.value.name,
    record: s.value,
    user,
    hits,
    size: s.value.size,
    format: s.format,
    entropy: s.entropy,
    details: { what: s.what, dataType: s.value.dataType, valueSize: s.value.size, suspiciousValuesInKey: siblings },
  });
}
