#!/usr/bin/env node
// Where a V8 heap snapshot's bytes are (node --heapsnapshot-near-heap-limit, v8.writeHeapSnapshot):
// self size by kind, with plain objects told apart by their shape (their property names, so a finding
// and a candidate are separate rows) and each string, array and backing store charged to the object
// that holds it and the property it is held under (`Object{id,kind,path,...}.reasons`), for
// docs/performance.md. Self sizes only: no dominator tree.
//   node bench/lib/heap-top.mjs FILE.heapsnapshot [--top 30]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const topIndex = process.argv.indexOf('--top');
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 30;
if (!file) {
  process.stderr.write('usage: heap-top.mjs FILE.heapsnapshot [--top N]\n');
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const [N_TYPE, N_NAME, N_SIZE, N_EDGES] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
const [E_TYPE, E_NAME, E_TO] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
const { nodes, edges, strings } = snap;
const nodeCount = nodes.length / NF;

// Edges of node i start at firstEdge[i] (edges are stored node by node).
const firstEdge = new Uint32Array(nodeCount + 1);
for (let i = 0, e = 0; i < nodeCount; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + N_EDGES] * EF;
  firstEdge[i + 1] = e;
}
const typeOf = (i) => nodeTypes[nodes[i * NF + N_TYPE]];
const nameOf = (i) => strings[nodes[i * NF + N_NAME]];

/** A plain object's label: its constructor and up to 10 of its property names, in their order. */
const shapeCache = new Map();
function labelOf(i) {
  const type = typeOf(i);
  if (type !== 'object') return `(${type}) ${type === 'closure' ? 'closure' : nameOf(i).slice(0, 40)}`;
  const name = nameOf(i);
  if (name !== 'Object') return name;
  const props = [];
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
    if (edgeTypes[edges[e + E_TYPE]] === 'property') props.push(strings[edges[e + E_NAME]]);
    if (props.length === 10) break;
  }
  const key = props.join(',');
  let label = shapeCache.get(key);
  if (!label) shapeCache.set(key, (label = `Object{${key}}`));
  return label;
}

// The first object (or closure) that holds each node, and under which edge name.
const owner = new Int32Array(nodeCount).fill(-1);
const ownerEdge = new Array(nodeCount);
for (let i = 0; i < nodeCount; i++) {
  const t = typeOf(i);
  if (t !== 'object' && t !== 'closure' && t !== 'array' && t !== 'hidden' && t !== 'concatenated string' && t !== 'sliced string') continue;
  for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
    const et = edgeTypes[edges[e + E_TYPE]];
    if (et === 'weak' || et === 'shortcut') continue;
    const to = edges[e + E_TO] / NF;
    if (owner[to] !== -1) continue;
    owner[to] = i;
    ownerEdge[to] = et === 'element' || et === 'hidden' ? '[]' : String(et === 'property' || et === 'internal' || et === 'context' ? strings[edges[e + E_NAME]] : edges[e + E_NAME]);
  }
}

/** Where a non-object's bytes are charged: the nearest owning object (through arrays), by label and property. */
function chargeOf(i) {
  let at = i;
  let via = '';
  for (let hops = 0; hops < 8; hops++) {
    const o = owner[at];
    if (o === -1) break;
    const t = typeOf(o);
    if (t === 'object' || t === 'closure') return `${labelOf(o)}.${ownerEdge[at]}${via}`;
    via = `${t === 'concatenated string' ? '+' : t === 'sliced string' ? '/' : '[]'}${via}`;
    at = o;
  }
  return `(unowned ${typeOf(i)})`;
}

const byLabel = new Map();
const byHeld = new Map();
let total = 0;
const add = (map, key, size) => {
  const row = map.get(key) ?? { count: 0, size: 0 };
  row.count++;
  row.size += size;
  map.set(key, row);
};
for (let i = 0; i < nodeCount; i++) {
  const size = nodes[i * NF + N_SIZE];
  total += size;
  const t = typeOf(i);
  if (t === 'object' || t === 'closure') add(byLabel, labelOf(i), size);
  else {
    add(byLabel, `(${t})`, size);
    if (t === 'string' || t === 'sliced string' || t === 'concatenated string' || t === 'array' || t === 'number' || t === 'hidden') add(byHeld, `${t}: ${chargeOf(i)}`, size);
  }
}

const mb = (b) => (b / 1048576).toFixed(1).padStart(7);
const print = (title, map) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...map].sort((a, b) => b[1].size - a[1].size).slice(0, top)) process.stdout.write(`${mb(v.size)} MB ${String(v.count).padStart(9)}  ${k.slice(0, 160)}\n`);
};
process.stdout.write(`${file}: ${nodeCount} nodes, ${mb(total).trim()} MB self size\n`);
print('self size by kind (objects by constructor or shape)', byLabel);
print('strings, arrays and backing stores by the object and property holding them', byHeld);
