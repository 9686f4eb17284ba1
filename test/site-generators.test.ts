// scanSite on the real output of real static-site generators, built at test time into temp dirs:
// Jekyll with the minima theme (Debian: jekyll, jekyll-theme-minima), Hugo with a tiny theme of ours
// that imitates PaperMod's markup (Debian: hugo), Eleventy (npm devDependency) with templates
// imitating the Eleventy base blog, and Astro (npm devDependencies astro, @astrojs/rss) with a site shaped like
// Astro's blog starter. A missing generator skips its test, saying what to install.
import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { scanSite, type ScannedPage, type SiteOptions } from '../src/site/index.ts';
import type { Post } from '../src/types.ts';
import { compiled } from './compiled.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, 'fixtures', 'site');
const ELEVENTY = join(HERE, '..', 'node_modules', '@11ty', 'eleventy', 'cmd.cjs');
const ASTRO = join(HERE, '..', 'node_modules', 'astro', 'astro.js');
const ASTRO_RSS = join(HERE, '..', 'node_modules', '@astrojs', 'rss');
const BUILD_TIMEOUT = 120_000;

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

/** Copies a fixture source folder to a fresh temp dir (generators write caches into their source). */
async function workdir(fixture: string): Promise<{ src: string; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), `linkback-gen-${fixture}-`));
  temps.push(dir);
  await cp(join(FIXTURES, fixture), join(dir, 'src'), { recursive: true });
  return { src: join(dir, 'src'), out: join(dir, 'out') };
}

