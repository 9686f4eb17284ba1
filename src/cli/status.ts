// `linkback status`: what the state file holds. Read-only; safe while a run is going on.
import type { Command } from 'commander';
import { formatStatus, readStatus } from '../index.ts';
import { addOutputFlags, settingsFor } from './common.ts';
import { addSettingFlags } from './flags.ts';
import { EXIT, paintFor } from './io.ts';
import type { CliIo } from './io.ts';

export function statusCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const command = program
    .command('status');
  const attributes = addSettingFlags(command, 'status');
  addOutputFlags(command, { quiet: false })
    .addHelpText('after', `
--verbose lists every failed and uncertain notification (else the newest 10 of each).
Exit code: 0, or 3 when the state file cannot be read.

Examples:
  $ linkback status
  $ linkback status --state deploy/.linkback/state.json
  $ linkback status --json | jq '.byStatus'`)
    .action(async (parsed: Record<string, unknown>) => {
      const { options, config } = await settingsFor(io, parsed, attributes);
      if (parsed.verbose) io.stderr.write(`linkback: ${config ? `config ${config}` : 'no config file'}\n`);
      const status = await readStatus(options.state as string);
      if (parsed.json) io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else io.stdout.write(`${formatStatus(status, paintFor(io.stdout, io.env, parsed.color), { now: new Date(), verbose: parsed.verbose === true })}\n`);
      done(EXIT.ok);
    });
  return command;
}
