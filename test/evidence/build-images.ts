/**
 * Builds small disk images in a temp directory with Debian tools that need no mount or root
 * (recipes of ../shared/corpus/images/HOWTO-generate.md): ext4 (mke2fs -d, debugfs, e2fsck -D),
 * FAT12/16/32 (mkfs.fat + mtools), exFAT (mkfs.exfat + our writer), MBR and GPT disks (sfdisk + dd), and the same disk in every
 * container (qemu-img convert, ewfacquire -u, split).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addExfatFiles, type ExfatFileSpec } from '../../fixtures/lib/exfat-writer.mjs';

export const IMAGE_TOOLS = ['mke2fs', 'debugfs', 'e2fsck', 'mkfs.fat', 'mcopy', 'mmd', 'mdel', 'sfdisk', 'qemu-img', 'ewfacquire', 'fls', 'icat', 'mmls'];

const ENV = { ...process.env, TZ: 'UTC', MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C' };
export function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { env: ENV, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString();
}

/** A source tree with what the readers must get right: long names, a 70000-byte file, a deep path, a symlink, many entries. */
export function sourceTree(dir: string): string {
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'dir', 'deep', 'deeper'), { recursive: true });
  mkdirSync(path.join(src, 'many'));
  writeFileSync(path.join(src, 'a.txt'), 'hello staging\n');
  writeFileSync(path.join(src, 'dir', 'big.txt'), 'A'.repeat(70000));
  writeFileSync(path.join(src, 'dir', 'deep', 'deeper', 'Long File Name With Spaces.txt'), 'deep\n');
  writeFileSync(path.join(src, 'todelete.txt'), 'to be deleted\n');
  writeFileSync(path.join(src, 'tiny'), 'x');
  // enough names for a multi-block directory (hashed by e2fsck -D)
  for (let i = 0; i < 300; i++) writeFileSync(path.join(src, 'many', `file-with-a-longer-name-${String(i).padStart(4, '0')}.dat`), `content ${i}\n`);
  symlinkSync('dir/big.txt', path.join(src, 'link-to-big'));
  const t = new Date('2020-01-02T03:04:05Z');
  for (const p of ['a.txt', 'dir/big.txt', 'todelete.txt', 'tiny', 'dir', '.']) utimesSync(path.join(src, p), t, t);
  return src;
}

export function buildExt4(dir: string, src: string, name = 'ext4.img', extra: string[] = [], type = 'ext4'): string {
  const img = path.join(dir, name);
  run('mke2fs', ['-q', '-F', '-t', type, '-b', '1024', '-L', 'STAGE', '-U', '01234567-89ab-cdef-0123-456789abcdef', '-E', 'root_owner=0:0,hash_seed=fedcba98-7654-3210-fedc-ba9876543210', ...extra, '-d', src, img, '8M']);
  try {
    run('e2fsck', ['-fyD', img]); // index (hash) the directories
  } catch {
    /* exit code 1 = "file system modified" */
  }
  run('debugfs', ['-w', '-f', '-', img], 'rm /todelete.txt\n'); // after e2fsck, which would compact the name away
  return img;
}

export function buildFat(dir: string, src: string, bits: 12 | 16 | 32): string {
  const img = path.join(dir, `fat${bits}.img`);
  const kib = bits === 12 ? 4096 : bits === 16 ? 16384 : 65536;
  run('mkfs.fat', ['-C', '--invariant', '-i', '12345678', '-n', 'STAGE', '-F', String(bits), img, String(kib)]);
  run('mmd', ['-i', img, '::/dir', '::/dir/deep', '::/many']);
  run('mcopy', ['-i', img, path.join(src, 'a.txt'), '::/a.txt']);
  run('mcopy', ['-i', img, path.join(src, 'dir', 'big.txt'), '::/dir/LongFileName-big.txt']);
  run('mcopy', ['-i', img, path.join(src, 'dir', 'deep', 'deeper', 'Long File Name With Spaces.txt'), '::/dir/deep/Long File Name With Spaces.txt']);
  run('mcopy', ['-i', img, path.join(src, 'todelete.txt'), '::/todelete.txt']);
  for (let i = 0; i < 40; i++) run('mcopy', ['-i', img, path.join(src, 'many', `file-with-a-longer-name-${String(i).padStart(4, '0')}.dat`), `::/many/`]);
  run('mdel', ['-i', img, '::/todelete.txt']);
  return img;
}

