/**
 * Archives inside archives: a member named like an archive (`docs.zip` in `backup.7z`) is
 * decompressed in memory (members.ts, never to disk), listed by the same archive parsers, and its
 * entries join the outer archive's as `archive-entry` records named `<member>/<entry>` with
 * `nestedIn` (docs/archives.md "Archives inside archives"). The content rules then see what the outer
 * listing hides behind one name, and an encrypted archive inside a plain one is said. Levels, archives,
 * bytes and records are bounded (LIMITS.maxNestedArchive*, nestedArchive*Bytes); what is not listed is
 * said with why. Only names are followed: an archive named like something else stays a member.
 */
import { pushAll } from '../../util/arrays.js';
import { bufferSource, type ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import type { ArtifactContext } from '../types.js';
import { contentRecords } from './build.js';
import { archiveMembers } from './members.js';
import type { ArchiveEntryRecord, ArchiveParser, ArchiveResult, NestedArchives, NestedSkipReason } from './summary.js';

/** Member names that say "archive" (or encrypted container): the ones opened. */
const ARCHIVE_MEMBER_NAME = /\.(zip|7z|rar|cab|tar|tgz|tbz2?|txz|tzst|gz|bz2|xz|zst|lz4|gpg|pgp|age)$/i;
/** A member named like an archive or an encrypted container: the ones opened (also by the YARA rules' member scan). */
export function namedLikeArchive(memberPath: string): boolean {
  return ARCHIVE_MEMBER_NAME.test(memberPath);
}

/** Warnings of one inner archive carried to the outer one. */
const WARNINGS_PER_INNER = 3;

/** What the listings below one file have spent (shared by every level). */
interface Spent {
  archives: number;
  bytes: number;
}

/** An archive parser's `parse` that also lists the archives inside what it parsed. */
export function listingNested(parser: ArchiveParser, all: () => readonly ArchiveParser[]): ArchiveParser['parse'] {
  return async (src, ctx) => {
    const result = await parser.parse(src, ctx);
    return result ? withNestedArchives(result, src, ctx, all()) : result;
  };
}

/**
 * `result` (the archive `src`, named by `ctx`) with the archives inside it listed: their entries as
 * records after its own, and `facts.nested`. Unchanged when no member is named like an archive.
 */
export async function withNestedArchives(
  result: ArchiveResult,
  src: ByteSource,
  ctx: ArtifactContext,
  parsers: readonly ArchiveParser[],
  depth = 1,
  spent: Spent = { archives: 0, bytes: 0 },
): Promise<ArchiveResult> {
  const summary = result.facts;
  // A package (a .docx, a .jar) is not a collection: what it embeds is its own business.
  if (!summary || summary.packageType) return result;
  const wanted = new Set<string>();
  // Its contents: a stream holding a tar offers the tar's members, not the tar itself.
  for (const r of contentRecords(result.records)) {
    if (r.type === 'archive-entry' && !r.isDirectory && r.nestedIn === undefined && namedLikeArchive(r.name)) wanted.add(r.name);
  }
  if (wanted.size === 0) return result;

  const nested: NestedArchives = { listed: [], notListed: [], notListedCount: 0 };
  const notListed = (member: string, why: NestedSkipReason, detail: string): void => {
    nested.notListedCount++;
    if (nested.notListed.length < LIMITS.maxNestedArchives) nested.notListed.push({ member, why, detail });
  };
  const records: ArchiveEntryRecord[] = [];
  const warnings: string[] = [];
  const done = (): ArchiveResult => ({
    ...result,
    records: records.length ? [...result.records, ...records] : result.records,
    warnings: warnings.length ? [...result.warnings, ...warnings] : result.warnings,
    facts: { ...summary, nested },
  });
  if (depth > LIMITS.maxNestedArchiveDepth) {
    for (const member of wanted) notListed(member, 'depth', `more than ${LIMITS.maxNestedArchiveDepth} archives deep`);
    return done();
  }
  const listing = archiveMembers(src, ctx.name, {
    maxMembers: LIMITS.maxArchiveEntries,
    maxMemberBytes: LIMITS.nestedArchiveBytes,
    maxTotalBytes: Math.max(0, LIMITS.nestedArchivesTotalBytes - spent.bytes),
    packages: false,
  });
  if (!listing) {
    for (const member of wanted) notListed(member, 'not-opened', `${summary.format} members are not decompressed here`);
    return done();
  }
  let room = LIMITS.maxArchiveEntries - result.records.length;
  for (const m of listing.members) {
    if (!wanted.delete(m.path)) continue; // not named like an archive, or a second member of the same name
    if (spent.archives >= LIMITS.maxNestedArchives) {
      notListed(m.path, 'count', `more than ${LIMITS.maxNestedArchives} archives inside one file`);
      continue;
    }
    const bytes = m.load();
    if (!bytes.ok) {
      notListed(m.path, bytes.why, bytes.detail);
      continue;
    }
    spent.archives++;
    spent.bytes += bytes.data.length;
    const inner = await parseInner(bytes.data, m.path, ctx, parsers);
    if (!inner) {
      notListed(m.path, 'not-an-archive', 'no archive parser reads its bytes');
      continue;
    }
    const deeper = await withNestedArchives(inner.result, inner.src, inner.ctx, parsers, depth + 1, spent);
    const facts = deeper.facts!;
    const contents = contentRecords(deeper.records);
    nested.listed.push({
      member: m.path,
      depth: 1,
      format: facts.format,
      // A stream holding a tar: the tar's members, not the one stream.
      entryCount: facts.inner === 'tar' ? contents.filter((r) => r.type === 'archive-entry' && r.inner === 'tar').length : facts.entryCount,
      encryptedEntryCount: facts.encryptedEntryCount,
      headersEncrypted: facts.headersEncrypted,
      encryption: facts.encryption,
      truncated: facts.truncated || bytes.damaged !== undefined,
    });
    for (const d of facts.nested?.listed ?? []) nested.listed.push({ ...d, member: `${m.path}/${d.member}`, depth: d.depth + 1 });
    for (const s of facts.nested?.notListed ?? []) notListed(`${m.path}/${s.member}`, s.why, s.detail);
    nested.notListedCount += Math.max(0, (facts.nested?.notListedCount ?? 0) - (facts.nested?.notListed.length ?? 0));
    if (bytes.damaged) warnings.push(`${m.path}: ${bytes.damaged}`);
    for (const w of deeper.warnings.slice(0, WARNINGS_PER_INNER)) warnings.push(`${m.path}: ${w}`);
    for (const r of contents) {
      if (r.type !== 'archive-entry') continue;
      if (room-- <= 0) break;
      // Its `inner` (a tar inside a stream) belongs to the member, not to this archive's own contents.
      const { inner: _inner, ...entry } = r;
      records.push({ ...entry, name: `${m.path}/${r.name}`, nestedIn: r.nestedIn === undefined ? m.path : `${m.path}/${r.nestedIn}` });
    }
  }
  for (const member of wanted) notListed(member, 'not-opened', listing.members.length >= LIMITS.maxArchiveEntries ? 'past the members read' : 'its bytes were not found among the members read');
  if (listing.warnings.length) pushAll(warnings, listing.warnings.slice(0, WARNINGS_PER_INNER).map((w) => `archives inside: ${w}`));
  return done();
}

/** The first archive parser that reads `data` (a member at `memberPath` of the archive `outer`). */
async function parseInner(
  data: Buffer,
  memberPath: string,
  outer: ArtifactContext,
  parsers: readonly ArchiveParser[],
): Promise<{ result: ArchiveResult; src: ByteSource; ctx: ArtifactContext } | null> {
  const slash = memberPath.lastIndexOf('/');
  const ctx: ArtifactContext = {
    relPath: `${outer.relPath}/${memberPath}`,
    name: slash >= 0 ? memberPath.slice(slash + 1) : memberPath,
    head: data.subarray(0, LIMITS.headBytes),
    size: data.length,
    format: null,
  };
  const src = bufferSource(data, ctx.relPath);
  for (const p of parsers) {
    if (!p.matches(ctx)) continue;
    try {
      const result = await p.parse(src, ctx);
      if (result) return { result, src, ctx };
    } catch {
      // A parser's fault on hostile bytes: the next parser may still read them; none does, it is said.
    }
  }
  return null;
}
