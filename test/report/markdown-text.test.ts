/** Markdown evidence text: readable raw, inert when rendered (only what breaks is escaped). */
import { describe, expect, it } from '@jest/globals';
import { mdCode, mdText } from '../../src/report/markdown-text.js';

describe('mdText: escape only what changes the rendering', () => {
  it.each([
    ['Users/alice/AppData/Roaming/out/merger-plan.v2.docx', 'Users/alice/AppData/Roaming/out/merger-plan.v2.docx'],
    ['C:\\Users\\Public\\Libraries\\bk.part1.rar (2 volumes)', 'C:\\Users\\Public\\Libraries\\bk.part1.rar (2 volumes)'],
    ['$Recycle.Bin/S-1-5-21-1', '$Recycle.Bin/S-1-5-21-1'],
    ['$Recycle.Bin/S-1-5/$IK3J9QZ.rar', '\\$Recycle.Bin/S-1-5/\\$IK3J9QZ.rar'],
    ['snake_case_name.txt', 'snake_case_name.txt'],
    ['_hidden_', '\\_hidden\\_'],
    ['a *bold* [link](http://x.test) `code`', 'a \\*bold\\* \\[link\\](http://x.test) \\`code\\`'],
    ['x|y', 'x\\|y'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['AT&T &amp; co', 'AT&T &amp;amp; co'],
    ['C:\\*', 'C:\\\\\\*'],
    ['# not a heading', '\\# not a heading'],
    ['- not a list', '\\- not a list'],
    ['1. not a list', '1\\. not a list'],
    ['~~struck~~ ~/.bash_history', '\\~\\~struck\\~\\~ ~/.bash_history'],
    ['evil\u001b[31m', 'evil\\x1b\\[31m'],
  ])('%s', (raw, md) => {
    expect(mdText(raw)).toBe(md);
  });
});

describe('mdCode: paths and commands shown exactly', () => {
  it.each([
    ['$Recycle.Bin/S-1-5/$IK3J9QZ.rar', '`$Recycle.Bin/S-1-5/$IK3J9QZ.rar`'],
    ['a`b', '``a`b``'],
    ['`x`', '`` `x` ``'],
    ['x|y', '`x\\|y`'],
    ['<img src=x>', '&lt;img src=x&gt;'],
    ['', ''],
  ])('%s', (raw, md) => {
    expect(mdCode(raw)).toBe(md);
  });
});