/**
 * An exFAT volume made by mkfs.exfat (4 KiB clusters, label STAGE) with `files` put in without a
 * mount by fixtures/lib/exfat-writer.mjs, checked clean by `fsck.exfat -n` (run throws otherwise).
 */
export function buildExfat(dir: string, name: string, mib: number, files: ExfatFileSpec[]): string {
  const img = path.join(dir, name);
  writeFileSync(img, Buffer.alloc(mib * 1024 * 1024));
  run('mkfs.exfat', ['-c', '4096', '-b', '65536', '-L', 'STAGE', img]); // 64 KiB alignment: small volumes too
  writeFileSync(img, addExfatFiles(readFileSync(img), files));
  run('fsck.exfat', ['-n', img]);
  return img;
}

/** A 16 MiB disk with an ext4 partition at 2048 and a 4 MiB FAT (logical on MBR) at 20480 (sectors), MBR or GPT. */
export function buildDisk(dir: string, ext4: string, fat: string, scheme: 'dos' | 'gpt'): string {
  const disk = path.join(dir, `${scheme}.raw`);
  writeFileSync(disk, Buffer.alloc(16 * 1024 * 1024));
  const table =
    scheme === 'dos'
      ? 'label: dos\nlabel-id: 0x12345678\nunit: sectors\nsector-size: 512\n\nstart=2048, size=16384, type=83\nstart=18432, size=14336, type=5\nstart=20480, size=8192, type=6\n'
      : 'label: gpt\nlabel-id: 01234567-89AB-CDEF-0123-456789ABCDEF\nunit: sectors\nsector-size: 512\n\nstart=2048, size=16384, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=11111111-1111-1111-1111-111111111111, name="linux"\nstart=20480, size=8192, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=22222222-2222-2222-2222-222222222222, name="data"\n';
  run('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', disk], table);
  run('dd', [`if=${ext4}`, `of=${disk}`, 'bs=512', 'seek=2048', 'conv=notrunc', 'status=none']);
  run('dd', [`if=${fat}`, `of=${disk}`, 'bs=512', 'seek=20480', 'count=8192', 'conv=notrunc', 'status=none']);
  return disk;
}

/** The disk in every container format; each decodes back to the raw disk. */
export function buildContainers(dir: string, disk: string): Record<string, string> {
  const out: Record<string, string> = {};
  const q = (fmt: string, name: string, opts: string[]): void => {
    const p = path.join(dir, name);
    run('qemu-img', ['convert', '-f', 'raw', '-O', fmt, ...opts, disk, p]);
    out[name] = p;
  };
  q('qcow2', 'disk.qcow2', []);
  q('vmdk', 'disk.vmdk', ['-o', 'subformat=monolithicSparse']);
  q('vmdk', 'disk-so.vmdk', ['-o', 'subformat=streamOptimized']);
  q('vmdk', 'disk-flat.vmdk', ['-o', 'subformat=monolithicFlat']);
  q('vpc', 'disk.vhd', ['-o', 'subformat=dynamic,force_size=on']);
  q('vpc', 'disk-fixed.vhd', ['-o', 'subformat=fixed,force_size=on']);
  q('vhdx', 'disk.vhdx', ['-o', 'subformat=dynamic']);
  run('ewfacquire', ['-u', '-q', '-t', path.join(dir, 'disk'), '-f', 'encase6', '-c', 'deflate:best', '-b', '64', '-S', '4MiB', '-C', 'case', '-D', 'description', '-e', 'examiner', '-E', 'evidence', '-N', 'notes', '-m', 'fixed', '-M', 'logical', disk], '');
  out['disk.E01'] = path.join(dir, 'disk.E01');
  // uncompressed chunks in 1 MiB segments: an E01..E17 set
  run('ewfacquire', ['-u', '-q', '-t', path.join(dir, 'segs'), '-f', 'encase6', '-c', 'none', '-b', '64', '-S', '1MiB', '-C', 'case', '-D', 'description', '-e', 'examiner', '-E', 'evidence', '-N', 'notes', '-m', 'fixed', '-M', 'logical', disk], '');
  out['segs.E01'] = path.join(dir, 'segs.E01');
  const raw = readFileSync(disk);
  for (let i = 0; i * 4194304 < raw.length; i++) writeFileSync(path.join(dir, `split.raw.${String(i).padStart(3, '0')}`), raw.subarray(i * 4194304, (i + 1) * 4194304));
  out['split.raw.000'] = path.join(dir, 'split.raw.000');
  return out;
}
