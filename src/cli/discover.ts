// `linkback discover <url>`: which endpoint a page advertises and why, or why none.
import type { Command } from 'commander';
import { discover, formatDiscovery } from '../index.ts';
import { addOutputFlags, settingsFor } from './common.ts';
import { addSettingFlags } from './flags.ts';
import { EXIT, paintFor } from './io.ts';
import type { CliIo } from './io.ts';

export function discoverCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const command = program
    .command('discover')
    .argument('<url>', 'the target page, as a post links to it');
  const attributes = addSettingFlags(command, 'discover');
  addOutputFlags(command, { quiet: false })
    .addHelpText('after', `
It does what \`send\` does for one target (the arXiv rule, then fetching the page), with the same
settings, and sends nothing. Exit code: 0 when an endpoint was found, 1 when none (or the page could
not be read), 2 on a usage error.

Examples:
  $ linkback discover https://example.org/2024/some-post
  $ linkback discover https://arxiv.org/abs/1706.03762v7
  $ linkback discover http://localhost:8080/post --allow-private --json`)
    .action(async (url: string, parsed: Record<string, unknown>) => {
      const { options, config } = await settingsFor(io, parsed, attributes);
      if (parsed.verbose && config) io.stderr.write(`linkback: config ${config}\n`);
      // discover reads no site and no state: those settings (from a config file) do not apply.
      const { site: _site, state: _state, ...settings } = options;
      const report = await discover(url, settings);
      if (parsed.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else io.stdout.write(`${formatDiscovery(report, paintFor(io.stdout, io.env, parsed.color))}\n`);
      done(report.endpoint ? EXIT.ok : EXIT.failed);
    });
  return command;
}
