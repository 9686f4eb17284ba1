// `linkback send`: the main job. Progress and narration go to stderr; stdout gets exactly the result
// (the table for people, or one JSON document).
import type { Command } from 'commander';
// From the modules themselves, not the library's index: that one also loads the receiver and the readers
// of feeds and sitemaps, which `send` on a site folder never needs (cold start, issue 14).
import { LinkbackError } from '../errors.ts';
import { assertInput } from '../config.ts';
import { send } from '../linkback.ts';
import { formatJson } from '../report/json.ts';
import { formatTable, tableRows } from '../report/table.ts';
import type { TableOptions } from '../index.ts';
import type { LinkbackEvent, Paint, SendReport } from '../index.ts';
import { addOutputFlags, settingsFor } from './common.ts';
import { addSettingFlags } from './flags.ts';
import { EXIT, animate, paintFor } from './io.ts';
import type { CliIo } from './io.ts';
import { createProgress, waitingLine } from './progress.ts';
import type { Progress } from './progress.ts';

export function sendCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const command = program
    .command('send')
    .argument('[site-dir]', 'the built site (_site, public, dist …); or "site" in the config, or --feed / --sitemap');
  const attributes = addSettingFlags(command, 'send');
  addOutputFlags(command, { quiet: true })
    .addHelpText('after', `
--verbose also lists skipped rows, each page's classification and each endpoint lookup (on stderr).
A progress line is drawn on stderr when it is a terminal (not in CI, not when piped).
Exit codes: 0 nothing failed; 1 a notification failed; 2 usage or configuration error;
3 the state file cannot be used; 130/143 interrupted (Ctrl-C / SIGTERM).

Examples:
  $ linkback send _site --site-url https://blog.example.org --dry-run
  $ linkback send public --state .linkback/state.json --json > report.json
  $ linkback send _site --retry-failed --only 'https://arxiv.org/abs/*'
  $ linkback send dist --exclude-host twitter.com --exclude-host '*.x.com' --exclude-path 'drafts/'
  $ LINKBACK_SITE_URL=https://blog.example.org linkback send _site`)
    .action(async (siteDir: string | undefined, parsed: Record<string, unknown>) => {
      done(await runSend(siteDir, parsed, attributes, io));
    });
  return command;
}

/** `linkback baseline`: `send --mark-existing` under the name people look for when adopting linkback. */
export function baselineCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const command = program
    .command('baseline')
    .argument('[site-dir]', 'the built site; or "site" in the config, or --feed / --sitemap');
  const attributes = addSettingFlags(command, 'send');
  addOutputFlags(command, { quiet: true })
    .addHelpText('after', `
The next \`linkback send\` then notifies only posts (and links) added after the baseline.

Examples:
  $ linkback baseline _site --site-url https://blog.example.org
  $ linkback baseline public --since 2026-01-01   # posts from 2026 on stay to be sent`)
    .action(async (siteDir: string | undefined, parsed: Record<string, unknown>) => {
      done(await runSend(siteDir, { ...parsed, markExisting: true }, attributes, io));
    });
  return command;
}

async function runSend(siteDir: string | undefined, parsed: Record<string, unknown>, attributes: ReadonlyMap<string, string>, io: CliIo): Promise<number> {
  const { options, config } = await settingsFor(io, parsed, attributes, siteDir === undefined ? {} : { site: siteDir });
  assertInput(options);
  const quiet = parsed.quiet === true;
  const verbose = parsed.verbose === true;
  const paint = paintFor(io.stdout, io.env, parsed.color);
  const progress = await createProgress(io.stderr, !quiet && animate(io.stderr, io.env));
  if (verbose) progress.log(`linkback: ${config ? `config ${config}` : 'no config file'}; state ${options.state}`);

  const stop = new AbortController();
  let signalled: 'SIGINT' | 'SIGTERM' | null = null;
  const unsubscribe: Array<() => void> = [];
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const off = io.onSignal?.(name, () => {
      progress.stop();
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

  // Made once, not per event: a run emits a few events per (post, target) pair, 45,000 in a 3,000-post dry run, and
  // each paintFor() reads the environment and makes a set of colour functions.
  const narratePaint = paintFor(io.stderr, io.env, parsed.color);
  // --json lists every row; the table holds only the rows it will list (memory stays flat on a big site).
  const table: TableOptions = quiet ? { statuses: ['failed'] } : { verbose };
  let report: SendReport;
  try {
    report = await send(options, {
      signal: stop.signal,
      ...(parsed.json ? {} : { keepResult: tableRows(table) }),
      onEvent: (event) => {
        progress.event(event);
        narrate(event, progress, { quiet, verbose }, narratePaint);
      },
    });
  } finally {
    progress.stop();
    for (const off of unsubscribe) off();
  }

  if (parsed.json) io.stdout.write(`${formatJson(report)}\n`);
  else {
    io.stdout.write(`${formatTable(report, paint, table)}\n`);
    if (!quiet && report.summary.posts === 0 && report.summary.unchangedPosts === 0) {
      io.stderr.write(`linkback: hint: no page of ${options.site ?? options.feed ?? options.sitemap} was recognised as a post (${report.summary.pages} pages read). ` +
        '--verbose shows why each page was not; --include-undated, --post-selector and --content-selector help with unusual themes.\n');
    }
  }

  if (signalled) return signalled === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  if (report.error) return report.error.code === 'STATE_UNWRITABLE' ? EXIT.state : EXIT.failed;
  return report.summary.failed > 0 ? EXIT.failed : EXIT.ok;
}

/** stderr lines for people: warnings (unless --quiet), and with --verbose what each page was and what each lookup found. */
function narrate(event: LinkbackEvent, progress: Progress, mode: { quiet: boolean; verbose: boolean }, paint: Paint): void {
  if (event.type === 'warning' && !mode.quiet) progress.log(`linkback: warning: ${event.file}: ${event.message}`);
  // A host that said "slow down" is news even in CI logs; regular pacing (arXiv's 3 s) only with --verbose.
  if (event.type === 'waiting' && !mode.quiet && (event.slowDown || mode.verbose)) progress.log(`linkback: ${waitingLine(event)}`);
  if (!mode.verbose) return;
  if (event.type === 'page') progress.log(paint.dim(`${event.kind.padEnd(9)} ${event.file}  ${event.reason}`));
  if (event.type === 'own-site') {
    const n = event.links.length;
    progress.log(paint.dim(`own-site  ${event.file}  ${n} link${n === 1 ? '' : 's'} to the site itself (same host and port as ${new URL(event.url).origin}) not notified: ${event.links.join(' ')}`));
  }
  if (event.type === 'discovered') {
    progress.log(paint.dim(event.endpoint
      ? `endpoint  ${event.target}  ${event.endpoint.protocol} ${event.endpoint.url} (${event.endpoint.via})`
      : `endpoint  ${event.target}  none: ${event.notes.at(-1) ?? 'no endpoint'}`));
  }
}
