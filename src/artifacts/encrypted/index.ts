/** Encrypted containers: OpenPGP, age, OpenSSL Salted__, password-protected Office, high-entropy blobs. */
import type { ArchiveParser } from '../archive/summary.js';
import { archiveDetector } from '../archive/detect.js';
import { CONTAINER_CLAIMS, parseEncrypted, sniffContainer } from './parse.js';

export const encryptedParser: ArchiveParser = {
  id: 'encrypted',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: 'encrypted containers (OpenPGP, age, OpenSSL, ECMA-376/RC4 Office) and headerless high-entropy files',
  claims: CONTAINER_CLAIMS,
  matches: (ctx) => sniffContainer(ctx.head, ctx.size, ctx.format) !== null,
  parse: parseEncrypted,
  detect: archiveDetector,
};
