/** stagehunt's own Sigma rules (src/rules/data/sigma), which scan and explain both apply to event logs. */
import { loadSigmaRules, type SigmaRule } from '../artifacts/evtx/sigma.js';
import { dataDir } from '../util/package-root.js';

export function builtinSigmaRules(): readonly SigmaRule[] {
  return loadSigmaRules([dataDir('rules', 'data', 'sigma')]).rules;
}
