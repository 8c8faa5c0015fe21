// Detection quality over labelled items (docs/detection-quality.md): shared by bench/quality.mjs
// (the numbers in the docs) and test/quality/quality.test.ts (the thresholds in npm test).
//
// An item is one file or folder a person would judge as a whole (a $I/$R pair, an installer's
// temp folder, a split set); its level is the highest level of any finding whose path is one of
// the item's paths or lies under one. An item without a finding is "none".

export const LEVEL_ORDER = ['none', 'info', 'low', 'medium', 'high', 'critical'];
export const rank = (level) => LEVEL_ORDER.indexOf(level);

function covers(itemPath, findingPath) {
  const a = itemPath.toLowerCase();
  const b = findingPath.toLowerCase();
  return a === b || b.startsWith(`${a}/`);
}

/**
 * @param {{ root: string, report: { findings: Array<{path: string, level: string, score: number, kind: string, reasons: Array<{rule: string, score: number}>}> } }[]} scans
 * @param {Array<{root: string, label: 'benign'|'staged', kind: string, paths: string[]}>} items
 */
export function measure(scans, items) {
  const judged = items.map((item) => {
    const scan = scans.find((s) => s.root === item.root);
    const findings = scan ? scan.report.findings.filter((f) => item.paths.some((p) => covers(p, f.path))) : [];
    const top = findings.reduce((best, f) => (!best || rank(f.level) > rank(best.level) || (f.level === best.level && f.score > best.score) ? f : best), null);
    return { ...item, level: top ? top.level : 'none', score: top ? top.score : 0, top, findings: findings.length };
  });
  const labelled = new Set();
  for (const j of judged) for (const p of j.paths) labelled.add(`${j.root}\u0000${p.toLowerCase()}`);
  const unlabelled = [];
  for (const s of scans) {
    for (const f of s.report.findings) {
      const hit = items.some((i) => i.root === s.root && i.paths.some((p) => covers(p, f.path)));
      if (!hit) unlabelled.push({ root: s.root, path: f.path, level: f.level, score: f.score, kind: f.kind });
    }
  }
  const kinds = new Map();
  for (const j of judged) {
    const key = `${j.label}\u0000${j.kind}`;
    const k = kinds.get(key) ?? { label: j.label, kind: j.kind, items: 0, medium: 0, high: 0 };
    k.items++;
    if (rank(j.level) >= rank('medium')) k.medium++;
    if (rank(j.level) >= rank('high')) k.high++;
    kinds.set(key, k);
  }
  const benign = judged.filter((j) => j.label === 'benign');
  const staged = judged.filter((j) => j.label === 'staged');
  const share = (list, min) => (list.length ? list.filter((j) => rank(j.level) >= rank(min)).length / list.length : 0);
  return {
    judged,
    byKind: [...kinds.values()].sort((a, b) => a.label.localeCompare(b.label) || a.kind.localeCompare(b.kind)),
    benign: { items: benign.length, kinds: new Set(benign.map((b) => b.kind)).size, mediumShare: share(benign, 'medium'), highShare: share(benign, 'high') },
    staged: { items: staged.length, highRecall: share(staged, 'high'), mediumRecall: share(staged, 'medium') },
    falsePositives: benign.filter((j) => rank(j.level) >= rank('medium')),
    misses: staged.filter((j) => rank(j.level) < rank('high')),
    unlabelled,
  };
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

function why(j) {
  if (!j.top) return 'no finding';
  return j.top.reasons.map((r) => `${r.rule} ${r.score > 0 ? '+' : ''}${r.score}`).join(', ');
}

/** The Markdown tables docs/detection-quality.md shows. */
export function renderMarkdown(m, title) {
  const lines = [`### ${title}`, '', `benign: ${m.benign.items} items of ${m.benign.kinds} kinds, ${pct(m.benign.mediumShare)} at medium or above, ${pct(m.benign.highShare)} at high or above; staged: ${m.staged.items} items, ${pct(m.staged.highRecall)} at high or above (${pct(m.staged.mediumRecall)} at medium or above)`, ''];
  lines.push('| label | kind | items | >= medium | >= high |', '| --- | --- | --- | --- | --- |');
  for (const k of m.byKind) lines.push(`| ${k.label} | ${k.kind} | ${k.items} | ${k.medium} | ${k.high} |`);
  if (m.falsePositives.length) {
    lines.push('', 'Benign items at medium or above:', '');
    for (const j of m.falsePositives) lines.push(`- ${j.level} ${j.score} \`${j.root}/${j.paths[0]}\` (${j.kind}): ${why(j)}`);
  }
  if (m.misses.length) {
    lines.push('', 'Staged items below high:', '');
    for (const j of m.misses) lines.push(`- ${j.level} ${j.score} \`${j.root}/${j.paths[0]}\` (${j.kind}): ${why(j)}`);
  }
  const loud = m.unlabelled.filter((u) => rank(u.level) >= rank('medium'));
  if (loud.length) {
    lines.push('', 'Unlabelled findings at medium or above:', '');
    for (const u of loud) lines.push(`- ${u.level} ${u.score} \`${u.root}/${u.path}\` (${u.kind})`);
  }
  return lines.join('\n') + '\n';
}
