// Discovery of a `linkback serve` receiver: the <link> tags and TrackBack RDF a site publishes, read back by
// linkback's own sender-side discovery (the code that finds endpoints on other people's pages), and written into
// pages by a real Eleventy build and by the Astro integration's folder pass. No database here (these are pages and
// build plugins, no receiver runs), so nothing to run on Postgres as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDiscovery, headSnippet, postOf, receiverEndpoints, trackbackPing, trackbackRdf } from '../src/receive/publish/head.ts';
import { findHtmlEndpoints } from '../src/targets/html-endpoints.ts';
import { findTrackbackRdf } from '../src/targets/trackback-rdf.ts';
import { addDiscoveryToFolder, checkDiscovery } from '../src/integrations/discovery.ts';
import linkbackEleventy from '../src/integrations/eleventy.ts';
import type { EleventyConfigLike, EleventyOptions } from '../src/integrations/eleventy.ts';
import linkbackAstro from '../src/integrations/astro.ts';

const SITE = 'https://blog.example.org';
const RECEIVER = 'https://mentions.example.net';

test('the head snippet: webmention.io-style paths, a receiver under a path prefix, read back by our own discovery', () => {
  assert.equal(headSnippet(RECEIVER, SITE),
    '<link rel="webmention" href="https://mentions.example.net/blog.example.org/webmention">\n' +
    '<link rel="pingback" href="https://mentions.example.net/blog.example.org/xmlrpc">\n');
  assert.deepEqual(receiverEndpoints('https://example.net/linkback', 'http://127.0.0.1:4000'), {
    webmention: 'https://example.net/linkback/127.0.0.1:4000/webmention',
    pingback: 'https://example.net/linkback/127.0.0.1:4000/xmlrpc',
    trackback: 'https://example.net/linkback/127.0.0.1:4000/trackback',
  });
  const snippet = headSnippet(RECEIVER, 'https://xn--bcher-kva.example');
  const found = findHtmlEndpoints(`<html><head>${snippet}</head></html>`, () => true);
  assert.equal(found.webmention?.href, 'https://mentions.example.net/xn--bcher-kva.example/webmention');
  // Our sender stops at the first webmention endpoint (the preferred protocol); the pingback line read alone:
  const pingback = findHtmlEndpoints(`<html><head>${snippet.split('\n')[1] ?? ''}</head></html>`, () => true);
  assert.equal(pingback.pingback?.href, 'https://mentions.example.net/xn--bcher-kva.example/xmlrpc');
});

test('TrackBack RDF: found by our sender for this post only, with a title that would break a comment', () => {
  const post = { url: `${SITE}/2026/post/`, title: 'A "quoted" title --> & <more>' };
  const rdf = trackbackRdf(RECEIVER, 'https://xn--bcher-kva.example', { ...post, url: post.url.replace(SITE, 'https://xn--bcher-kva.example') });
  assert.equal(findTrackbackRdf(rdf, ['https://xn--bcher-kva.example/2026/post/']).match?.ping,
    'https://mentions.example.net/xn--bcher-kva.example/trackback?target=https%3A%2F%2Fxn--bcher-kva.example%2F2026%2Fpost%2F',
    'a punycode host\'s "--" is escaped in the comment and read back');
  assert.doesNotMatch(rdf.slice(4, -4), /--/);
  const page = `<html><body>${trackbackRdf(RECEIVER, SITE, post)}${trackbackRdf(RECEIVER, SITE, { url: `${SITE}/other/` })}</body></html>`;
  assert.equal(trackbackRdf(RECEIVER, SITE, post).match(/-->/g)?.length, 1, 'the title cannot close the comment');
  const { match, descriptions } = findTrackbackRdf(page, [post.url]);
  assert.equal(descriptions.length, 2);
  assert.equal(match?.ping, `${RECEIVER}/blog.example.org/trackback?target=https%3A%2F%2Fblog.example.org%2F2026%2Fpost%2F`);
  assert.equal(match?.ping, trackbackPing(RECEIVER, SITE, post.url));
  assert.equal(new URL(match?.ping ?? '').searchParams.get('target'), post.url);
});

