// `linkback mentions export`: the approved mentions as one jf2 file for a static site's build, read from the
// mentions database (the machine that runs `serve`) or from a running receiver's read API (`--from`, e.g. in CI).
import type { Command } from 'commander';
import { LinkbackError } from '../errors.ts';
import { createClientFor } from '../net/client.ts';
import { parseSettings } from '../options.ts';
import type { Options } from '../options.ts';
import { databaseLabel, openStoreFor } from '../receive/store/open.ts';
import { feedFromApi, feedFromStore, writeFeed } from '../receive/publish/export.ts';
import type { Jf2Feed } from '../receive/publish/jf2.ts';
import { addOutputFlags, settingsFor } from './common.ts';
import { addSettingFlags } from './flags.ts';
import { EXIT } from './io.ts';
import type { CliIo } from './io.ts';

export function mentionsCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const mentions = program.command('mentions');
  const command = mentions
    .command('export')
    .description('write every approved mention as one jf2 feed (webmention.io\'s format) for the site\'s build')
    .requiredOption('--out <file>', 'the file to write, e.g. _data/mentions.json (replaced atomically; folders created)')
    .option('--from <url>', 'read from a running `linkback serve` (its base URL) instead of the database; webmention.io works too')
    .option('--domain <domain>', 'only the mentions of this site (its host name)');
  const attributes = addSettingFlags(command, 'mentions');
  addOutputFlags(command, { quiet: false })
    .addHelpText('after', `
Without --from, reads the database (--db or --database postgres://…, as \`serve\`); with --from, pages through <url>/api/mentions.jf2 with
--token (or LINKBACK_READ_TOKEN): a site's read token, or the admin token. Only approved mentions are exported.
Exit code: 0 written; 1 the remote API could not be read; 2 usage; 3 the database or the file cannot be used.

Examples:
  $ linkback mentions export --out _data/mentions.json
  $ linkback mentions export --out _data/mentions.json --from https://mentions.example.org --token "$TOKEN"
  $ linkback mentions export --out data/webmentions.json --from https://webmention.io --token "$WEBMENTION_IO_TOKEN" --domain blog.example.org`)
    .action(async (parsed: Record<string, unknown>) => {
      const { options: layered } = await settingsFor(io, parsed, attributes);
      const options = parseSettings(layered, 'settings');
      const domain = typeof parsed.domain === 'string' ? parsed.domain.toLowerCase() : undefined;
      let feed: Jf2Feed;
      if (typeof parsed.from === 'string') {
        if (!URL.canParse(parsed.from) || !/^https?:$/.test(new URL(parsed.from).protocol)) throw new LinkbackError('USAGE', `--from must be an http(s) URL: ${parsed.from}`);
        if (!options.readToken) throw new LinkbackError('USAGE', '--from needs --token (or LINKBACK_READ_TOKEN): a read token of the remote API');
        const client = createClientFor({ ...options, timeout: Math.max(options.timeout, 60_000) });
        try {
          feed = await feedFromApi(client, parsed.from, options.readToken, domain);
        } finally {
          await client.close();
        }
      } else {
        feed = await fromDatabase(options, domain);
      }
      await writeFeed(parsed.out as string, feed);
      if (parsed.json) io.stdout.write(`${JSON.stringify({ out: parsed.out, mentions: feed.children.length })}\n`);
      else io.stderr.write(`linkback: ${feed.children.length} mention${feed.children.length === 1 ? '' : 's'} written to ${String(parsed.out)}\n`);
      done(EXIT.ok);
    });
  return mentions;
}

async function fromDatabase(options: Pick<Options, 'db' | 'database' | 'maxAttempts'>, domain: string | undefined): Promise<Jf2Feed> {
  // One query at a time: a pool of one connection.
  const store = await openStoreFor({ ...options, poolSize: 1, mustExist: true });
  try {
    const sites = (await store.sites()).filter((site) => domain === undefined || new URL(site.origin).hostname === domain);
    if (domain !== undefined && sites.length === 0) throw new LinkbackError('USAGE', `no site ${domain} in ${await databaseLabel(options)}`);
    return await feedFromStore(store, sites.map((site) => site.origin));
  } finally {
    await store.close();
  }
}
