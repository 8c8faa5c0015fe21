import { describe, expect, test } from '@jest/globals';
import { csvCell, decodeName, displayText, escapeControls, htmlEscape } from '../../src/util/text.js';

describe('neutralising attacker text', () => {
  test('terminal: ANSI escapes, CR, bidi overrides and NUL become visible escapes', () => {
    const evil = 'a\u001b[31mred\r\u202egpj.exe\u0000';
    const safe = escapeControls(evil);
    expect(safe).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(safe).toBe('a\\x1b[31mred\\x0d\\u202egpj.exe\\x00');
  });
  test('long names are shortened for display', () => {
    expect(displayText('x'.repeat(10_000), 50)).toHaveLength(50);
  });
  test('CSV: formulas neutralised, quotes and newlines quoted', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+cmd|/c calc')).toBe("'+cmd|/c calc");
    expect(csvCell('@SUM(1)')).toBe("'@SUM(1)");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('line\\x0abreak');
    expect(csvCell(null)).toBe('');
  });
  test('HTML: markup is escaped', () => {
    expect(htmlEscape('<script>alert(1)</script></svg>')).not.toMatch(/[<>]/);
  });
  test('names that are not valid UTF-8 keep their bytes visible', () => {
    expect(decodeName(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\\xffb');
    expect(decodeName(Buffer.from('café', 'utf8'))).toBe('café');
  });
});
