// `linkback serve`: the receiver, until SIGTERM/SIGINT. Then it stops accepting, lets the requests in flight
// finish (their jobs are committed), puts interrupted verifications back in the queue, closes the database
// and exits 0: stopping is how a service manager ends a server, not a failure.
import type { Command } from 'commander';
import { LinkbackError } from '../errors.ts';
import { parseSettings, startReceiver } from '../index.ts';
import { headSnippet } from '../receive/publish/head.ts';
import { databaseLabel } from '../receive/store/open.ts';
import { addOutputFlags, settingsFor } from './common.ts';
import { addSettingFlags } from './flags.ts';
import { EXIT } from './io.ts';
import type { CliIo } from './io.ts';

export function serveCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const command = program.command('serve');
  const attributes = addSettingFlags(command, 'serve');
  command
    .option('--print-head', "print the <link> tags for the sites' pages (webmention, pingback) and exit (with --public-url: where the web reaches this server)");
  addOutputFlags(command, { quiet: false })
    .addHelpText('after', `
Webmentions are accepted at /<domain>/webmention (and /webmention with one site), queued on disk before the
202 answer, and verified in the background (--verify-workers at once, --verify-timeout each). A job's state is
at /status/<id> (the 202's Location); /healthz answers 200, /readyz 200 when the database answers, /metrics
in Prometheus' text format. --role web (accept and queue) or worker (verify) lets accepting and verifying
scale apart: on one machine, processes may share the SQLite file (a local disk, not a network filesystem); with
--database postgres://… any number of processes on any number of machines share the queue. Run it behind a reverse proxy (nginx, Caddy) with
--trust-proxy so rate limits see the real client address. Pingbacks (/<domain>/xmlrpc) and trackbacks
(/<domain>/trackback?target=<post URL>) are queued the same way, and answered with the verdict when it comes
within a few seconds (else as received, verified later). Exit code: 0 after SIGTERM/SIGINT, 2 bad settings,
3 the database or the port cannot be used.

Examples:
  $ linkback serve --site https://blog.example.org
  $ linkback serve --site https://blog.example.org --site https://notes.example.org --port 8080 --trust-proxy
  $ LINKBACK_SITES=https://blog.example.org LINKBACK_DB=/var/lib/linkback/mentions.db linkback serve
  $ linkback serve --print-head --site https://blog.example.org --public-url https://mentions.example.org
  $ linkback serve --site https://blog.example.org --role web & linkback serve --site https://blog.example.org --role worker --port 9100
  $ LINKBACK_DATABASE=postgres://linkback:secret@db.internal/linkback linkback serve --site https://blog.example.org`)
    .action(async (parsed: Record<string, unknown>) => {
      const { options: layered, config } = await settingsFor(io, parsed, attributes);
      if (parsed.verbose) io.stderr.write(`linkback: ${config ? `config ${config}` : 'no config file'}\n`);
      const options = parseSettings(layered, 'settings');
      if (parsed.printHead === true) {
        io.stdout.write(printHead(options.sites, options.publicUrl ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`));
        done(EXIT.ok);
        return;
      }
      const receiver = await startReceiver(options, {
        onWebhook: (result) => {
          if (!result.ok) io.stderr.write(`linkback: webhook for mention ${result.mentionId} failed after ${result.attempts} attempt(s): ${result.reason}\n`);
          else if (parsed.verbose) io.stderr.write(`linkback: webhook for mention ${result.mentionId}: HTTP ${result.status}\n`);
        },
        onError: (error) => io.stderr.write(`linkback: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
        onWorkerEvent: (event) => {
          if (event.type === 'error') io.stderr.write(`linkback: worker: ${event.error instanceof Error ? event.error.message : String(event.error)}\n`);
          else if (parsed.verbose) io.stderr.write(`linkback: job ${event.job.id} ${event.type}: ${event.verification.ok ? 'verified' : `${event.verification.code} (${event.verification.reason})`}\n`);
        },
      });
      // With no --site, the sites are the admin API's, in the database.
      const sites = options.sites.length > 0 ? options.sites.join(', ') : 'the sites of the admin API';
      const database = await databaseLabel(options);
      if (parsed.json) io.stdout.write(`${JSON.stringify({ listening: receiver.url, sites: options.sites, db: database, role: options.role })}\n`);
      else io.stderr.write(`linkback: receiving for ${sites} on ${receiver.url} (database ${database}${options.role === 'all' ? '' : `, role ${options.role}`})\n`);
      await new Promise<void>((resolve) => {
        const off: Array<() => void> = [];
        const stop = () => {
          for (const unsubscribe of off) unsubscribe();
          resolve();
        };
        for (const signal of ['SIGINT', 'SIGTERM'] as const) if (io.onSignal) off.push(io.onSignal(signal, stop));
      });
      io.stderr.write('linkback: stopping: finishing requests in flight\n');
      await receiver.close();
      io.stderr.write('linkback: stopped\n');
      done(EXIT.ok);
    });
  return command;
}

/** The snippet for each site's <head>; with several sites, each under a comment naming it. */
function printHead(sites: readonly string[], publicUrl: string): string {
  if (sites.length === 0) throw new LinkbackError('USAGE', 'no site to print the tags for: give its origin, e.g. --site https://blog.example.org');
  let base: URL;
  try {
    base = new URL(publicUrl);
  } catch {
    throw new LinkbackError('USAGE', `--public-url must be an absolute http(s) URL, got "${publicUrl}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new LinkbackError('USAGE', `--public-url must be an http(s) URL, got "${publicUrl}"`);
  return sites.map((site) => `${sites.length > 1 ? `<!-- ${site} -->\n` : ''}${headSnippet(base.href, site)}`).join('');
}
