/**
 * Damaged and hostile EVTX input: every case returns what could be read plus warnings, never
 * throws, never hangs. Bounds: template self-reference, element nesting, substitution counts,
 * truncation anywhere, garbage chunks.
 */
import { describe, expect, test } from '@jest/globals';
import { crc32 } from 'node:zlib';
import { bufferSource } from '../../../src/util/byte-source.js';
import { newReadState, readEvtx } from '../../../src/artifacts/evtx/index.js';
import { evtxParser } from '../../../src/artifacts/evtx/index.js';
import { MAX_DEPTH } from '../../../src/artifacts/evtx/binxml.js';
import { securityLog } from './fixtures.js';
import type { ArtifactContext } from '../../../src/artifacts/types.js';

const CHUNK = 4096;
const RECORDS = CHUNK + 512;

function read(buf: Buffer) {
  const state = newReadState();
  const events = [...readEvtx(bufferSource(buf), state)];
  return { events, state };
}

/** A one-record log whose binary XML is built by `xml(at)` for the chunk offset `at` it will sit at. */
function rawLog(xml: (at: number) => Buffer): Buffer {
  const body = xml(512 + 24);
  const size = 24 + body.length + 4;
  const rec = Buffer.alloc(size);
  rec.writeUInt32LE(0x2a2a, 0);
  rec.writeUInt32LE(size, 4);
  rec.writeBigUInt64LE(1n, 8);
  rec.writeBigUInt64LE(133000000000000000n, 16);
  body.copy(rec, 24);
  rec.writeUInt32LE(size, size - 4);
  const chunk = Buffer.alloc(0x10000);
  chunk.write('ElfChnk\0', 0, 'latin1');
  rec.copy(chunk, 512);
  chunk.writeUInt32LE(0x80, 0x28);
  chunk.writeUInt32LE(512, 0x2c);
  chunk.writeUInt32LE(512 + size, 0x30);
  chunk.writeUInt32LE(crc32(chunk.subarray(512, 512 + size)), 0x34);
  chunk.writeUInt32LE(crc32(chunk.subarray(0x80, 0x200), crc32(chunk.subarray(0, 0x78))), 0x7c);
  const header = Buffer.alloc(4096);
  header.write('ElfFile\0', 0, 'latin1');
  header.writeUInt32LE(0x80, 0x20);
  header.writeUInt16LE(1, 0x24);
  header.writeUInt16LE(3, 0x26);
  header.writeUInt16LE(4096, 0x28);
  header.writeUInt16LE(1, 0x2a);
  header.writeUInt32LE(crc32(header.subarray(0, 0x78)), 0x7c);
  return Buffer.concat([header, chunk]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** Name structure: u32 next, u16 hash, u16 chars, UTF-16, NUL. */
function name(s: string): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(s.length, 6);
  return Buffer.concat([b, Buffer.from(`${s}\0`, 'utf16le')]);
}

describe('hostile EVTX input', () => {
  test('a template that instantiates itself is refused: the record is kept with an error', () => {
    const log = rawLog((at) => {
      const def = at + 4 + 10; // definition right after the instance header
      const inner = Buffer.concat([Buffer.from([0x0f, 1, 1, 0, 0x0c, 1]), u32(1), u32(def), Buffer.from([0])]);
      return Buffer.concat([Buffer.from([0x0f, 1, 1, 0, 0x0c, 1]), u32(1), u32(def), u32(0), Buffer.alloc(16), u32(inner.length), inner, u32(0), Buffer.from([0])]);
    });
    const { events, state } = read(log);
    expect(events).toHaveLength(1);
    expect(events[0]!.error).toMatch(/instantiates itself/);
    expect(state.warnings[0]).toMatch(/record 1 .*instantiates itself/);
  });

  test(`elements nested deeper than ${MAX_DEPTH} are refused`, () => {
    const log = rawLog((at) => {
      const parts: Buffer[] = [Buffer.from([0x0f, 1, 1, 0])];
      let pos = at + 4;
      const nameAt = pos + 11;
      for (let i = 0; i < 200; i++) {
        const open = Buffer.concat([Buffer.from([0x01, 0xff, 0xff]), u32(0), u32(nameAt)]);
        parts.push(open);
        pos += open.length;
        if (i === 0) {
          const n = name('a');
          parts.push(n);
          pos += n.length;
        }
        parts.push(Buffer.from([0x02]));
        pos += 1;
      }
      return Buffer.concat(parts);
    });
    const { events } = read(log);
    expect(events[0]!.error).toMatch(/nesting deeper than/);
  });

  test('a lying substitution count is refused, not allocated', () => {
    const buf = Buffer.from(securityLog());
    const def = buf.readUInt32LE(RECORDS + 24 + 4 + 6);
    const countAt = CHUNK + def + 24 + buf.readUInt32LE(CHUNK + def + 20);
    buf.writeUInt32LE(0xffffffff, countAt);
    const { events, state } = read(buf);
    expect(events[0]!.error).toMatch(/substitutions \(limit/);
    expect(events[1]!.recordId).toBe(102); // the next record has its own template and reads fine
    expect(state.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/record data checksum mismatch/)]));
  });

  test('truncation at every 997th byte: never throws, records never invented', () => {
    const full = securityLog();
    for (let cut = 0; cut < full.length; cut += 997) {
      const { events } = read(full.subarray(0, cut));
      expect(events.length).toBeLessThanOrEqual(2);
    }
  });

  test('garbage chunks are skipped with a warning; an all-zero one silently', () => {
    const log = securityLog();
    const garbage = Buffer.alloc(0x10000, 0x41);
    const { events, state } = read(Buffer.concat([log, Buffer.alloc(0x10000), garbage]));
    expect(events).toHaveLength(2);
    expect(state.warnings).toEqual(['chunk 2 at offset 135168: bad signature, skipped']);
  });

  test('a run of garbage chunks is one warning; a run broken by an all-zero chunk is two; each still counts', () => {
    const log = securityLog();
    const garbage = Buffer.alloc(0x10000, 0x41);
    const { events, state } = read(Buffer.concat([log, garbage, garbage, garbage, Buffer.alloc(0x10000), garbage]));
    expect(events).toHaveLength(2);
    expect(state.warnings).toEqual(['chunks 1-3 at offsets 69632-200704: bad signature, skipped (3 chunks)', 'chunk 5 at offset 331776: bad signature, skipped']);
    expect(state.badChunks).toBe(4);
  });

  test('not EVTX: parse says "not mine"', async () => {
    const ctx: ArtifactContext = { relPath: 'x.evtx', name: 'x.evtx', head: Buffer.from('hello'), size: 5, format: null };
    expect(await evtxParser.parse(bufferSource(Buffer.from('hello')), ctx)).toBeNull();
  });
});
