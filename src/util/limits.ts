/**
 * Every bound on attacker-controlled lengths and counts, in one place (docs/hostile-input.md).
 * Hitting a limit means "truncated / unknown" plus a warning, never a crash or a hang.
 */
export const LIMITS = {
  /** Bytes read from the start of every file for magic detection (file-type wants 4100). */
  headBytes: 4100,
  /** Size of each entropy sample (head, middle, tail). */
  entropySampleBytes: 16 * 1024,
  /** Largest single read any parser may ask a ByteSource for. */
  maxReadBytes: 64 * 1024 * 1024,
  /** Entries listed per archive before the listing is marked truncated. */
  maxArchiveEntries: 200_000,
  /** Longest name (bytes) kept from an archive entry, path, registry name or history line. */
  maxNameBytes: 32 * 1024,
  /** History lines read per file. */
  maxHistoryLines: 1_000_000,
  /** Bytes read from a history or text artifact. */
  maxTextArtifactBytes: 256 * 1024 * 1024,
  /** Bytes of a compressed stream decompressed to peek at what sits inside. */
  maxDecompressPeekBytes: 64 * 1024,
  /** Registry: keys and values visited per hive, and the subkey-list nesting depth. */
  maxRegistryKeys: 5_000_000,
  maxRegistryValues: 20_000_000,
  maxRegistryDepth: 512,
  /** Directory depth the walker descends before recording an error and stopping. */
  maxWalkDepth: 2048,
  /** Records kept per INFO2 file. */
  maxInfo2Records: 1_000_000,
  /** Findings of one kind kept per artifact before summarising. */
  maxFindingsPerArtifact: 10_000,
  /** Tar inside a compressed stream (compressed/inner-tar.ts): compressed bytes read, decompressed bytes walked, time, entries. */
  maxInnerTarInputBytes: 64 * 1024 * 1024,
  maxInnerTarOutputBytes: 256 * 1024 * 1024,
  maxInnerTarFlatBytes: 16 * 1024 * 1024,
  maxInnerTarMs: 3000,
  maxInnerTarEntries: 10_000,
} as const;
