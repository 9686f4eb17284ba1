// `linkback verify`: for what was sent, does the target show the post now (arXiv's trackback listing,
// a webmention status URL, or the target page linking back)? Records verified / not-yet in the state.
import type { Command } from 'commander';
import { LinkbackError, verify } from '../index.ts';
import type { VerifyReport } from '../index.ts';
import { addOutputFlags, settingsFor } from './common.ts';
import { addSettingFlags } from './flags.ts';
import { EXIT, paintFor } from './io.ts';
import type { CliIo } from './io.ts';

export function verifyCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const command = program
    .command('verify');
  const attributes = addSettingFlags(command, 'verify');
  addOutputFlags(command, { quiet: false })
    .addHelpText('after', `
Exit codes: 0 checked (whatever the targets show); 2 usage; 3 the state file cannot be used.

Examples:
  $ linkback verify
  $ linkback verify --state deploy/.linkback/state.json --json`)
    .action(async (parsed: Record<string, unknown>) => {
      const { options } = await settingsFor(io, parsed, attributes);
      const stop = new AbortController();
      const off = io.onSignal?.('SIGINT', () => stop.abort(new LinkbackError('ABORTED', 'SIGINT')));
      let report: VerifyReport;
      try {
        report = await verify(options, { signal: stop.signal });
      } finally {
        off?.();
      }
      if (parsed.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else io.stdout.write(`${formatVerify(report, paintFor(io.stdout, io.env, parsed.color), parsed.verbose === true)}\n`);
      done(report.error ? EXIT.state : stop.signal.aborted ? EXIT.sigint : EXIT.ok);
    });
  return command;
}

function formatVerify(report: VerifyReport, paint: ReturnType<typeof paintFor>, verbose: boolean): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (!verbose && r.result === 'verified') continue;
    const mark = r.result === 'verified' ? paint.green('✓') : r.result === 'not-yet' ? paint.yellow('…') : paint.red('✗');
    lines.push(`  ${mark} ${r.source}\n      -> ${r.target}\n      ${paint.dim(`${r.method} ${r.url}: ${r.message}`)}`);
  }
  const s = report.summary;
  lines.push(`${s.checked} checked · ${paint.green(`${s.verified} verified`)} · ${s.notYet} not yet · ${s.errors} could not be read · ${s.alreadyVerified} verified earlier`);
  if (report.error) lines.push(paint.red(`stopped: ${report.error.message}`));
  return lines.join('\n');
}
