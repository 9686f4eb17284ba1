// What the scope settings mean: includePaths / excludePaths on site-relative files, excludeHosts and
// only on URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createScope, pathGlobToRegExp } from '../src/scope.ts';

const none = { exclude: [], excludeHosts: [], includePaths: [], excludePaths: [], only: [] };

test('path globs: * stays in a folder, ** crosses folders, a trailing / is the whole folder', () => {
  const cases: Array<[string, string, boolean]> = [
    ['blog/**', 'blog/2024/post/index.html', true],
    ['blog/**', 'blog/index.html', true],
    ['blog/**', 'blogroll/index.html', false],
    ['blog/*', 'blog/index.html', true],
    ['blog/*', 'blog/2024/index.html', false],
    ['drafts/', 'drafts/a/index.html', true],
    ['drafts/', 'notes/drafts/a.html', false],
    ['**/drafts/**', 'notes/drafts/a.html', true],
    ['**/drafts/**', 'drafts/a.html', true],
    ['*.html', 'about.html', true],
    ['*.html', 'a/about.html', false],
    ['20??/*/index.html', '2024/x/index.html', true],
    ['20??/*/index.html', '2024/x/y/index.html', false],
    ['./posts/a.html', 'posts/a.html', true],
    ['a.html', 'aXhtml', false],
    ['(a)+[b].html', '(a)+[b].html', true],
  ];
  for (const [glob, path, expected] of cases) assert.equal(pathGlobToRegExp(glob).test(path), expected, `${glob} ~ ${path}`);
});

test('path globs: a literal path matches itself only, and "**" matches every path', () => {
  const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._()+$^-]{0,7}$/);
  const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));
  fc.assert(fc.property(path, path, (a, b) => {
    assert.equal(pathGlobToRegExp(a).test(b), a === b);
    assert.ok(pathGlobToRegExp('**').test(b));
    assert.ok(pathGlobToRegExp(`${a}/`).test(`${a}/${b}`));
  }));
});

test('sources: includePaths limits, excludePaths wins', () => {
  const scope = createScope({ ...none, includePaths: ['blog/**'], excludePaths: ['blog/drafts/'] });
  assert.equal(scope.source('blog/2024/a/index.html'), true);
  assert.equal(scope.source('blog/drafts/b/index.html'), false);
  assert.equal(scope.source('about/index.html'), false);
  assert.equal(createScope(none).source('anything/at/all.html'), true);
});

test('targets: excludeHosts by host name; only: a pair whose source or target URL matches', () => {
  const scope = createScope({ ...none, excludeHosts: ['twitter.com', '*.x.com'], only: ['https://arxiv.org/abs/*', 'https://blog.example.org/2024/*'] });
  assert.equal(scope.only('https://blog.example.org/2023/a/', 'https://arxiv.org/abs/1706.03762'), true, 'target matches');
  assert.equal(scope.only('https://blog.example.org/2024/b/', 'https://example.com/page'), true, 'source matches');
  assert.equal(scope.only('https://blog.example.org/2023/a/', 'https://example.com/page'), false, 'neither matches');
  assert.equal(scope.target('https://TWITTER.com/someone'), false);
  assert.equal(scope.target('https://api.x.com/post'), false);
  assert.equal(scope.target('https://x.com/post'), true, '*.x.com is the sub-domains');
  assert.equal(scope.target('https://twitter.com.example.org/'), true, 'the whole host name is matched');
  assert.equal(scope.partial, true);
  assert.equal(createScope(none).partial, false);
  assert.equal(createScope(none).only('https://a.example/', 'https://b.example/'), true);
});

test('excludedBy names the setting and the glob, for `discover`', () => {
  const scope = createScope({ ...none, exclude: ['https://example.com/private/*'], excludeHosts: ['*.medium.com'] });
  assert.equal(scope.excludedBy('https://example.com/private/x'), 'exclude "https://example.com/private/*"');
  assert.equal(scope.excludedBy('https://someone.medium.com/p'), 'excludeHosts "*.medium.com"');
  assert.equal(scope.excludedBy('https://example.com/public'), null);
  assert.equal(scope.excludedBy('not a url'), null);
});
