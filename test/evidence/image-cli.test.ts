/** `stagehunt image` as a user runs it: container, partitions, listing, --verify, bad arguments. */
import { expect, test } from '@jest/globals';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { tskComparable } from './tsk.js';

const HAVE = corpusAvailable();

describeIf(HAVE, CORPUS_MISSING)('stagehunt image', () => {
  test('a split E01 with an MBR: partitions, listing = fls, --verify SUCCESS', () => {
    const r = runCli(['image', corpusPath('images/plaso/image-split.E01'), '--verify', '--list']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('container: ewf, media 1474560 bytes, 2 files');
    expect(r.stdout).toContain('image-split.E01#p2: slot 001:000, start 352, 2528 sectors, Linux (0x83): ext2');
    expect(r.stdout).toContain('verify: SUCCESS');
    expect(r.stdout).toContain('media md5:  38ea5af8a80e16e46c095c9110242fc0 (stored 38ea5af8a80e16e46c095c9110242fc0)');
    const listed = r.stdout.split('\n').filter((l) => l.startsWith('0|')).map((l) => l.replace('image-split.E01#p2/', '/'));
    expect(tskComparable(listed)).toEqual(tskComparable(readFileSync(corpusPath('images/plaso/image-split.E01.expected.fls-o352.body'), 'utf8').split('\n')));
  });

  test('--verify reports a MISMATCH (exit 1) when a chunk was altered', () => {
    const dir = tempDir('verify');
    try {
      const f = path.join(dir, 'ext2.E01');
      copyFileSync(corpusPath('images/dfvfs/ext2.E01'), f);
      const buf = readFileSync(f);
      // flip one byte inside the first chunk's compressed data (sectors section at the start)
      const at = buf.indexOf(Buffer.from('sectors')) + 76 + 40;
      buf[at] = buf[at]! ^ 0xff;
      writeFileSync(f, buf);
      const r = runCli(['image', f, '--verify']);
      expect(r.stdout).toMatch(/verify: MISMATCH/);
      expect(r.status).toBe(1);
    } finally {
      removeTree(dir);
    }
  });

  test('json: a differencing VHD names and reads its parent', () => {
    const r = runCli(['image', corpusPath('images/dfvfs/image-differential.vhd'), '-f', 'json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { container: { diskType: string; parentName: string }; files: string[]; volumes: Array<{ fileSystem: string }> };
    expect(j.container.diskType).toBe('differencing');
    expect(j.container.parentName).toBe('image.vhd');
    expect(j.files.map((f) => path.basename(f))).toEqual(['image-differential.vhd', 'image.vhd']);
    expect(j.volumes[0]!.fileSystem).toBe('ext2');
  });

  test('shadow copies are listed after their volume (text and json), and left out with --no-shadow-copies', () => {
    const image = corpusPath('images/plaso/vsstest.qcow2');
    const text = runCli(['image', image]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('vsstest.qcow2#vss1: shadow copy 1 of vsstest.qcow2, made 2013-12-03T06:35:09.7363787Z, store 600f0b69-5bdf-11e3-9d6c-005056c00008, machine infinity: ntfs');
    expect(text.stdout).toContain('vsstest.qcow2#vss2: shadow copy 2 of vsstest.qcow2, made 2013-12-03T06:37:48.9190583Z');
    const json = JSON.parse(runCli(['image', image, '-f', 'json']).stdout) as { volumes: Array<{ label: string; shadowCopy?: { of: string; shadowCopyId: string } }> };
    expect(json.volumes.map((v) => v.label)).toEqual(['vsstest.qcow2', 'vsstest.qcow2#vss1', 'vsstest.qcow2#vss2']);
    expect(json.volumes[1]!.shadowCopy).toMatchObject({ of: 'vsstest.qcow2', shadowCopyId: '4e3c03c2-7bc6-4288-ad96-c1eac1a55f71' });
    const live = runCli(['image', image, '--no-shadow-copies']);
    expect(live.stdout).not.toContain('#vss');
    // --list walks a copy as fls walks vshadowmount's vss1: syslog (later syslog.gz) is there
    expect(runCli(['image', image, '--list']).stdout).toContain('|vsstest.qcow2#vss1/syslog|35-1|');
  });

  test('a missing image: one line on stderr, exit 2', () => {
    const r = runCli(['image', '/nonexistent/x.E01']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/image not found/);
  });
});
