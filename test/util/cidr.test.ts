/**
 * Sigma's |cidr ranges: an address of either family inside any range, the ranges and addresses as
 * Node's net module parses them; what is not a range refuses the rule, what is not an address
 * matches nothing.
 */
import { describe, expect, test } from '@jest/globals';
import { cidrTest } from '../../src/util/cidr.js';
import { prng } from '../helpers/random.js';

describe('cidrTest', () => {
  test('private, loopback and link-local ranges of both families, as SigmaHQ writes them', () => {
    const local = cidrTest(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7'])!;
    for (const a of ['127.0.0.1', '10.255.0.1', '172.31.255.255', '192.168.1.20', '169.254.3.4', '::1', 'fe80::1c2a:3f%12', 'fd12:3456::9', ' 10.0.0.1 '])
      expect({ a, in: local(a) }).toEqual({ a, in: true });
    for (const a of ['172.32.0.1', '8.8.8.8', '11.0.0.1', '2001:db8::1', 'fec0::1', '', 'localhost', '10.0.0', '10.0.0.1.5', '1'.repeat(100)])
      expect({ a, in: local(a) }).toEqual({ a, in: false });
    expect(cidrTest(['203.0.113.7'])!('203.0.113.7')).toBe(true);
    expect(cidrTest(['203.0.113.7'])!('203.0.113.8')).toBe(false);
  });

  test('the prefix is honoured bit by bit (generated ranges against a mask computed here)', () => {
    const rnd = prng(5);
    for (let t = 0; t < 2000; t++) {
      const net = Array.from({ length: 4 }, () => Math.floor(rnd() * 256));
      const bits = Math.floor(rnd() * 33);
      const addr = net.map((o) => (rnd() < 0.5 ? o : Math.floor(rnd() * 256)));
      const asNumber = (o: number[]) => ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      const want = ((asNumber(net) & mask) >>> 0) === ((asNumber(addr) & mask) >>> 0);
      expect({ net, bits, addr, got: cidrTest([`${net.join('.')}/${bits}`])!(addr.join('.')) }).toEqual({ net, bits, addr, got: want });
    }
  });

  test('what is not a range is refused', () => {
    for (const r of ['10.0.0.0/33', 'fe80::/129', '10.0.0.0/x', '10.0.0/8', 'not an ip', '10.0.0.0/8/9', '']) expect({ r, test: cidrTest([r]) }).toEqual({ r, test: null });
  });
});
