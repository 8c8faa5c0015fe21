/**
 * IP address ranges written as CIDR (Sigma's `|cidr` modifier: `10.0.0.0/8`, `fe80::/10`), tested
 * with Node's own `net.BlockList` (its parser and its matching, IPv4-mapped IPv6 addresses
 * included); an address or range that `net.isIP` does not accept matches nothing.
 */
import { BlockList, isIP } from 'node:net';

const family = (address: string): 'ipv4' | 'ipv6' | null => {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
};

/** A test of addresses against any of `ranges` ("a.b.c.d/n", "x::/n", or an address alone); null when one of them is not a range. */
export function cidrTest(ranges: readonly string[]): ((address: string) => boolean) | null {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', prefix, ...extra] = range.trim().split('/');
    const f = family(address);
    if (!f || extra.length > 0) return null;
    if (prefix === undefined) list.addAddress(address, f);
    else {
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
      if (bits < 0 || bits > (f === 'ipv4' ? 32 : 128)) return null;
      list.addSubnet(address, bits, f);
    }
  }
  return (text) => {
    const address = text.trim();
    const f = address.length <= 64 ? family(address) : null;
    return f !== null && list.check(address, f);
  };
}