async function available(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function scanAll(root: string, options: Partial<SiteOptions> = {}) {
  const pages: ScannedPage[] = [];
  const warnings: string[] = [];
  for await (const p of scanSite(root, { siteUrl: null, blogName: null, ...options }, { onWarning: (w) => warnings.push(`${w.file}: ${w.message}`) })) {
    pages.push(p);
  }
  const kinds = Object.fromEntries(pages.map((p) => [p.file, p.kind]));
  const posts = Object.fromEntries(pages.flatMap((p) => (p.kind === 'post' ? [[p.file, p.post]] : []))) as Record<string, Post>;
  return { pages, kinds, posts, warnings };
}

function skipUnless(t: TestContext, ok: boolean, message: string): boolean {
  if (!ok) t.skip(message);
  return !ok;
}

test('Jekyll + minima: posts, listings and content links', { timeout: BUILD_TIMEOUT }, async (t) => {
  if (skipUnless(t, await available('jekyll', ['--version']), 'jekyll not installed: apt-get install jekyll jekyll-theme-minima')) return;
  const { src, out } = await workdir('jekyll');
  try {
    await run('jekyll', ['build', '--quiet', '--source', src, '--destination', out], { cwd: src, timeout: BUILD_TIMEOUT });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    if (/minima/i.test(stderr)) return void t.skip('the minima theme is missing: apt-get install jekyll-theme-minima');
    throw error;
  }
  const s = await scanAll(out);
  assert.deepEqual(s.kinds, {
    '2024/02/10/second-post.html': 'post',
    '2024/03/15/third-post.html': 'post',
    '404.html': 'other',
    'about/index.html': 'other',
    'index.html': 'listing',
    'notes/2024/01/05/first-post.html': 'post',
    'tags/index.html': 'listing',
  });
  const first = s.posts['notes/2024/01/05/first-post.html'];
  assert.ok(first);
  assert.equal(first.url, 'https://notes.example.org/notes/2024/01/05/first-post.html');
  assert.equal(first.title, 'First post: links & things');
  assert.equal(first.blogName, 'Field Notes & Café');
  assert.equal(first.published, '2024-01-05T10:00:00+00:00');
  // Not the site header, the footer's social links (github, twitter), the own post nor mailto:.
  assert.deepEqual(first.links, ['https://arxiv.org/abs/2101.00001', 'https://blog.example.com/post/1']);
  assert.deepEqual(s.posts['2024/02/10/second-post.html']?.links, ['https://example.net/page?a=1&b=2', 'https://en.wikipedia.org/wiki/Trackback']);
  assert.equal(s.posts['2024/02/10/second-post.html']?.title, 'Second — über post');
  assert.deepEqual(s.posts['2024/03/15/third-post.html']?.links, ['https://third.example.com/x']);
  assert.deepEqual(s.warnings, []);
});

test('Hugo with a PaperMod-like theme: aliases, tag pages, share buttons and prev/next', { timeout: BUILD_TIMEOUT }, async (t) => {
  if (skipUnless(t, await available('hugo', ['version']), 'hugo not installed: apt-get install hugo')) return;
  const { src, out } = await workdir('hugo-site');
  await run('hugo', ['--quiet', '--source', src, '--destination', out, '--themesDir', FIXTURES, '--theme', 'hugo-theme'], {
    cwd: src,
    timeout: BUILD_TIMEOUT,
  });
  const s = await scanAll(out);
  assert.deepEqual(s.kinds, {
    '404.html': 'other',
    'about/index.html': 'other',
    'categories/index.html': 'listing',
    'index.html': 'listing',
    'page/1/index.html': 'other',
    'page/2/index.html': 'listing',
    'posts/first/index.html': 'post',
    'posts/index.html': 'listing',
    'posts/page/1/index.html': 'other',
    'posts/page/2/index.html': 'listing',
    'posts/second/index.html': 'post',
    'posts/third/index.html': 'post',
    'tags/alpha/index.html': 'listing',
    'tags/alpha/page/1/index.html': 'other',
    'tags/beta/index.html': 'listing',
    'tags/beta/page/1/index.html': 'other',
    'tags/index.html': 'listing',
  });
  const first = s.posts['posts/first/index.html'];
  assert.ok(first);
  assert.equal(first.url, 'https://hugo.example.org/posts/first/');
  assert.equal(first.blogName, 'Hugo Notes & Co');
  assert.equal(first.excerpt, 'A first post about links.');
  assert.equal(first.published, '2024-01-05T10:00:00+00:00');
  assert.deepEqual(first.links, ['https://arxiv.org/abs/2101.00001', 'https://blog.example.com/post/1']);
  // Footnotes are content; tags, prev/next, share buttons, breadcrumbs and the menu are not.
  assert.deepEqual(s.posts['posts/second/index.html']?.links, [
    'https://example.net/page?a=1&b=2',
    'https://en.wikipedia.org/wiki/Trackback',
    'https://footnote.example.org/ref',
  ]);
  assert.deepEqual(s.posts['posts/third/index.html']?.links, ['https://third.example.com/x']);
  const alias = s.pages.find((p) => p.file === 'page/1/index.html');
  assert.match(alias && 'reason' in alias ? alias.reason : '', /refresh/);
});

test('Eleventy with base-blog-like templates: no <article>, content in <main>', { timeout: BUILD_TIMEOUT }, async (t) => {
  if (skipUnless(t, existsSync(ELEVENTY), '@11ty/eleventy not installed: npm install (it is a devDependency)')) return;
  const { src, out } = await workdir('eleventy');
  // Relative paths: with an absolute --input, Eleventy 3 skips directory data files (blog/blog.json).
  await run(process.execPath, [ELEVENTY, `--input=${basename(src)}`, `--output=${basename(out)}`, '--quiet'], {
    cwd: dirname(src),
    timeout: BUILD_TIMEOUT,
    env: { ...process.env, TZ: 'UTC' }, // dates in templates are formatted in local time
  });
  const expected = {
    '404.html': 'other',
    'about/index.html': 'other',
    'blog/index.html': 'listing',
    'blog/seeds/index.html': 'post',
    'blog/tomatoes/index.html': 'post',
    'blog/winter/index.html': 'post',
    'index.html': 'listing',
    'tags/index.html': 'other',
    'tags/seeds/index.html': 'listing',
    'tags/soil/index.html': 'listing',
  };
  // The base blog states no canonical URL: without --site-url its posts cannot be named.
  const bare = await scanAll(out);
  const noUrl = bare.pages.find((p) => p.file === 'blog/seeds/index.html');
  assert.deepEqual(noUrl, { kind: 'error', file: 'blog/seeds/index.html', reason: 'no URL: pass --site-url', code: 'no-url' });

  const s = await scanAll(out, { siteUrl: 'https://garden.example/' });
  assert.deepEqual(s.kinds, expected);
  const seeds = s.posts['blog/seeds/index.html'];
  assert.ok(seeds);
  assert.equal(seeds.url, 'https://garden.example/blog/seeds/');
  assert.equal(seeds.title, 'Seeds & soil');
  assert.equal(seeds.published, '2022-03-15');
  assert.equal(seeds.blogName, 'Garden Log');
  assert.equal(seeds.excerpt, 'Which seeds, which soil.');
  assert.deepEqual(seeds.links, ['https://seeds.example/catalog', 'https://arxiv.org/abs/2101.00001', 'https://soil.example/Guide?q=1']);
  assert.deepEqual(s.posts['blog/tomatoes/index.html']?.links, ['https://forum.example/t/123']);
  assert.deepEqual(s.posts['blog/winter/index.html']?.links, []);
});

test('Astro blog starter: About shares the post layout; the site\'s feed and /blog/ tell it apart, no flags', { timeout: 4 * BUILD_TIMEOUT }, async (t) => {
  if (skipUnless(t, existsSync(ASTRO) && existsSync(ASTRO_RSS), 'astro or @astrojs/rss not installed: npm install (they are devDependencies)')) return;
  const { src } = await workdir('astro-blog');
  // A real node_modules folder with the packages linked in: Astro and Vite write their caches under it.
  await mkdir(join(src, 'node_modules', '@astrojs'), { recursive: true });
  await symlink(join(HERE, '..', 'node_modules', 'astro'), join(src, 'node_modules', 'astro'), 'dir');
  await symlink(ASTRO_RSS, join(src, 'node_modules', '@astrojs', 'rss'), 'dir');
  // Offline: the guard refuses (and prints) any connection that is not to loopback. Compiled, so that nothing in
  // Astro's process goes through tsx (test/compiled.ts).
  const { guard } = await compiled();
  const built = await run(process.execPath, ['--import', guard, ASTRO, 'build'], {
    cwd: src,
    timeout: 4 * BUILD_TIMEOUT,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', TZ: 'UTC' },
  });
  assert.doesNotMatch(built.stderr, /offline guard/);

  const s = await scanAll(join(src, 'dist'));
  assert.deepEqual(s.kinds, {
    'about/index.html': 'other',
    'blog/first-post/index.html': 'post',
    'blog/index.html': 'listing',
    'blog/second-post/index.html': 'post',
    'blog/third-post/index.html': 'post',
    'index.html': 'other',
  });
  // One <article>, an <h1> and a <time datetime> like the posts, but the feed (/rss.xml, linked from every page's
  // head) lists the posts only, and they all live under /blog/.
  const about = s.pages.find((p) => p.file === 'about/index.html');
  assert.equal(about && 'reason' in about ? about.reason : '', "not in the site's feed (rss.xml) and outside /blog/");
  const first = s.posts['blog/first-post/index.html'];
  assert.ok(first);
  assert.equal(first.url, 'https://stars.example.org/blog/first-post/');
  assert.equal(first.title, 'First light');
  assert.equal(first.published, '2022-07-08T00:00:00.000Z');
  assert.equal(first.excerpt, 'The telescope sees its first star.');
  // Not the header's or footer's social links, nor the links to the site itself.
  assert.deepEqual(first.links, ['https://kits.example.com/mount?id=7&ref=notes', 'https://lenses.example.net/']);
  assert.deepEqual(s.posts['blog/second-post/index.html']?.links, ['https://en.wikipedia.org/wiki/Astronomical_seeing', 'https://arxiv.org/abs/2101.00001']);
  assert.equal(s.posts['blog/second-post/index.html']?.published, '2022-07-15T00:00:00.000Z', 'the publication date, not "last updated on"');
  assert.deepEqual(s.posts['blog/third-post/index.html']?.links, ['https://comets.example.org/c2024']);
  assert.deepEqual(s.warnings, []);
});
