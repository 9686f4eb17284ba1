// Settings from a config file (found upward), LINKBACK_* variables and flags: one schema, config < env < flags,
// and a message naming the key and where it came from for anything the schema refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { envLayer, envName, fromString, kindOf, loadConfig, resolveLayers, resolveOptions } from '../src/config.ts';
import { isLinkbackError, optionsSchema, parseOptions } from '../src/index.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function write(path: string, text: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** The LinkbackError a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLinkbackError(error), `a LinkbackError, got ${String(error)}`);
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a rejection');
}

test('the nearest config file is found from a nested folder; its relative paths resolve against its own folder', async (t) => {
  const dir = await tempDir(t);
  await write(join(dir, 'linkback.config.json'), JSON.stringify({ site: '_site', state: 'deploy/state.json', siteUrl: 'https://blog.example.org', concurrency: 3 }));
  const nested = join(dir, 'src', 'posts');
  await mkdir(nested, { recursive: true });
  const { options, config } = await resolveLayers({ cwd: nested, env: {}, flags: {} });
  assert.equal(config, join(dir, 'linkback.config.json'));
  assert.equal(options.site, join(dir, '_site'));
  assert.equal(options.state, join(dir, 'deploy/state.json'));
  assert.equal(options.siteUrl, 'https://blog.example.org');
  assert.equal(options.concurrency, 3);
});

test('the default state lives next to the config file (the project), else in the current folder', async (t) => {
  const dir = await tempDir(t);
  await write(join(dir, 'linkback.config.json'), '{}');
  await mkdir(join(dir, 'sub'));
  assert.equal((await resolveLayers({ cwd: join(dir, 'sub'), env: {}, flags: {} })).options.state, join(dir, '.linkback/state.json'));
  const bare = await tempDir(t);
  const without = await resolveLayers({ cwd: bare, env: {}, flags: {} });
  // Nothing is found upward from a fresh temporary folder (unless the machine has a config above /tmp).
  if (without.config === null) assert.equal(without.options.state, join(bare, '.linkback/state.json'));
});

test('.mjs (export default), .js (CommonJS) and package.json "linkback" are read; the nearest folder wins, not a merge', async (t) => {
  const dir = await tempDir(t);
  await write(join(dir, 'linkback.config.mjs'), 'export default { blogName: "From mjs", perHost: 1 };\n');
  await write(join(dir, 'a', 'linkback.config.js'), 'module.exports = { blogName: "From js" };\n');
  await write(join(dir, 'b', 'package.json'), JSON.stringify({ name: 'blog', linkback: { blogName: 'From package.json', site: 'public' } }));
  await write(join(dir, 'c', 'package.json'), JSON.stringify({ name: 'no-key' }));

  const top = await loadConfig(dir);
  assert.deepEqual(top.values, { blogName: 'From mjs', perHost: 1 });
  const a = await loadConfig(join(dir, 'a'));
  assert.equal(a.file, join(dir, 'a', 'linkback.config.js'));
  assert.deepEqual(a.values, { blogName: 'From js' }, 'the nearer file replaces the farther one');
  const b = await loadConfig(join(dir, 'b'));
  assert.equal(b.file, join(dir, 'b', 'package.json'));
  assert.match(b.label ?? '', /package\.json \("linkback" key\)$/);
  assert.deepEqual(b.values, { blogName: 'From package.json', site: join(dir, 'b', 'public') });
  const c = await loadConfig(join(dir, 'c'));
  assert.equal(c.file, join(dir, 'linkback.config.mjs'), 'a package.json without the key is passed over');
});

test('in one folder linkback.config.json comes before .mjs, .js and package.json', async (t) => {
  const dir = await tempDir(t);
  await write(join(dir, 'package.json'), JSON.stringify({ linkback: { blogName: 'pkg' } }));
  await write(join(dir, 'linkback.config.js'), 'module.exports = { blogName: "js" };');
  assert.deepEqual((await loadConfig(dir)).values, { blogName: 'js' });
  await write(join(dir, 'linkback.config.mjs'), 'export default { blogName: "mjs" };');
  assert.deepEqual((await loadConfig(dir)).values, { blogName: 'mjs' });
  await write(join(dir, 'linkback.config.json'), '{"blogName": "json"}');
  assert.deepEqual((await loadConfig(dir)).values, { blogName: 'json' });
});

