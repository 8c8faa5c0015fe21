/**
 * The OOXML speed path must give file-type's own verdict: every ZIP-like head we can find
 * (corpus, writer-built OOXML/ODF/JAR, damaged variants) is typed twice and compared.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import { storedContentTypesHead } from '../../src/fingerprint/zip-head.js';
import { fingerprint } from '../../src/fingerprint/index.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { corpusAvailable, CORPUS_DIR, testIf, CORPUS_MISSING } from '../helpers/corpus.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';

const HEAD = 4100;

function contentTypes(main: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/x/main.xml" ContentType="${main}"/></Types>`;
}

function ooxml(main: string, extra: Array<{ name: string; data: string }> = []): Buffer {
  return buildZip({ entries: [{ name: '[Content_Types].xml', data: contentTypes(main), method: 8 }, ...extra.map((e) => ({ ...e, method: 8 as const }))] });
}

const MAINS = [
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
  'application/vnd.ms-word.document.macroEnabled.main+xml',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml',
  'text/plain',
];

async function sameVerdict(head: Buffer): Promise<{ fast: boolean }> {
  const rewritten = storedContentTypesHead(head);
  const original = await fileTypeFromBuffer(head).catch((e: Error) => `error ${e.message}`);
  const viaFastPath = await fileTypeFromBuffer(rewritten ?? head).catch((e: Error) => `error ${e.message}`);
  expect(viaFastPath).toEqual(original);
  return { fast: rewritten !== null };
}

describe('storedContentTypesHead', () => {
  test('writer-built OOXML of every main type: same type, fast path taken', async () => {
    let fast = 0;
    for (const main of MAINS) {
      const zip = ooxml(main, [{ name: 'x/main.xml', data: '<doc/>' }]);
      if ((await sameVerdict(zip.subarray(0, HEAD))).fast) fast++;
    }
    expect(fast).toBe(MAINS.length);
    const docx = await fileTypeFromBuffer(storedContentTypesHead(ooxml(MAINS[0]!))!);
    expect(docx?.ext).toBe('docx');
  });

  test('damaged heads: truncated deflate, flipped bytes, data-descriptor flag, not first entry', async () => {
    const zip = ooxml(MAINS[1]!, [{ name: 'xl/workbook.xml', data: '<wb/>' }]);
    const variants: Buffer[] = [];
    for (let cut = 31; cut < Math.min(zip.length, 600); cut += 23) variants.push(zip.subarray(0, cut));
    for (let at = 30; at < Math.min(zip.length, 400); at += 17) {
      const v = Buffer.from(zip);
      v[at] = v[at]! ^ 0x5a;
      variants.push(v);
    }
    const dd = Buffer.from(zip);
    dd.writeUInt16LE(dd.readUInt16LE(6) | 8, 6);
    variants.push(dd);
    variants.push(buildZip({ entries: [{ name: 'a.txt', data: 'x', method: 8 }, { name: '[Content_Types].xml', data: contentTypes(MAINS[0]!), method: 8 }] }));
    // Declared compressed size one byte longer than the deflate stream: trailing junk.
    const junk = Buffer.from(zip);
    junk.writeUInt32LE(junk.readUInt32LE(0x12) + 1, 0x12);
    variants.push(junk, deflateRawSync('x'));
    expect(storedContentTypesHead(junk)).toBeNull();
    expect(storedContentTypesHead(dd)).toBeNull();
    for (const v of variants) await sameVerdict(v.subarray(0, HEAD));
  });

  const corpus = corpusAvailable();
  testIf(corpus, CORPUS_MISSING)('every ZIP-like corpus file: same type with and without the fast path', async () => {
    const heads: Buffer[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && !name.includes('.expected.')) {
          const buf = readFileSync(p).subarray(0, HEAD);
          if (buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50) heads.push(buf);
        }
      }
    };
    walk(path.join(CORPUS_DIR, 'archives'));
    expect(heads.length).toBeGreaterThan(0);
    for (const h of heads) await sameVerdict(h);
  });

  test('remembered verdicts: heads sharing a [Content_Types].xml but nothing else get file-type\'s own verdict on each', async () => {
    const variants: Buffer[] = [];
    for (const main of MAINS) {
      // The same content types, then entries file-type never reaches (it stops after the first), other times and CRCs.
      for (const extra of [[], [{ name: 'word/document.xml', data: '<w/>' }], [{ name: 'ppt/p.xml', data: '<p/>' }], [{ name: 'META-INF/MANIFEST.MF', data: 'x' }]]) {
        const zip = ooxml(main, extra);
        variants.push(zip);
        const touched = Buffer.from(zip);
        touched.writeUInt32LE(0x12345678, 0x0a); // time and date
        touched.writeUInt32LE(0xdeadbeef, 0x0e); // CRC
        variants.push(touched);
      }
    }
    for (const v of variants) {
      const head = v.subarray(0, HEAD);
      const direct = await fileTypeFromBuffer(head);
      // Twice: the second answer comes from the remembered verdict.
      for (let round = 0; round < 2; round++) {
        const fp = await fingerprint(bufferSource(head), head, 'x.bin');
        expect(fp.format).toBe(direct?.ext ?? null);
        expect(fp.mime).toBe(direct?.mime ?? null);
      }
    }
  });
});
