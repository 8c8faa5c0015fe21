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
  /**
   * EWF chunk table entries kept in memory (4 bytes each, 4 MiB: the tables of 32 GiB of media at
   * 32 KiB chunks, and always the table being read). A chunk's entry read on its own cost a read
   * system call per chunk once a scan's reads spread over a table (docs/performance.md "EWF chunks
   * decoded ahead by a worker thread, and table entries read once per table").
   */
  ewfTableEntriesKept: 1 << 20,
  /**
   * Directory entries a file system keeps listed for looking names up again (DirectoryFs's lookup
   * indexes, the image file systems' listing cache), the least recently used folders let go first.
   */
  heldListingEntries: 200_000,
  /** Entries listed per archive before the listing is marked truncated. */
  maxArchiveEntries: 200_000,
  /** Longest name (bytes) kept from an archive entry, path, registry name or history line. */
  maxNameBytes: 32 * 1024,
  /**
   * Total characters of entry names kept per archive listing (200,000 ordinary names fit): one
   * tar global pax `path=` names every entry, so the per-name cap alone still multiplies.
   */
  maxListedNameBytes: 16 * 1024 * 1024,
  /**
   * History lines read per file: `parse` and `explain` the first ones; a scan the first and the last
   * as many (the middle of a longer history counted, not read: src/artifacts/history/parse.ts);
   * `parse --format jsonl` all of them (up to maxTextArtifactBytes).
   */
  maxHistoryLines: 1_000_000,
  /** Longest command kept from continued history lines (zsh backslash, PSReadLine backtick). */
  maxHistoryCommandChars: 64 * 1024,
  /** Bytes read from a history or text artifact. */
  maxTextArtifactBytes: 256 * 1024 * 1024,
  /** Bytes of a compressed stream decompressed to peek at what sits inside. */
  maxDecompressPeekBytes: 64 * 1024,
  /** Registry: keys and values visited per hive, and the subkey-list nesting depth. */
  maxRegistryKeys: 5_000_000,
  maxRegistryValues: 20_000_000,
  maxRegistryDepth: 512,
  /** Registry: bytes of one value's data kept (bigger values are sampled: the head is kept). */
  maxRegistryValueBytes: 4 * 1024 * 1024,
  /** Registry: value bytes materialised per hive; past it each value keeps a 256-byte head. */
  maxRegistryHiveDataBytes: 64 * 1024 * 1024,
  /**
   * Registry transaction logs (src/artifacts/regf/logs.ts): distinct hive bytes a replay lays over
   * the primary file (held in memory), and log entries read per log (a real log holds tens to a few
   * thousand; each entry is at least 512 bytes).
   */
  maxHiveReplayBytes: 64 * 1024 * 1024,
  maxHiveLogEntries: 200_000,
  /** Registry: longest key path (characters); a deeper subtree is left out with a warning. */
  maxRegistryKeyPathChars: 32 * 1024,
  /** Registry: characters of key paths emitted per hive (each key and value carries its path). */
  maxRegistryPathCharsTotal: 256 * 1024 * 1024,
  /**
   * Directory depth the walker descends before recording an error (EDEPTH) for the subtree, and
   * the longest display path (characters) it enters (ENAMETOOLONG for the subtree): Windows paths
   * stop at 32,767 characters; deeper trees are reached through directory handles (evidence/paths.ts).
   */
  maxWalkDepth: 10_000,
  maxPathChars: 32_767,
  /**
   * INFO2 record slots read per file (160 MB of 800-byte records; the rest is not read): reading
   * a million slots (800 MB) took 4 s on a loaded 2-core machine, and no real bin holds that many.
   */
  maxInfo2Records: 200_000,
  /** INFO2 records kept per file (the rest are counted): a real Recycle Bin holds far fewer. */
  maxInfo2RecordsKept: 10_000,
  /** NTFS (src/evidence/image/ntfs, src/artifacts/ntfs): MFT records visited per volume or $MFT file. */
  maxMftRecords: 16_000_000,
  /** NTFS: runs decoded per attribute runlist (a real 1 TB file rarely has more than a few thousand). */
  maxNtfsRuns: 262_144,
  /** NTFS: bytes of an $ATTRIBUTE_LIST read, and parent hops followed when building a path. */
  maxNtfsAttributeListBytes: 4 * 1024 * 1024,
  maxNtfsPathDepth: 1024,
  /** NTFS: children kept per directory listing. */
  maxNtfsDirectoryEntries: 1_000_000,
  /**
   * NTFS $I30 (src/evidence/image/ntfs/indx.ts): bytes of one directory's index allocation read
   * (a directory of a million names has about 150 MB), and entries kept from one index.
   */
  maxIndexStreamBytes: 256 * 1024 * 1024,
  maxIndexEntries: 2_000_000,
  /**
   * Volume shadow copies (src/evidence/image/vss): stores read per volume (Windows keeps at most 64
   * by default, 512 at most), catalog blocks followed, and block descriptors kept per store (each
   * names 16 KiB the store saved: 1,000,000 are 16 GiB of old data, about 120 MB of memory).
   */
  maxShadowCopies: 64,
  maxVssCatalogBlocks: 256,
  maxVssDescriptorsPerStore: 1_000_000,
  /**
   * Block descriptors of all the stores of one volume (about 40 bytes of memory each: 160 MB; 64 GiB
   * of saved data). A copy reads through every newer store, so the oldest copies are left out first.
   */
  maxVssDescriptorsPerVolume: 4_000_000,
  /** Records an array-returning parse keeps for a streamed artifact ($MFT, $J); `parse --format jsonl` streams them all. */
  maxKeptStreamRecords: 200_000,
  /** EVTX: records read per file, and warnings kept per file (a wrecked log warns once per record). */
  maxEvtxRecords: 20_000_000,
  /** EVTX records a scan holds in memory per log for detection (a default-size Security.evtx has ~50,000). */
  maxEvtxRecordsHeld: 1_000_000,
  maxEvtxWarnings: 1000,
  /** Slack records of one log whose template is overwritten and not yet seen elsewhere in the log, kept (chunk and offset: 16 bytes each) to be tried again with the whole log's templates; past this they are counted unreadable. */
  maxEvtxDeferredSlack: 100_000,
  /** Template ids of one log whose place is noted for lending to slack records (20 bytes each); a log past it lends only the first ones. */
  maxEvtxTemplateIds: 65_536,
  /**
   * Sigma index (artifacts/evtx/sigma-index.ts): units of needed text per field's automaton. The
   * SigmaHQ checkout needs 25,271 for CommandLine; a rule set past the bound has its further rules
   * tried on every record instead (slower, the same matches), not an automaton of gigabytes.
   */
  maxSigmaIndexUnitsPerField: 400_000,
  /**
   * Sigma correlations (artifacts/evtx/sigma-correlation.ts): matches of the rules they read kept per
   * root (about 200 bytes each), and the steps an ordered search may take over them (a temporal_ordered
   * window is searched from each match of its first rule: quadratic on a hostile log without a bound).
   */
  maxSigmaCorrelationHits: 500_000,
  maxSigmaCorrelationSteps: 50_000_000,
  /** Findings of one kind kept per artifact before summarising. */
  maxFindingsPerArtifact: 10_000,
  /** scan: low/info findings listed per rule and directory before the rest are folded into one summary finding (--keep-all-low: all). */
  foldLowFindingsAfter: 50,
  /**
   * Isolated parsing (src/pipeline/isolate.ts): files of this size or more, and hives, INFO2, tar
   * and histories of any size, are inspected in a worker with this heap and this time budget;
   * over either, the artifact gets an error entry and the scan goes on.
   */
  isolateFromBytes: 4 * 1024 * 1024,
  isolatedHeapMb: 256,
  isolatedParseMs: 30_000,
  /**
   * The walk does not wait for the isolated worker (pipeline/in-order.ts): at most this many files
   * out to it (each holds its descriptor open) and this many results waiting to be kept in walk
   * order, beyond which the walk waits.
   */
  isolatedAhead: 16,
  keptAhead: 4096,
  /**
   * A directory walk opens its files and reads their heads on another thread (evidence/read-ahead.ts)
   * once it has inspected this many: its start (40-90 ms of this thread and 10-13 MB) pays once
   * about 3,000 more files are read ahead (a 3,000-file tree 0.07 s slower, a 10,000-file one 0.12 s
   * faster: docs/performance.md "Image blocks fetched ahead from the first read"). A file system of
   * an image with room for this many files ($MFT records) has its blocks fetched ahead from its first
   * read (pipeline/scan.ts startReadAheadIfLarge).
   */
  readAheadAfterFiles: 2_048,
  /**
   * The same, when the read-ahead worker already runs on standby (bin/stagehunt.js started it for
   * `scan`): its start is paid, so it takes over after a few files (a 3,000-file tree 0.07 s and a
   * 10,000-file one 0.08 s faster than after 2,048: docs/performance.md "Session 34").
   */
  readAheadWithStandbyAfterFiles: 64,
  /**
   * A pass over a whole $MFT reads this many bytes of records at a time (ntfs/stream.ts
   * recordReader); over an image that fetches ahead, the next window is hinted while one is parsed.
   */
  mftPassWindowBytes: 1024 * 1024,
  /** The inspection pool (pipeline/pool.ts, --jobs): heap per worker, files per batch, batches out per worker. */
  poolHeapMb: 512,
  poolBatchFiles: 64,
  poolBatchesPerWorker: 3,
  /** Tar inside a compressed stream (compressed/inner-tar.ts): compressed bytes read, decompressed bytes walked, time, entries. */
  maxInnerTarInputBytes: 64 * 1024 * 1024,
  maxInnerTarOutputBytes: 256 * 1024 * 1024,
  maxInnerTarFlatBytes: 16 * 1024 * 1024,
  /** CPU milliseconds (process user + system) one inner-tar listing may spend decompressing. */
  maxInnerTarMs: 3000,
  maxInnerTarEntries: 10_000,
  /**
   * Archives inside archives (archive/nested.ts): levels opened below the file, archives listed per
   * file (all levels), bytes one inner archive may decompress to, and bytes decompressed per file in all.
   */
  maxNestedArchiveDepth: 3,
  maxNestedArchives: 32,
  nestedArchiveBytes: 64 * 1024 * 1024,
  nestedArchivesTotalBytes: 64 * 1024 * 1024,
  // execution artifacts (Prefetch, Amcache, AppCompatCache: issue 15 part A)
  /** Prefetch: decompressed size of a MAM file (real ones are below 1 MiB), and bytes read of an uncompressed one. */
  maxPrefetchBytes: 16 * 1024 * 1024,
  /** Prefetch: file names, volumes and directory strings kept per file. */
  maxPrefetchFilenames: 65_536,
  maxPrefetchVolumes: 256,
  maxPrefetchDirectories: 65_536,
  /** AppCompatCache entries read from one value (Windows keeps 1024). */
  maxShimCacheEntries: 65_536,
  // Access artifacts (issue 15 part B: LNK, Jump Lists, ShellBags).
  /** Bytes of a .lnk read (real links are a few KiB; the format has no field above 64 KiB but ExtraData). */
  maxLnkBytes: 1024 * 1024,
  /** Bytes of a Jump List read, and entries (DestList entries, LNK streams, CustomDestinations links) kept per file. */
  maxJumpListBytes: 64 * 1024 * 1024,
  maxJumpListEntries: 10_000,
  /** ShellBags: BagMRU nesting followed (a real tree is a few tens deep) and entries kept per hive. */
  maxShellBagDepth: 64,
  maxShellBagEntries: 100_000,
  /** ComDlg32 entries read from one hive (Windows keeps 20-25 per list; more is damage or a trap). */
  maxComDlg32Entries: 20_000,
  // YARA (--yara: docs/yara.md)
  /** Default of --yara-max-size: files larger are not scanned by the rules (counted in meta.yara.tooLarge); THOR's and Loki's defaults are 30 MB and 5 MB. */
  yaraMaxFileBytes: 32 * 1024 * 1024,
  /** Default of --yara-timeout: one file's scan, in ms, before its worker is ended (YARA-X's own timeout does not run in WebAssembly). */
  yaraTimeoutMs: 10_000,
  /** Default of --yara-members: members of one archive given to the rules (each is a scan: docs/yara.md "Archive members"). */
  yaraMaxMembers: 1000,
  /** Bytes decompressed in memory for the rules from one archive in all (at least --yara-max-size): a bomb stops here. */
  yaraArchiveBytes: 128 * 1024 * 1024,
  /** The largest PPMd model memory a 7z block may ask for to be decoded (7-Zip's -mx9 asks 192 MiB; its largest is 4 GiB): the model is one array of that size. */
  maxPpmdModelBytes: 256 * 1024 * 1024,
  /** Files whose scan timed out before the scan stops applying the rules (each costs the time limit and a new compile). */
  yaraMaxTimeouts: 20,
  /** Longest the rules' compile may take (a worker that never answers: its module missing or out of memory). */
  yaraCompileMs: 120_000,
  /** Matches YARA-X keeps per pattern (its default is 1,000,000: a reply of hundreds of MB); a condition counting more than this many sees this many. */
  yaraMaxMatchesPerPattern: 10_000,
  /** Files one YARA worker scans before it is replaced: YARA-X's WebAssembly build keeps about 70 KB per scan that nothing frees (docs/yara.md "Cost"). */
  yaraFilesPerWorker: 500,
  /** YARA workers, at most one per core: YARA-X's cost per file is in the worker, and the walk goes on while they scan. */
  yaraWorkers: 2,
  /** Heap of the YARA worker in MB (its matches as JS objects; the rules live in WebAssembly memory). */
  yaraWorkerHeapMb: 512,
  /** Rule files read from --yara directories, and bytes of one rule file. */
  maxYaraRuleFiles: 10_000,
  maxYaraRuleFileBytes: 16 * 1024 * 1024,
} as const;
