// The lifecycle commands through the real command line: baseline, then send sends nothing; verify reads
// arXiv-like listings and records what the targets show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulatedWeb } from '../example/web.ts';
import { runCli } from './fixtures/cli/run.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import { build } from './fixtures/lifecycle/blog.ts';

const site = join(fileURLToPath(new URL('..', import.meta.url)), 'example/site');

test('baseline records everything as done; the next send sends nothing; verify checks what was sent', async (t) => {
  const web = await startSimulatedWeb();
  const dir = await mkdtemp(join(tmpdir(), 'linkback-life-'));
  t.after(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });
  const net = ['--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private'];
  const adopt = await runCli(['baseline', site, '--state', join(dir, 'a.json'), ...net, '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}']);
  assert.equal(adopt.code, 0, adopt.stderr);
  assert.equal(web.notifications().length, 0, 'baseline sends nothing');
  const after = await runCli(['send', site, '--state', join(dir, 'a.json'), ...net, '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}', '--json']);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(web.notifications().length, 0, 'send after baseline sends nothing');
  assert.equal((JSON.parse(after.stdout) as { summary: { sent: number } }).summary.sent, 0);

  // A real send into another state, then verify against the arXiv-like /tb/<id> listings.
  const sent = await runCli(['send', site, '--state', join(dir, 'b.json'), ...net, '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}']);
  assert.equal(sent.code, 1, sent.stderr); // the unknown paper's error 1
  const checked = await runCli(['verify', '--state', join(dir, 'b.json'), ...net, '--arxiv-listing', 'http://arxiv.org/tb/{id}', '--json']);
  assert.equal(checked.code, 0, checked.stderr);
  const report = JSON.parse(checked.stdout) as { summary: { checked: number; verified: number }; results: Array<{ target: string; result: string }> };
  assert.ok(report.summary.checked >= 4, JSON.stringify(report.summary));
  const paper = report.results.find((r) => r.target === 'https://arxiv.org/abs/1706.03762');
  assert.equal(paper?.result, 'verified');
});

test('a site whose posts carry no canonical/og:url, without --site-url, is a usage error (exit 2)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-nourl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const noUrlSite = join(fileURLToPath(new URL('..', import.meta.url)), 'test/fixtures/site/eleventy-like');
  const ran = await runCli(['send', noUrlSite, '--dry-run', '--state', join(dir, 's.json')]);
  assert.equal(ran.code, 2, ran.stderr);
  assert.match(ran.stderr, /pass --site-url/);
  const withUrl = await runCli(['send', noUrlSite, '--dry-run', '--site-url', 'https://example.com/', '--state', join(dir, 's.json'), '--connect-to', '*=127.0.0.1:9', '--allow-private', '--json']);
  assert.notEqual(withUrl.code, 2, withUrl.stderr);
  assert.ok((JSON.parse(withUrl.stdout) as { summary: { posts: number } }).summary.posts > 0);
});

test('send --json on a one-post site with a fresh state counts no deleted post (issue 11, reproduction 3)', async (t) => {
  const { web, dir } = await localRun(t, 'cli-new-post');
  const blog = join(dir, 'site');
  await build(blog, [{ slug: 'a', title: 'One post', date: '2024-05-01', body: '<p>On <a href="http://wm.example/one">one</a>.</p>' }], 'T1');
  const ran = await runCli(['send', blog, '--state', join(dir, 'state.json'), '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private', '--json']);
  assert.equal(ran.code, 0, ran.stderr);
  const summary = (JSON.parse(ran.stdout) as { summary: { sent: number; deletedPosts: number } }).summary;
  assert.equal(summary.sent, 1);
  assert.equal(summary.deletedPosts, 0);
});
