// The command line: a thin layer over the public API. It owns argument parsing, where output goes,
// signals and exit codes — nothing else. Exit codes: 0 nothing failed (discover: an endpoint was found);
// 1 at least one notification failed, or the run stopped on a state write failure (discover: no endpoint);
// 2 usage or configuration error; 3 the state cannot be used (locked, corrupt, newer format, not
// writable); 130 / 143 interrupted by SIGINT / SIGTERM.
import { Command, CommanderError } from 'commander';
import { isLinkbackError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { EXIT } from './io.ts';
import type { CliIo } from './io.ts';

export { EXIT };
export type { CliIo };

type Register = (program: Command, io: CliIo, done: (code: number) => void) => Command;

/**
 * The commands, in the order --help lists them. Only the command being run is loaded (with its flags, which
 * come from the options schema, and the library): `linkback --version`, `--help` and a mistyped command load
 * none of them, and each command loads what it needs (bench/ measures the cold start).
 */
const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Register> }>> = {
  send: {
    summary: 'notify every page the posts of a built site link to (once per post and target)',
    load: async () => (await import('./send.ts')).sendCommand,
  },
  discover: {
    summary: 'show which protocol and endpoint a page advertises, and why (which header or element) — or why none',
    load: async () => (await import('./discover.ts')).discoverCommand,
  },
  status: {
    summary: 'show what the state holds: counts by status and protocol, the last activity, failures and uncertain ones',
    load: async () => (await import('./status.ts')).statusCommand,
  },
  baseline: {
    summary: 'record everything the current site would send as already done, sending nothing (adopting linkback on an existing blog)',
    load: async () => (await import('./send.ts')).baselineCommand,
  },
  verify: {
    summary: 'check whether the targets of sent notifications now show the posts; record verified / not yet',
    load: async () => (await import('./verify.ts')).verifyCommand,
  },
  serve: {
    summary: 'receive Webmentions (and Pingbacks, TrackBacks) for your sites: an HTTP server with a durable queue',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
};

/** The command named on the command line (`linkback help send` names send), or null. */
function commandIn(argv: readonly string[]): string | null {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : null;
}

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
  $ linkback verify                                did the targets list our posts?
  $ linkback serve --site https://blog.example.org receive webmentions for the blog`);

  const wanted = commandIn(argv);
  for (const [name, { summary, load }] of Object.entries(COMMANDS)) {
    // The others are still named, so that --help lists them and a typo gets commander's suggestion.
    const command = name === wanted ? (await load())(program, io, done) : program.command(name);
    command.description(summary);
  }

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
