#!/bin/sh
# Central triage of collections from many hosts (docs/ci-and-fleet.md):
#   scripts/fleet-scan.sh COLLECTIONS_DIR OUT_DIR [extra scan options...]
# COLLECTIONS_DIR holds one entry per host: a Velociraptor offline-collector or hunt-upload ZIP,
# a KAPE VHDX, a disk image (E01, raw, vmdk, qcow2) or a mounted/extracted directory. For each,
# OUT_DIR gets HOST.json (the case record), HOST.html (the report), HOST.stderr, and a line in
# summary.tsv: host, exit code, verdict, findings, highest level. Exit: 2 if any scan failed,
# else 1 if any reached --fail-on (default high), else 0.
# STAGEHUNT may name the binary (default: this checkout's bin/stagehunt.js under node; the SEA
# binary build/exe/stagehunt-linux-x64 works the same).
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 COLLECTIONS_DIR OUT_DIR [scan options...]" >&2
  exit 2
fi
in=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
stagehunt=${STAGEHUNT:-"node $here/bin/stagehunt.js"}
mkdir -p "$out" || exit 2
printf 'host\texit\tverdict\tfindings\thighest\n' > "$out/summary.tsv"
status=0
for item in "$in"/*; do
  [ -e "$item" ] || continue
  base=$(basename "$item")
  host=${base%.*}
  [ -d "$item" ] && host=$base
  rc=0
  # shellcheck disable=SC2086 # $stagehunt may be "node path"
  $stagehunt scan "$item" --format json --output "$out/$host.json" --report "$out/$host.html" \
    --case "fleet $(basename "$in")" --fail-on high --quiet "$@" 2> "$out/$host.stderr" || rc=$?
  if [ "$rc" -eq 2 ] || [ ! -s "$out/$host.json" ]; then
    printf '%s\t%s\t%s\t\t\n' "$host" "$rc" "scan failed: $(head -n 1 "$out/$host.stderr")" >> "$out/summary.tsv"
    status=2
    continue
  fi
  [ "$rc" -eq 1 ] && [ "$status" -eq 0 ] && status=1
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write([process.argv[2], process.argv[3], r.summary.verdict, r.summary.findings, r.summary.highestLevel ?? "none"].join("\t") + "\n");
  ' "$out/$host.json" "$host" "$rc" >> "$out/summary.tsv"
done
exit $status
