// Report floor: what serialising a scan's JSON report costs in Node at the least, whatever computed
// it. The report is read back from a scan's output, then turned into text with the one native call
// (`JSON.stringify(..., null, 2)`, the text `--format json` writes), a large array's elements a
// batch at a time as the writer does (its ELEMENTS_PER_BATCH, from the build: `npm run build`; one
// call over a 100 MB report costs more, one huge string); not written. Best of three, wall seconds of the serialising alone (reading the report back and
// Node's start-up are not counted). Prints one JSON object.
//
//   node bench/lib/report-floor.mjs REPORT.json
import { readFileSync } from 'node:fs';
import { ELEMENTS_PER_BATCH as BATCH } from '../../dist/report/json.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: report-floor.mjs REPORT.json\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));

/** Characters of `value` as JSON, large arrays a batch at a time, other values whole. */
function serialise(value) {
  if (Array.isArray(value) && value.length > BATCH) {
    let chars = 0;
    for (let i = 0; i < value.length; i += BATCH) chars += JSON.stringify(value.slice(i, i + BATCH), null, 2).length;
    return chars;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    let chars = 0;
    for (const v of Object.values(value)) chars += serialise(v);
    return chars;
  }
  return JSON.stringify(value, null, 2)?.length ?? 0;
}

let best = Infinity;
let chars = 0;
for (let i = 0; i < 3; i++) {
  const start = performance.now();
  chars = serialise(report);
  best = Math.min(best, (performance.now() - start) / 1000);
}
process.stdout.write(`${JSON.stringify({ report: file, chars, seconds: Number(best.toFixed(4)) })}\n`);
