// The Netlify Build plugin (src/integrations/netlify.ts, manifest.yml) under Netlify's own build runner,
// @netlify/build, run offline on a site in a temp folder whose netlify.toml names the plugin by path. A local
// "buildbot" on 127.0.0.1 plays Netlify's deploy: when @netlify/build asks it to deploy the publish folder, the
// simulated web starts serving it as blog.example.org (before that the blog answers 404 to everything), so the
// plugin sends only if it runs after the deploy. Two builds in two fresh checkouts share one cache folder, as
// Netlify's builds share the site's build cache: the first sends, the second finds the state and sends nothing.
import { blockedAttempts } from './fixtures/integrations/offline.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindOpts } from '@netlify/cache-utils';
import { SIMULATED_CA, startSimulatedWeb } from '../example/web.ts';
import type { SimulatedWeb } from '../example/web.ts';
import { onSuccess } from '../src/integrations/netlify.ts';
import type { NetlifyEventLike } from '../src/integrations/netlify.ts';
import { compiled } from './compiled.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const NETLIFY_BUILD = join(root, 'node_modules/@netlify/build/bin.js');

/**
 * Netlify's processes run our plugin and the offline guard compiled to plain JavaScript (test/compiled.ts): under
 * tsx (NODE_OPTIONS), the build runner deadlocked once in a clean-clone CI run on a loaded machine (its main thread
 * blocked on tsx's loader thread, whose esbuild service had exited), so nothing Netlify starts runs through tsx.
 */
const plugin = async () => (await compiled()).module('integrations/netlify.ts');

after(() => assert.deepEqual(blockedAttempts, [], 'nothing but loopback was contacted'));

interface Netlify {
  dir: string;
  web: SimulatedWeb;
  /** What the buildbot was asked, and how many requests the web had seen when the site went live. */
  deploys: Array<{ action: string; deployDir: string; requestsBefore: number }>;
  buildbot: string;
  /** The checkout being built: the buildbot resolves the deploy dir against it. */
  building: string;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Netlify> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-netlify-'));
  const empty = join(dir, 'nothing-deployed');
  await mkdir(empty);
  const web = await startSimulatedWeb({ site: empty });
  const deploys: Netlify['deploys'] = [];
  const n = { dir, web, deploys, buildbot: '', building: '' };
  // Netlify's buildbot, as @netlify/build talks to it (plugins_core/deploy/buildbot_client.js): one JSON payload
  // { action, deployDir } in, { succeeded } out. The deploy dir is relative to the repository root.
  const bot = createServer((socket) => {
    socket.on('data', (data) => {
      const payload = JSON.parse(data.toString()) as { action: string; deployDir: string };
      deploys.push({ ...payload, requestsBefore: web.requests.length });
      web.serve(resolve(n.building, payload.deployDir));
      socket.write(JSON.stringify({ succeeded: true, values: {} }));
    });
  });
  await new Promise<void>((done) => bot.listen(0, '127.0.0.1', done));
  t.after(async () => {
    await web.close();
    await new Promise<void>((done) => bot.close(() => done()));
    await rm(dir, { recursive: true, force: true });
  });
  n.buildbot = `127.0.0.1:${(bot.address() as AddressInfo).port}`;
  return n;
}

