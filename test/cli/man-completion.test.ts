/** The man page is current with the CLI's help (scripts/man.mjs --check), and `completion` prints a working script. */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT, runCli } from '../helpers/cli.js';


describe('man page and shell completion', () => {
  it('man/stagehunt.1 is generated from the current --help (run npm run man when this fails)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'man.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const page = readFileSync(path.join(ROOT, 'man', 'stagehunt.1'), 'utf8');
    for (const option of ['\\-\\-timezone', '\\-\\-redact', '\\-\\-fail\\-on', 'COMMAND: REPORT']) expect(page).toContain(option);
  });

  it('completion prints a bash script, and completes commands and options', () => {
    const script = runCli(['completion']);
    expect(script.status).toBe(0);
    expect(script.stdout).toContain('complete -o bashdefault -o default -F _stagehunt_yargs_completions stagehunt');
    const commands = runCli(['--get-yargs-completions', 'stagehunt', '']);
    expect(commands.stdout.split('\n')).toEqual(expect.arrayContaining(['scan', 'report', 'explain', 'completion']));
    const options = runCli(['--get-yargs-completions', 'stagehunt', 'scan', '--ti']);
    expect(options.stdout.split('\n')).toContain('--timezone');
  });
});