test('pages: tags before </head>, RDF before </body> on a page with one <article>; other documents untouched', () => {
  const post = '<!doctype html><html><head><title>Hi &amp; bye</title></head><body><article>x</article></body></html>';
  const out = addDiscovery(post, RECEIVER, SITE, postOf(post, `${SITE}/p/`));
  assert.match(out, /<link rel="pingback" href="[^"]+">\n<\/head>/);
  assert.match(out, /dc:title="Hi &amp; bye" trackback:ping="[^"]+" \/>\n<\/rdf:RDF>\n-->\n<\/body>/);
  assert.equal(postOf('<title>L</title><article>a</article><article>b</article>', `${SITE}/`), undefined, 'a listing');
  assert.equal(postOf('<title>About</title><main>x</main>', `${SITE}/about/`), undefined);
  assert.equal(addDiscovery('<svg><title>x</title></svg>', RECEIVER, SITE), '<svg><title>x</title></svg>');
});

test('the option is checked when the integration is created', () => {
  assert.equal(checkDiscovery('', undefined, 'o'), null);
  assert.throws(() => checkDiscovery('mentions.example.net', SITE, 'o'), { code: 'CONFIG_INVALID', message: /"receiver" must be an http\(s\) URL/ });
  assert.throws(() => checkDiscovery(RECEIVER, undefined, 'o'), { code: 'CONFIG_INVALID', message: /needs the site's URL/ });
  assert.throws(() => linkbackAstro({ receiver: 42 } as unknown as Parameters<typeof linkbackAstro>[0]), { code: 'CONFIG_INVALID', message: /"receiver" must be a string/ });
  const config = { on: () => undefined, logger: { logWithOptions: () => undefined } } as EleventyConfigLike;
  assert.throws(() => linkbackEleventy(config, { receiver: RECEIVER }), { code: 'CONFIG_INVALID', message: /needs the site's URL/ });
});

test('the Astro integration: every built page gets the tags, the post its RDF, before anything is sent', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-astro-discovery-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const page = (body: string) => `<!doctype html><html><head><title>T</title></head><body>${body}</body></html>`;
  await mkdir(join(dir, 'posts/first'), { recursive: true });
  await writeFile(join(dir, 'index.html'), page('<article>a</article><article>b</article>'));
  await writeFile(join(dir, 'posts/first/index.html'), page('<article>post</article>'));
  await writeFile(join(dir, 'rss.xml'), '<rss></rss>');
  const changed = await addDiscoveryToFolder(dir, { receiver: RECEIVER, siteUrl: `${SITE}/blog/` });
  assert.equal(changed, 2);
  const post = await readFile(join(dir, 'posts/first/index.html'), 'utf8');
  assert.equal(findTrackbackRdf(post, [`${SITE}/blog/posts/first/`]).match?.ping, trackbackPing(RECEIVER, SITE, `${SITE}/blog/posts/first/`));
  assert.match(await readFile(join(dir, 'index.html'), 'utf8'), /<link rel="webmention"/);
  assert.doesNotMatch(await readFile(join(dir, 'index.html'), 'utf8'), /rdf:RDF/);
  assert.equal(await readFile(join(dir, 'rss.xml'), 'utf8'), '<rss></rss>');
});

test('a real Eleventy build (--serve, so nothing is sent) writes the tags into every page and the RDF into the post', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-eleventy-discovery-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(fileURLToPath(new URL('fixtures/integrations/eleventy/src', import.meta.url)), join(dir, 'src'), { recursive: true });
  // Eleventy ships no type declarations; a computed specifier keeps TypeScript from looking for them.
  const ELEVENTY = '@11ty/eleventy';
  const { default: Eleventy } = (await import(ELEVENTY)) as { default: new (i: string, o: string, options: Record<string, unknown>) => { write(): Promise<unknown> } };
  const options: EleventyOptions = { receiver: RECEIVER, siteUrl: 'https://notes.example.net/' };
  const eleventy = new Eleventy(join(dir, 'src'), join(dir, '_site'), {
    quietMode: true,
    runMode: 'serve',
    config(eleventyConfig: EleventyConfigLike & { addPlugin(plugin: unknown, options: unknown): void }) {
      eleventyConfig.addPlugin(linkbackEleventy, options);
    },
  });
  await eleventy.write();
  const home = await readFile(join(dir, '_site/index.html'), 'utf8');
  const post = await readFile(join(dir, '_site/posts/attention/index.html'), 'utf8');
  for (const html of [home, post]) assert.match(html, /<link rel="webmention" href="https:\/\/mentions\.example\.net\/notes\.example\.net\/webmention">\n<link rel="pingback"/);
  assert.doesNotMatch(home, /rdf:RDF/, 'the home page lists posts: no RDF');
  const { match } = findTrackbackRdf(post, ['https://notes.example.net/posts/attention/']);
  assert.equal(match?.ping, 'https://mentions.example.net/notes.example.net/trackback?target=https%3A%2F%2Fnotes.example.net%2Fposts%2Fattention%2F');
});