/** A fresh clone of the site's repository: netlify.toml, the plugin by path, linkback's config, the built site. */
async function checkout(n: Netlify, name: string, inputs: string): Promise<string> {
  const work = join(n.dir, name);
  await mkdir(join(work, 'plugins/linkback'), { recursive: true });
  // The plugin by path, with the package's own manifest.yml beside it.
  await writeFile(join(work, 'plugins/linkback/index.mjs'), `export { onSuccess } from ${JSON.stringify(await plugin())};\n`);
  await copyFile(join(root, 'netlify/manifest.yml'), join(work, 'plugins/linkback/manifest.yml'));
  await writeFile(join(work, 'netlify.toml'), [
    '[build]',
    '  publish = "public"',
    '',
    '[[plugins]]',
    '  package = "./plugins/linkback/index.mjs"',
    '  [plugins.inputs]',
    inputs,
    '',
  ].join('\n'));
  await writeFile(join(work, 'linkback.config.json'), JSON.stringify({
    connectTo: { '*': `127.0.0.1:${n.web.port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    retries: 0,
  }));
  // The build command's output: the example site (real Jekyll output), https://blog.example.org.
  await cp(join(root, 'example/site'), join(work, 'public'), { recursive: true });
  return work;
}

interface Built {
  code: number | null;
  out: string;
}

/** `netlify-build` in the checkout, offline, with the build cache in the shared folder and the local buildbot. */
async function build(n: Netlify, work: string): Promise<Built> {
  n.building = work;
  const { guard } = await compiled();
  const args = [NETLIFY_BUILD, '--offline', '--cwd', work, '--repositoryRoot', work, '--cacheDir', join(n.dir, 'cache'), '--buildbotServerSocket', n.buildbot, '--context', 'production'];
  return new Promise<Built>((done) => {
    const child = spawn(process.execPath, args, {
      cwd: work,
      env: {
        ...process.env,
        // Netlify starts the plugin in a child of its own; NODE_OPTIONS reaches it (the guard, compiled: no tsx).
        NODE_OPTIONS: `--import ${guard}`,
        NODE_EXTRA_CA_CERTS: SIMULATED_CA,
        URL: 'https://blog.example.org',
        BUILD_TELEMETRY_DISABLED: '1',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

test('Netlify\'s build runner: the plugin sends after the deploy; the next build restores the state from the cache and sends nothing', async (t) => {
  const n = await setup(t);
  const first = await build(n, await checkout(n, 'build-1', '  withoutState = "send"'));
  assert.equal(first.code, 0, first.out);
  assert.doesNotMatch(first.out, /offline guard/);
  assert.deepEqual(n.deploys.map((d) => [d.action, d.deployDir]), [['deploySiteAndAwaitLive', 'public']], 'Netlify waits for the site to be live because of onSuccess');
  // The example site: 8 accepted, 1 refused (an arXiv id that does not exist); all after the deploy.
  const posts = n.web.notifications();
  assert.equal(posts.length, 9, first.out);
  const live = n.deploys[0]?.requestsBefore ?? Infinity;
  assert.ok(n.web.requests.slice(0, live).every((r) => r.method !== 'POST'), 'nothing was sent before the deploy');
  assert.ok(n.web.requests.slice(0, live).every((r) => r.host !== 'blog.example.org'), 'the post was fetched only once live');
  assert.match(first.out, /no state in the build cache/);
  assert.match(first.out, /3 posts read · \d+ targets · 8 sent · 1 failed/);
  assert.match(first.out, /8 sent, 1 failed, 0 held/, 'the deploy summary (utils.status.show)');

  // A new build, in a fresh checkout (no .linkback/): only the build cache carries the state.
  const seen = n.web.requests.length;
  const work = await checkout(n, 'build-2', '  withoutState = "send"');
  await assert.rejects(access(join(work, '.linkback')));
  const second = await build(n, work);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /state restored from the build cache/);
  assert.deepEqual(n.web.requests.slice(seen).filter((r) => r.method === 'POST'), [], 'nothing sent the second time');
  assert.deepEqual(n.web.requests.slice(seen).map((r) => `${r.method} ${r.host}${r.path}`), [], 'no request at all: the posts are unchanged');
  assert.match(second.out, /0 sent, 0 failed, 0 held/);
  const state = await readFile(join(work, '.linkback/state.json'), 'utf8');
  assert.match(state, /1706\.03762/);
});

/** Netlify's utils with its real cache (@netlify/cache-utils, as @netlify/build binds it); status and failures kept. */
function utilsFor(cacheDir: string) {
  const shown: string[] = [];
  const failed: string[] = [];
  // cache-utils' declarations make every option argument required; @netlify/build calls it with one argument too.
  const cache = bindOpts({ cacheDir }) as unknown as NetlifyEventLike['utils']['cache'] & { has(path: string): Promise<boolean> };
  const utils = {
    cache,
    build: { failPlugin: (message: string) => void failed.push(message) },
    status: { show: ({ summary }: { summary: string }) => void shown.push(summary) },
  } satisfies NetlifyEventLike['utils'];
  return { utils, shown, failed };
}

test('without a state (first build, or the cache was cleared) nothing is sent unless withoutState says what to do', async (t) => {
  const n = await setup(t);
  const work = await checkout(n, 'site', '');
  n.web.serve(join(work, 'public'));
  const cwd = process.cwd();
  process.chdir(work);
  const logged: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = console.error = (...args: unknown[]) => void logged.push(args.join(' '));
  try {
    const stop = utilsFor(join(n.dir, 'cache'));
    await onSuccess({ constants: { PUBLISH_DIR: join(work, 'public') }, inputs: { failOnError: true }, utils: stop.utils });
    assert.equal(n.web.requests.length, 0, 'nothing fetched, nothing sent');
    assert.match(stop.shown[0] ?? '', /nothing sent: no linkback state was found/);
    assert.match(stop.failed[0] ?? '', /withoutState = "send"/);

    // "baseline": every current link recorded as done, nothing sent; the state saved to the cache.
    const baseline = utilsFor(join(n.dir, 'cache'));
    await onSuccess({ constants: { PUBLISH_DIR: join(work, 'public') }, inputs: { withoutState: 'baseline' }, utils: baseline.utils });
    assert.equal(n.web.notifications().length, 0);
    assert.equal(await baseline.utils.cache.has(join(work, '.linkback/state.json')), true);

    // A deploy preview sends nothing.
    process.env.CONTEXT = 'deploy-preview';
    await rm(join(work, '.linkback'), { recursive: true });
    const preview = utilsFor(join(n.dir, 'cache'));
    const before = n.web.requests.length;
    await onSuccess({ constants: { PUBLISH_DIR: join(work, 'public') }, inputs: { withoutState: 'send' }, utils: preview.utils });
    assert.equal(n.web.requests.length, before);
    assert.ok(logged.some((l) => l === 'nothing sent: this is a deploy-preview build (contexts: production)'), logged.join('\n'));
  } finally {
    delete process.env.CONTEXT;
    console.log = log;
    console.error = error;
    process.chdir(cwd);
  }
});
