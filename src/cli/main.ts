// The command line: a thin layer over the public API. It owns argument parsing, where output goes,
// signals and exit codes — nothing else. Exit codes: 0 nothing failed (discover: an endpoint was found);
// 1 at least one notification failed, or the run stopped on a state write failure (discover: no endpoint);
// 2 usage or configuration error; 3 the state cannot be used (locked, corrupt, newer format, not
// writable); 130 / 143 interrupted by SIGINT / SIGTERM.
import { Command, CommanderError } from 'commander';
import { VERSION, isLinkbackError } from '../index.ts';
import { discoverCommand } from './discover.ts';
import { EXIT } from './io.ts';
import type { CliIo } from './io.ts';
import { baselineCommand, sendCommand } from './send.ts';
import { verifyCommand } from './verify.ts';
import { statusCommand } from './status.ts';

export { EXIT };
export type { CliIo };

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const done = (code: number) => {
    exitCode = code;
  };
  const program = new Command('linkback')
    .description('Send Webmention, Pingback and TrackBack notifications for a static site, exactly once.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (also: linkback <command> --help)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError(false)
    .addHelpText('after', `
Settings come from a config file (linkback.config.json, .mjs or .js, or a "linkback" key in package.json,
found upward from the current folder), then LINKBACK_* environment variables, then flags: later wins.

Examples:
  $ linkback send _site --dry-run                  what would be sent, nothing sent or recorded
  $ linkback send _site                            notify, once per post and target
  $ linkback discover https://example.org/post     which endpoint a page advertises, and why
  $ linkback status                                what the state file holds
  $ linkback baseline _site                        adopt on an existing blog: record all as done
  $ linkback verify                                did the targets list our posts?`);

  sendCommand(program, io, done);
  discoverCommand(program, io, done);
  statusCommand(program, io, done);
  baselineCommand(program, io, done);
  verifyCommand(program, io, done);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok; // --help, --version
      return EXIT.usage; // commander already printed its message to stderr
    }
    return reportFatal(error, io);
  }
}

function reportFatal(error: unknown, io: CliIo): number {
  if (isLinkbackError(error)) {
    io.stderr.write(`linkback: ${error.message}\n`);
    switch (error.code) {
      case 'USAGE':
      case 'CONFIG_INVALID':
      case 'SITE_NOT_FOUND':
      case 'NO_SITE_URL':
        return EXIT.usage;
      case 'ABORTED':
        return EXIT.sigint;
      default:
        return EXIT.state;
    }
  }
  io.stderr.write(`linkback: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failed;
}
