/**
 * ZIP-based documents and packages (OOXML, ODF, JAR, APK, NuGet, XPS, ...): not archives for
 * staging purposes. Decided from entry names only (first match wins, most specific first).
 */
export function packageTypeOf(names: readonly string[], fileName: string): string | null {
  const set = new Set(names.map((n) => n.replace(/\\/g, '/').replace(/^\.\//, '')));
  const has = (n: string) => set.has(n);
  const lower = fileName.toLowerCase();
  if (has('AndroidManifest.xml') && [...set].some((n) => /^classes\d*\.dex$/.test(n))) return 'apk';
  if (has('mimetype') && [...set].some((n) => n === 'META-INF/manifest.xml')) return 'odf';
  if (has('mimetype') && lower.endsWith('.epub')) return 'epub';
  if (has('[Content_Types].xml')) {
    if ([...set].some((n) => /\.nuspec$/i.test(n) && !n.includes('/'))) return 'nuget';
    if (has('FixedDocSeq.fdseq') || has('FixedDocumentSequence.fdseq') || lower.endsWith('.xps') || lower.endsWith('.oxps')) return 'xps';
    if ([...set].some((n) => /^(word|xl|ppt|visio)\//.test(n))) return 'ooxml';
    if ([...set].some((n) => /^AppxManifest\.xml$/i.test(n))) return 'appx';
    return 'opc';
  }
  if (has('META-INF/MANIFEST.MF')) {
    if (lower.endsWith('.war')) return 'war';
    if (lower.endsWith('.ear')) return 'ear';
    return 'jar';
  }
  if ([...set].some((n) => /\.dist-info\/(WHEEL|METADATA)$/.test(n))) return 'wheel';
  if (has('manifest.json') && lower.endsWith('.crx')) return 'crx';
  return null;
}
