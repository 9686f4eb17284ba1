// Bad site input through one whole `send` run (the CLI as a child process): each bad file gives a warning
// naming it and the run goes on to notify the good links; IDN hosts go on the wire in their ASCII form.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../src/state/store.ts';
import { canDropFileOverride, localWeb, postPage, runCli } from './fixtures/chaos/cli.ts';

interface Seen {
  port: number;
  /** "METHOD host path" of every request. */
  requests: string[];
  /** Webmention POST bodies. */
  webmentions: URLSearchParams[];
}

/** Every host is a page advertising a Webmention endpoint at /wm. */
async function webmentionWeb(t: TestContext): Promise<Seen> {
  const seen: Seen = { port: 0, requests: [], webmentions: [] };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.requests.push(`${req.method} ${req.headers.host?.replace(/:\d+$/, '')} ${req.url}`);
      if (req.method === 'POST') {
        seen.webmentions.push(new URLSearchParams(body));
        return void res.writeHead(202).end();
      }
      res.writeHead(200, { 'content-type': 'text/html', link: '</wm>; rel="webmention"' }).end('<p>hello</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  seen.port = (server.address() as AddressInfo).port;
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return seen;
}

const url = (name: string): string => `https://blog.example.org/${name}/`;

async function page(site: string, name: string, content: string | Buffer): Promise<void> {
  await mkdir(join(site, name), { recursive: true });
  await writeFile(join(site, name, 'index.html'), content);
}

/** Root reads any file whatever its mode: the run is then made without that power (see CliOptions.noFileOverride). */
const asUser = canDropFileOverride ? { noFileOverride: true } : {};

interface JsonReport {
  results: Array<{ source: string; target: string; status: string; code: string; message: string }>;
  warnings: Array<{ file: string; message: string }>;
  error: unknown;
}

test('bad files each give a warning naming the file; the run goes on and notifies every good link', async (t) => {
  if (process.getuid?.() === 0 && !canDropFileOverride) return t.skip('as root, needs util-linux setpriv to make a file unreadable to the run');
  const dir = await mkdtemp(join(tmpdir(), 'linkback-badsite-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755);
  const site = join(dir, 'site');
  const web = await webmentionWeb(t);

  // A windows-1252 page without a charset: "café" is not UTF-8.
  const [before = '', after = ''] = postPage(url('latin1'), 'Latin', '<p>Caf\u00e9 <a href="http://good.test/latin1">x</a></p>').replace('<meta charset="utf-8">', '').split('\u00e9');
  await page(site, 'latin1', Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(after)]));
  // A PNG named .html.
  await writeFile(join(site, 'image.html'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]));
  // 50 MB, its link at the very end.
  const filler = '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n'.repeat(800_000);
  await page(site, 'big', postPage(url('big'), 'Big', `${filler}<p><a href="http://good.test/big-end">end</a></p>`));
  // 100,000 levels of nesting.
  await page(site, 'deep', postPage(url('deep'), 'Deep', `<p><a href="http://good.test/deep">d</a></p>${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}`));
  // A symlink loop.
  await mkdir(join(site, 'loop'), { recursive: true });
  await symlink('..', join(site, 'loop', 'again'));
  // A file nobody may read.
  await page(site, 'secret', postPage(url('secret'), 'Secret', '<p><a href="http://good.test/secret">s</a></p>'));
  await chmod(join(site, 'secret', 'index.html'), 0o000);
  // hrefs that are not (usable) URLs, an IDN host, and a URL over 8 KB.
  const long = `http://good.test/long?q=${'x'.repeat(9000)}`;
  await page(site, 'links', postPage(url('links'), 'Links', [
    '<a href="http://[::1">broken</a>', '<a href="javascript:alert(1)">js</a>', '<a href="mailto:me@example.org">mail</a>',
    '<a href="tel:+15551234">tel</a>', '<a href="#frag">frag</a>', '<a href="http://bücher.test/seite">idn</a>',
    `<a href="${long}">long</a>`, '<a href="http://good.test/links">good</a>',
  ].join(' ')));
  const state = join(dir, 'state');
  await mkdir(state);
  await chmod(state, 0o777);
  await chmod(site, 0o755);

  const ended = await runCli(['send', site, '--state', join(state, 'state.json'), '--json', ...localWeb(web.port), '--retries', '0'], asUser);
  assert.equal(ended.code, 0, ended.stderr);
  const report = JSON.parse(ended.stdout) as JsonReport;
  assert.equal(report.error, null);
  const warned = (file: string, pattern: RegExp): void => {
    const hit = report.warnings.find((w) => w.file === file && pattern.test(w.message));
    assert.ok(hit, `a warning for ${file} matching ${pattern}: ${JSON.stringify(report.warnings)}`);
    assert.ok(ended.stderr.includes(`${file}: ${hit.message}`), `printed for people too: ${ended.stderr}`);
  };
  warned('latin1/index.html', /not valid UTF-8/);
  warned('image.html', /not HTML \(PNG image\)/);
  warned('deep/index.html', /nested deeper than/);
  warned('loop/again', /symlink loop/);
  warned('secret/index.html', /not readable \(EACCES\)/);
  warned('links/index.html', /longer than 8192 characters/);

  // The run went on: every good link was notified, once, with its post as the source.
  const notified = web.webmentions.map((w) => `${w.get('source')} ${w.get('target')}`).sort();
  assert.deepEqual(notified, [
    `${url('big')} http://good.test/big-end`,
    `${url('deep')} http://good.test/deep`,
    `${url('latin1')} http://good.test/latin1`,
    `${url('links')} http://good.test/links`,
    `${url('links')} http://xn--bcher-kva.test/seite`,
  ]);
  // IDN: fetched and notified in ASCII form, on the wire (Host header) and in the state.
  assert.ok(web.requests.includes('GET xn--bcher-kva.test /seite'), web.requests.join('\n'));
  assert.ok(!web.requests.some((r) => r.includes('ü')));
  assert.ok(!web.requests.some((r) => r.includes('/long')), 'the long URL was never requested');
  const store = await openState(join(state, 'state.json'), { readOnly: true });
  const targets = [...store.notifications()].map((r) => r.target);
  await store.close();
  assert.ok(targets.includes('http://xn--bcher-kva.test/seite'));
  assert.equal(targets.length, 5);
});

test('an href that looks like a link but is not a URL ("http://[::1") is warned about, naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-badhref-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const web = await webmentionWeb(t);
  await page(join(dir, 'site'), 'p', postPage(url('p'), 'P', '<a href="http://[::1">broken</a> <a href="https://exa mple.org/">space</a> <a href="http://good.test/">ok</a>'));
  const ended = await runCli(['send', join(dir, 'site'), '--state', join(dir, 'state.json'), '--json', ...localWeb(web.port)]);
  assert.equal(ended.code, 0, ended.stderr);
  const report = JSON.parse(ended.stdout) as JsonReport;
  assert.equal(web.webmentions.length, 1, 'the run goes on');
  assert.ok(report.warnings.some((w) => w.file === 'p/index.html' && w.message.includes('http://[::1')), JSON.stringify(report.warnings));
});
