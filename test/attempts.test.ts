// The state's `attempts` counts the requests that went on the wire for a pair, retries included, across runs
// (issue 11, reproduction 9: a trackback POSTed 3 times in a run was recorded with attempts: 1).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { send } from '../src/index.ts';
import type { OptionsInput } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import { build, postUrl } from './fixtures/lifecycle/blog.ts';

const PAPER = 'https://arxiv.org/abs/2001.08361';

/** A trackback listener that answers "busy, come back now" (503, Retry-After: 0) to its first `busy` POSTs. */
async function busyListener(t: TestContext, busy: number): Promise<{ port: number; posts: () => number }> {
  let posts = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      if (posts <= busy) return void res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('busy');
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><response><error>0</error></response>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, posts: () => posts };
}

async function setup(t: TestContext, busy: number): Promise<{ options: OptionsInput; posts: () => number; attempts: () => Promise<number | undefined> }> {
  const run = await localRun(t, 'attempts');
  const listener = await busyListener(t, busy);
  const site = join(run.dir, 'site');
  await build(site, [{ slug: 'a', title: 'On scaling', date: '2024-05-01', body: `<p>See <a href="${PAPER}">the paper</a>.</p>` }], 'T1');
  const options: OptionsInput = {
    ...run.options, site,
    arxivEndpoint: 'http://tb.example/trackback/{id}',
    connectTo: { ...run.options.connectTo, 'tb.example': `127.0.0.1:${listener.port}` },
  };
  const attempts = async () => {
    const state = await openState(options.state as string, { readOnly: true });
    const record = state.get(postUrl('a'), PAPER);
    await state.close();
    return record?.attempts;
  };
  return { options, posts: listener.posts, attempts };
}

test('a trackback POSTed 3 times in one run (503, 503, accepted) is recorded with attempts: 3', async (t) => {
  const { options, posts, attempts } = await setup(t, 2);
  const report = await send({ ...options, retries: 2 });
  assert.equal(report.summary.sent, 1);
  assert.equal(posts(), 3, 'POSTs on the wire');
  assert.equal(await attempts(), 3);
});

test('attempts add up across runs: what earlier runs put on the wire plus what this one did', async (t) => {
  const { options, posts, attempts } = await setup(t, 2);
  // A 503 is a "slow down": the run waits for the host and tries again (src/ratelimit/), unless its wait budget is
  // spent. With none, the first busy answer is held for the next run.
  const first = await send({ ...options, maxHostWait: 0 });
  assert.equal(first.summary.held, 1);
  assert.equal(posts(), 1);
  assert.equal(await attempts(), 1, 'one busy answer, recorded as retryable');
  const report = await send(options);
  assert.equal(report.summary.sent, 1);
  assert.equal(posts(), 3, 'the second run: one more busy answer, waited out, then accepted');
  assert.equal(await attempts(), 3);
});
