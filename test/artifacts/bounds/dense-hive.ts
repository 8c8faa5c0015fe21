/**
 * A dense NTUSER-like tree for fixtures/lib/regf-writer.mjs: `leaves` keys of three values each in
 * groups of 1,000 under Software, a staged ZIP in a binary value of group 20 (when there is one),
 * and a WinRAR archive history.
 */
export function denseTree(leaves: number): object {
  const groups = [];
  for (let g = 0; g * 1000 < leaves; g++) {
    const subkeys = [];
    for (let i = 0; i < 1000; i++) {
      const n = g * 1000 + i;
      subkeys.push({ name: `key-${n}`, values: [
        { name: 'Path', type: 'REG_SZ', data: `C:\\Users\\Public\\item-${n}.dat` },
        { name: 'Count', type: 'REG_DWORD', data: n },
        { name: 'Blob', type: 'REG_BINARY', data: Buffer.alloc(64, n & 0xff) },
      ] });
    }
    groups.push({ name: `group-${g}`, subkeys });
  }
  const zip = Buffer.alloc(40 * 1024);
  for (let i = 0; i < zip.length; i++) zip[i] = (i * 7919) & 0xff;
  Buffer.from('504b0304140000000800', 'hex').copy(zip);
  if (groups.length > 20) groups[20]!.subkeys[500]!.values.push({ name: 'Payload', type: 'REG_BINARY', data: zip });
  const winrar = { name: 'WinRAR', subkeys: [{ name: 'ArcHistory', values: [{ name: '0', type: 'REG_SZ', data: 'C:\\Users\\Public\\Libraries\\out.rar' }] }] };
  return { name: 'ROOT', subkeys: [{ name: 'Software', subkeys: [...groups, winrar] }] };
}
