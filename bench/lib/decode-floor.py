#!/usr/bin/env python3
"""Decoding floor: the CPU the C libraries take for the decompression a scan's verdicts need.

stagehunt says whether a .gz, .bz2 or .xz stream holds a tar (and lists it) by decoding the
stream's start: the tar's first header is its first 512 decoded bytes. This script does only that
much of it, with the reference C libraries (zlib, libbz2, liblzma through Python's modules), on
every file of a tree that starts with the format's magic: a lower bound for any tool giving the
same verdicts, whatever its language. bzip2 has no shortcut: its first block (up to 900 kB) is
decoded whole before the first byte comes out (the block's Burrows-Wheeler transform and CRC).

Only the decoding calls are timed (CPU of this process around each call); walking, reading and
Python's start-up are not. Prints one JSON object (`seconds`: all kinds together).

    python3 bench/lib/decode-floor.py TREE
"""
import bz2
import json
import lzma
import os
import sys
import time
import zlib

HEAD = 512
# Input given to the decoder: enough for 512 decoded bytes of any stream (a whole bzip2 block
# compresses to at most about 900 kB; gzip and xz need far less for their first 512 bytes).
INPUT = {'bzip2': 1024 * 1024, 'gzip': 64 * 1024, 'xz': 128 * 1024}


def kind_of(head):
    if head[:3] == b'BZh' and head[3:4].isdigit() and head[4:10] == b'\x31\x41\x59\x26\x53\x59':
        return 'bzip2'
    if head[:3] == b'\x1f\x8b\x08':
        return 'gzip'
    if head[:6] == b'\xfd7zXZ\x00':
        return 'xz'
    return None


def decode(kind, data):
    if kind == 'bzip2':
        return bz2.BZ2Decompressor().decompress(data, max_length=HEAD)
    if kind == 'gzip':
        return zlib.decompressobj(31).decompress(data, HEAD)
    return lzma.LZMADecompressor().decompress(data, max_length=HEAD)


def main(root):
    totals = {k: {'files': 0, 'cpuSeconds': 0.0, 'errors': 0} for k in INPUT}
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                with open(path, 'rb') as f:
                    kind = kind_of(f.read(10))
                    if kind is None:
                        continue
                    f.seek(0)
                    data = f.read(INPUT[kind])
            except OSError:
                continue
            t = totals[kind]
            start = time.process_time()
            try:
                decode(kind, data)
            except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
                t['errors'] += 1
            t['cpuSeconds'] += time.process_time() - start
            t['files'] += 1
    for t in totals.values():
        t['cpuSeconds'] = round(t['cpuSeconds'], 4)
    print(json.dumps({'root': root, 'kinds': totals, 'seconds': round(sum(t['cpuSeconds'] for t in totals.values()), 4)}))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: decode-floor.py TREE')
    main(sys.argv[1])
