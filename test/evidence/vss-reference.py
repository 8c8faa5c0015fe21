"""
Reference for test/evidence/vss.test.ts: libvshadow's reading of a volume's shadow copies
(pyvshadow, Debian's python3-libvshadow). Prints one JSON line of the chunks compared, then one per
store: its metadata and the SHA-256 of each 1 MiB chunk of the store's volume that lies over data
of the (sparse) image file, or of every chunk with --all. With --export DIR, also writes each
store's volume to DIR/vssN.raw as a sparse file (for fls).
"""
import pyvshadow, hashlib, json, os, sys
class Window:
    def __init__(self, path, offset):
        self.f = open(path, 'rb'); self.base = offset
        self.size = os.fstat(self.f.fileno()).st_size - offset; self.pos = 0
    def read(self, n=-1):
        if n < 0: n = self.size - self.pos
        self.f.seek(self.base + self.pos); b = self.f.read(n); self.pos += len(b); return b
    def seek(self, off, whence=0):
        self.pos = off if whence == 0 else self.pos + off if whence == 1 else self.size + off
    def tell(self): return self.pos
    def get_size(self): return self.size
path, offset = sys.argv[1], int(sys.argv[2])
every = '--all' in sys.argv
export = sys.argv[sys.argv.index('--export') + 1] if '--export' in sys.argv else None
w = Window(path, offset)
v = pyvshadow.volume(); v.open_file_object(w)
fd = os.open(path, os.O_RDONLY); end = os.fstat(fd).st_size
chunks = []; pos = 0; M = 1 << 20
if every:
    chunks = list(range(0, end - offset, M)); pos = end
while pos < end:
    try: d = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError: break
    h = os.lseek(fd, d, os.SEEK_HOLE)
    s = max(0, (d - offset) // M * M); e = (h - offset + M - 1) // M * M
    for c in range(s, max(s, e), M):
        if not chunks or chunks[-1] < c: chunks.append(c)
    pos = h
print(json.dumps({'chunks': len(chunks)}))
for i in range(v.number_of_stores):
    s = v.get_store(i)
    out = {}
    whole = hashlib.sha256()
    sink = open(os.path.join(export, 'vss%d.raw' % (i + 1)), 'wb') if export else None
    for c in chunks:
        if c >= s.volume_size: break
        b = s.read_buffer_at_offset(min(M, s.volume_size - c), c)
        out[c] = hashlib.sha256(b).hexdigest()
        whole.update(b)
        if sink and b.count(0) != len(b):
            sink.seek(c); sink.write(b)
    if sink:
        sink.truncate(s.volume_size); sink.close()
    print(json.dumps({'store': i + 1, 'identifier': s.identifier, 'copyIdentifier': s.copy_identifier, 'copySetIdentifier': s.copy_set_identifier,
                      'size': s.volume_size, 'created': s.creation_time.isoformat(), 'sha256': whole.hexdigest(), 'hashes': out}))
