// The command line: a thin layer over the public API. It owns argument parsing, where output goes,
// signals and exit codes — nothing else. Exit codes: 0 nothing failed; 1 at least one notification failed
// (or the run stopped on a state write failure); 2 usage error; 3 the state cannot be used (locked, corrupt,
// newer format, not writable); 130 / 143 interrupted by SIGINT / SIGTERM.
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { DEFAULTS, LinkbackError, VERSION, formatJson, formatTable, isLinkbackError, parseConnectTo, resolveOptions, send } from '../index.ts';
import type { SendReport } from '../index.ts';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Process signals; the CLI subscribes for `send` so Ctrl-C stops cleanly. */
  onSignal?: (signal: 'SIGINT' | 'SIGTERM', handler: () => void) => () => void;
  exit?: (code: number) => void;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, state: 3, sigint: 130, sigterm: 143 } as const;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('linkback')
    .description('Send Webmention, Pingback and TrackBack notifications for a static site, exactly once.')
    .version(VERSION, '-V, --version')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command('send')
    .description('notify every page the posts of a built site link to (once per post and target)')
    .argument('[site-dir]', 'the built site (_site, public, dist …); or "site" in the config')
    .option('--site-url <url>', 'public base URL of the site (default: from the pages\' canonical / og:url)')
    .option('--state <file>', `record of sent notifications (default: ${DEFAULTS.state})`)
    .option('--blog-name <name>', 'blog name sent with trackbacks (default: og:site_name or the site title)')
    .option('--dry-run', 'discover and report what would be sent; send and record nothing')
    .option('--json', 'print one JSON document on stdout instead of the table')
    .option('--allow-private', 'allow targets on loopback/private addresses (tests, staging)')
    .option('--arxiv-endpoint <template>', `arXiv trackback URL template (default: ${DEFAULTS.arxivEndpoint})`)
    .option('--concurrency <n>', `requests in flight at once (default: ${DEFAULTS.concurrency})`)
    .option('--per-host <n>', `requests in flight per host (default: ${DEFAULTS.perHost})`)
    .option('--timeout <ms>', `total time per request (default: ${DEFAULTS.timeout})`)
    .option('--connect-timeout <ms>', `connect time per request (default: ${DEFAULTS.connectTimeout})`)
    .option('--retries <n>', `retries of a request within a run (default: ${DEFAULTS.retries})`)
    .option('--retry-failed', 'send again what failed with an answer from the server in earlier runs')
    .option('--retry-uncertain', 'send again what may have been delivered (no answer) in earlier runs')
    .option('--include-undated', 'treat undated single pages (About …) as posts')
    .option('--exclude <glob...>', 'never notify target URLs matching these globs (* = anything)')
    .option('--contact <url-or-email>', 'added to the User-Agent so site owners can reach you')
    .option('--connect-to <host=addr:port...>', 'connect to another address for a host, keeping the URL ("*" = every host)')
    .option('--config <file>', 'config file (default: linkback.config.{json,mjs,js} or package.json "linkback", searched upward)')
    .option('--verbose', 'list skipped rows and every page\'s classification')
    .addOption(new Option('--quiet', 'print only failures and the summary').conflicts('verbose'))
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', `
Examples:
  $ linkback send _site --site-url https://blog.example.org --dry-run
  $ linkback send public --state .linkback/state.json --json > report.json
  $ LINKBACK_SITE_URL=https://blog.example.org linkback send _site`)
    .action(async (siteDir: string | undefined, flags: Record<string, unknown>) => {
      exitCode = await runSend(siteDir, flags, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok; // --help, --version
      return EXIT.usage; // commander already printed its one-line message to stderr
    }
    return reportFatal(error, io);
  }
}

const FLAG_KEYS = [
  'siteUrl', 'state', 'blogName', 'dryRun', 'allowPrivate', 'arxivEndpoint', 'concurrency', 'perHost', 'timeout',
  'connectTimeout', 'retries', 'retryFailed', 'retryUncertain', 'includeUndated', 'exclude', 'contact',
] as const;

async function runSend(siteDir: string | undefined, flags: Record<string, unknown>, io: CliIo): Promise<number> {
  const given: Record<string, unknown> = {};
  for (const key of FLAG_KEYS) given[key] = flags[key];
  if (flags.connectTo) given.connectTo = parseConnectTo(flags.connectTo as string[]);
  given.site = siteDir;
  const options = await resolveOptions({ cwd: io.cwd, env: io.env, flags: given, ...(typeof flags.config === 'string' ? { configFile: flags.config } : {}) });

  const color = flags.color !== false && !('NO_COLOR' in io.env) && io.stdout.isTTY === true;
  const paint = pc.createColors(color);
  const stop = new AbortController();
  let signalled: 'SIGINT' | 'SIGTERM' | null = null;
  const unsubscribe: Array<() => void> = [];
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const off = io.onSignal?.(name, () => {
      if (signalled) {
        // Second signal: leave now. Records still "in flight" are turned into "uncertain" by the next run.
        io.stderr.write(`\nlinkback: stopped at once; notifications in flight are marked uncertain\n`);
        io.exit?.(name === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
        return;
      }
      signalled = name;
      io.stderr.write(`\nlinkback: ${name}: finishing requests in flight, starting no new ones (again to quit at once)\n`);
      stop.abort(new LinkbackError('ABORTED', name));
    });
    if (off) unsubscribe.push(off);
  }
  const verbose = flags.verbose === true;
  let report: SendReport;
  try {
    report = await send(options, {
      signal: stop.signal,
      onEvent: (event) => {
        if (!verbose) {
          if (event.type === 'warning') io.stderr.write(`linkback: warning: ${event.file}: ${event.message}\n`);
          return;
        }
        if (event.type === 'page') io.stderr.write(paint.dim(`${event.kind.padEnd(9)} ${event.file}  ${event.reason}\n`));
        if (event.type === 'warning') io.stderr.write(`linkback: warning: ${event.file}: ${event.message}\n`);
      },
    });
  } finally {
    for (const off of unsubscribe) off();
  }

  if (flags.json) io.stdout.write(`${formatJson(report)}\n`);
  else if (flags.quiet) io.stdout.write(`${formatTable({ ...report, results: report.results.filter((r) => r.status === 'failed') }, paint)}\n`);
  else io.stdout.write(`${formatTable(report, paint, { verbose })}\n`);

  if (signalled) return signalled === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  if (report.error) return report.error.code === 'STATE_UNWRITABLE' ? EXIT.state : EXIT.failed;
  return report.summary.failed > 0 ? EXIT.failed : EXIT.ok;
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
