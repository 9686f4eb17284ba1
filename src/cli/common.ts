// Flags every command shares, and reading settings for a command (config file < env < flags).
import { Option } from 'commander';
import type { Command } from 'commander';
import { resolveLayers } from '../config.ts';
import type { Resolved } from '../index.ts';
import type { CliIo } from './io.ts';
import { settingsFromFlags } from './flags.ts';

export function addOutputFlags(command: Command, options: { quiet: boolean }): Command {
  command
    .option('--json', 'print one JSON document on stdout instead of text for people')
    .option('--config <file>', 'config file to use instead of searching for linkback.config.* / package.json "linkback"')
    .option('--verbose', 'say more: the config file used, and details (see below)');
  if (options.quiet) command.addOption(new Option('--quiet', 'print only failures and the summary').conflicts('verbose'));
  return command.option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

export async function settingsFor(io: CliIo, parsed: Record<string, unknown>, attributes: ReadonlyMap<string, string>, extra: Record<string, unknown> = {}): Promise<Resolved> {
  return resolveLayers({
    cwd: io.cwd,
    env: io.env,
    flags: { ...settingsFromFlags(parsed, attributes), ...extra },
    ...(typeof parsed.config === 'string' ? { configFile: parsed.config } : {}),
  });
}