test('unknown keys and wrong types are refused with the key and the file named', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[string, string, RegExp]> = [
    ['linkback.config.json', '{"concurency": 4}', /unknown option "concurency" \(did you mean "concurrency"\?\)/],
    ['linkback.config.json', '{"concurrency": "four"}', /"concurrency".*expected number/],
    ['linkback.config.json', '{"exclude": "https://x.com/*"}', /"exclude".*expected array/],
    ['linkback.config.json', '{"siteUrl": "blog.example.org"}', /"siteUrl" must be an absolute http\(s\) URL/],
    ['linkback.config.json', '{"arxivEndpoint": "https://arxiv.org/trackback/"}', /"arxivEndpoint" must contain \{id\}/],
    ['linkback.config.json', '{"connectTo": {"a.example": "nowhere"}}', /"connectTo\.a\.example" must be address:port/],
    ['linkback.config.json', '{"site": "_site",}', /cannot read config/],
    ['linkback.config.json', '[1, 2]', /expected a JSON object/],
    ['linkback.config.mjs', 'export default { dryrun: true };', /unknown option "dryrun" \(did you mean "dryRun"\?\)/],
    ['linkback.config.mjs', 'export const other = 1;', /expected `export default/],
    ['package.json', '{"linkback": {"perHost": 0}}', /"perHost".*(>0|>=1|too small)/i],
  ];
  for (const [name, text, message] of cases) {
    const folder = await mkdtemp(join(dir, 'case-'));
    const file = await write(join(folder, name), text);
    const error = await rejection(resolveLayers({ cwd: folder, env: {}, flags: {} }));
    assert.equal(error.code, 'CONFIG_INVALID', `${name} ${text}`);
    assert.match(error.message, message, `${name} ${text}`);
    assert.ok(error.message.includes(file), `names the file: ${error.message}`);
  }
});

test('LINKBACK_* variables convert by the schema type; an empty one counts as unset', () => {
  const values = envLayer({
    LINKBACK_SITE_URL: 'https://blog.example.org',
    LINKBACK_CONCURRENCY: '4',
    LINKBACK_DRY_RUN: 'yes',
    LINKBACK_ALLOW_PRIVATE: 'false',
    LINKBACK_EXCLUDE_HOSTS: 'twitter.com, *.x.com',
    LINKBACK_CONNECT_TO: 'a.example=127.0.0.1:8080,*=127.0.0.1:9090',
    LINKBACK_BLOG_NAME: '',
    HOME: '/home/someone',
    LINKBACKISH: 'not ours',
  });
  assert.deepEqual(values, {
    siteUrl: 'https://blog.example.org',
    concurrency: 4,
    dryRun: true,
    allowPrivate: false,
    excludeHosts: ['twitter.com', '*.x.com'],
    connectTo: { 'a.example': '127.0.0.1:8080', '*': '127.0.0.1:9090' },
  });
});

test('a bad variable is refused with the variable named', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ LINKBACK_CONCURENCY: '4' }, /unknown environment variable LINKBACK_CONCURENCY \(did you mean LINKBACK_CONCURRENCY\?\)/],
    [{ LINKBACK_TIMEOUT: '20s' }, /environment variable LINKBACK_TIMEOUT: "timeout"/],
    [{ LINKBACK_DRY_RUN: 'maybe' }, /environment variable LINKBACK_DRY_RUN: "dryRun"/],
  ];
  for (const [env, message] of cases) {
    const error = await rejection(Promise.resolve().then(() => envLayer(env)));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, message);
  }
});

test('every setting of the schema has an environment variable that converts to its type', () => {
  const samples = { boolean: ['1', true], number: ['1', 1], list: ['a,b', ['a', 'b']] } as const;
  for (const key of Object.keys(optionsSchema.shape)) {
    const kind = kindOf(key);
    assert.ok(kind !== null, key);
    if (kind !== 'boolean' && kind !== 'number' && kind !== 'list') continue;
    // A list of origins converts like any list, but its items must be origins.
    const [text, value] = key === 'sites' ? ['https://a.example,https://b.example', ['https://a.example', 'https://b.example']] : samples[kind];
    assert.deepEqual(fromString(key, text), value, key);
    assert.deepEqual(envLayer({ [envName(key)]: text }), { [key]: value }, envName(key));
  }
  assert.equal(envName('maxRetryAfter'), 'LINKBACK_MAX_RETRY_AFTER');
  assert.equal(kindOf('noSuchSetting'), null);
});

test('precedence is config < env < flags, key by key', async (t) => {
  const dir = await tempDir(t);
  const keyValue = fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined });
  await fc.assert(
    fc.asyncProperty(keyValue, keyValue, keyValue, fc.boolean(), async (config, env, flag, flagAsText) => {
      const folder = await mkdtemp(join(dir, 'p-'));
      await writeFile(join(folder, 'linkback.config.json'), JSON.stringify({ blogName: 'config', ...(config === undefined ? {} : { concurrency: config }) }));
      const { options } = await resolveLayers({
        cwd: folder,
        env: { LINKBACK_CONTACT: 'env@example.org', ...(env === undefined ? {} : { LINKBACK_CONCURRENCY: String(env) }) },
        // Flags arrive as typed on a command line (text) or already typed (library callers).
        flags: { retries: '1', ...(flag === undefined ? {} : { concurrency: flagAsText ? String(flag) : flag }) },
      });
      assert.equal(options.concurrency, flag ?? env ?? config);
      // Keys set by one layer only come through untouched.
      assert.equal(options.blogName, 'config');
      assert.equal(options.contact, 'env@example.org');
      assert.equal(options.retries, 1);
    }),
    { numRuns: 40 },
  );
});

test('--config and LINKBACK_CONFIG name the file instead of searching; a missing one is a usage error', async (t) => {
  const dir = await tempDir(t);
  await write(join(dir, 'linkback.config.json'), '{"blogName": "searched"}');
  await write(join(dir, 'conf', 'other.json'), '{"blogName": "named"}');
  assert.equal((await resolveLayers({ cwd: dir, env: {}, flags: {}, configFile: 'conf/other.json' })).options.blogName, 'named');
  assert.equal((await resolveLayers({ cwd: dir, env: { LINKBACK_CONFIG: 'conf/other.json' }, flags: {} })).options.blogName, 'named');
  assert.equal((await resolveLayers({ cwd: dir, env: { LINKBACK_CONFIG: '' }, flags: {} })).options.blogName, 'searched');
  const error = await rejection(resolveLayers({ cwd: dir, env: {}, flags: {}, configFile: 'nope.json' }));
  assert.equal(error.code, 'USAGE');
  assert.match(error.message, /config file not found: .*nope\.json/);
});

test('flags: relative paths resolve against the current folder; a flag of the wrong type names the key', async (t) => {
  const dir = await tempDir(t);
  const options = await resolveOptions({ cwd: dir, env: { LINKBACK_STATE: 'env/state.json' }, flags: { site: 'public' } });
  assert.equal(options.site, join(dir, 'public'));
  assert.equal(options.state, join(dir, 'env/state.json'), 'env paths resolve against the current folder too');
  const error = await rejection(resolveOptions({ cwd: dir, env: {}, flags: { site: 'public', perHost: 'two' } }));
  assert.match(error.message, /invalid command-line flags: "perHost"/);
  const missing = await rejection(resolveOptions({ cwd: dir, env: {}, flags: {} }));
  assert.equal(missing.code, 'USAGE');
  assert.match(missing.message, /missing <site-dir>/);
});

test('the library refuses what the command line refuses: one schema', () => {
  assert.throws(() => parseOptions({ site: '_site', excludeHost: ['x.com'] }), /unknown option "excludeHost" \(did you mean "excludeHosts"\?\)/);
  assert.throws(() => parseOptions({ site: '_site', includePaths: 'blog/**' }), /"includePaths"/);
  const parsed = parseOptions({ site: '_site', only: ['https://arxiv.org/*'] });
  assert.deepEqual(parsed.only, ['https://arxiv.org/*']);
  assert.deepEqual(parsed.excludePaths, []);
});

test('a feed or sitemap file in the config resolves against its folder; a URL stays as it is', async (t) => {
  const dir = await tempDir(t);
  await write(join(dir, 'linkback.config.json'), JSON.stringify({ feed: 'public/feed.xml', sitemap: 'https://blog.example.org/sitemap.xml' }));
  await mkdir(join(dir, 'sub'));
  const { values } = await loadConfig(join(dir, 'sub'));
  assert.equal(values.feed, join(dir, 'public/feed.xml'));
  assert.equal(values.sitemap, 'https://blog.example.org/sitemap.xml');
});
