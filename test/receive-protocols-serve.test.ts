// Pingback and TrackBack on the wire: `linkback serve` as a child process, pinged by Python's xmlrpc.client
// (ServerProxy) and by curl, verifying against source pages on 127.0.0.1. What the clients read back, and what the
// database holds afterwards (read with the store itself, once the server has stopped). On SQLite and on Postgres.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, listen, root, startServe } from './receive-helpers.ts';
import { run } from './fixtures/receive/accept-server.ts';
import { forEachStore } from './receive-stores.ts';

const SITE = 'https://blog.example.org';

const PYTHON = `
import json, sys, xmlrpc.client
proxy = xmlrpc.client.ServerProxy(sys.argv[1])
for source, target in json.loads(sys.argv[2]):
    try:
        print(json.dumps({'ok': proxy.pingback.ping(source, target)}))
    except xmlrpc.client.Fault as fault:
        print(json.dumps({'code': fault.faultCode, 'string': fault.faultString}))
`;

forEachStore((kind) => {
  test('linkback serve: pingbacks from xmlrpc.client.ServerProxy and trackbacks from curl, verified, answered, stored', { timeout: 300_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'linkback-serve-protocols-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const source = await listen((req, res) => {
      if (req.url === '/gone') return void res.writeHead(410).end();
      const links = req.url?.startsWith('/links/') ? `<a href="${SITE}/post/${req.url.slice('/links/'.length)}/">the post</a>` : 'nothing';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>A reply</title><p>${links}</p>`);
    });
    t.after(() => close(source.server));
    const database = await kind.database(t);
    const serve = await startServe(['--site', SITE, ...database.args, '--allow-private', '--verify-timeout', '60000', '--verbose'], { cwd: dir });
    t.after(() => serve.child.kill('SIGKILL'));
    // --verbose prints a line per verdict: the test waits for them, not for a time.
    const verdicts = (count: number) => new Promise<void>((resolve) => {
      const check = () => {
        if ((serve.stderr().match(/^linkback: job \d+ done: /gm)?.length ?? 0) < count) return;
        serve.child.stderr?.off('data', check);
        resolve();
      };
      serve.child.stderr?.on('data', check);
      check();
    });
    const domain = 'blog.example.org';

    const out = await run('python3', ['-c', PYTHON, `${serve.url}/${domain}/xmlrpc`, JSON.stringify([
      [`${source.origin}/links/a`, `${SITE}/post/a/`],
      [`${source.origin}/plain`, `${SITE}/post/a/`],
      [`${source.origin}/gone`, `${SITE}/post/a/`],
      [`${source.origin}/links/a`, 'https://elsewhere.example.com/post/a/'],
    ])]);
    const said = out.trim().split('\n').map((line) => JSON.parse(line) as { ok?: string; code?: number });
    // The first may also be answered "received" if verification outlasts the answer's deadline on a loaded machine.
    assert.match(said[0]?.ok ?? '', /^Pingback from .* to https:\/\/blog\.example\.org\/post\/a\/ (registered\.|received; it will be verified\.)$/, out);
    assert.deepEqual(said.slice(1).map((s) => s.code), [0x11, 0x10, 0x21], out);

    const trackback = (slug: string, url: string) => run('curl', ['--silent', '--show-error',
      '--data-urlencode', `url=${url}`, '--data-urlencode', 'title=A reply', '--data-urlencode', 'blog_name=Elsewhere',
      `${serve.url}/${domain}/trackback?target=${encodeURIComponent(`${SITE}/post/${slug}/`)}`]);
    assert.match(await trackback('b', `${source.origin}/links/b`), /<error>0<\/error>/);
    assert.match(await trackback('b', `${source.origin}/plain`), /<error>1<\/error>\n<message>The url does not link to the target\.<\/message>/);
    const byPath = await run('curl', ['--silent', '--data-urlencode', `url=${source.origin}/links/c`, `${serve.url}/${domain}/trackback/post/c/`]);
    assert.match(byPath, /<error>0<\/error>/);

    // Six claims were queued (the off-site one was refused before): a pingback answered "received" is verified too.
    await verdicts(6);
    // Repeats of what is registered: Pingback's fault 0x30 and TrackBack's "already a ping", nothing queued again.
    const again = await run('python3', ['-c', PYTHON, `${serve.url}/${domain}/xmlrpc`, JSON.stringify([[`${source.origin}/links/a`, `${SITE}/post/a/`]])]);
    assert.deepEqual(again.trim().split('\n').map((line) => (JSON.parse(line) as { code?: number }).code), [0x30], again);
    assert.match(await trackback('b', `${source.origin}/links/b`), /<error>1<\/error>\n<message>There is already a ping from that URL for this post\.<\/message>/);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.stderr());
    const store = await database.openStore();
    t.after(() => store.close());
    const stored = (await store.mentions({})).filter((m) => m.status !== 'deleted')
      .map((m) => `${m.protocol} ${m.source.replace(source.origin, '')} -> ${m.target.replace(SITE, '')}`).sort();
    assert.deepEqual(stored, ['pingback /links/a -> /post/a/', 'trackback /links/b -> /post/b/', 'trackback /links/c -> /post/c/']);
  });
});

test('linkback serve --print-head prints the <link> tags for each site and exits', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'serve', '--print-head', '--public-url', 'https://mentions.example.net',
      '--site', SITE, '--site', 'https://notes.example.org'], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
  assert.equal(out,
    '<!-- https://blog.example.org -->\n' +
    '<link rel="webmention" href="https://mentions.example.net/blog.example.org/webmention">\n' +
    '<link rel="pingback" href="https://mentions.example.net/blog.example.org/xmlrpc">\n' +
    '<!-- https://notes.example.org -->\n' +
    '<link rel="webmention" href="https://mentions.example.net/notes.example.org/webmention">\n' +
    '<link rel="pingback" href="https://mentions.example.net/notes.example.org/xmlrpc">\n');
});
