// The 23 discovery tests of webmention.rocks (github.com/aaronpk/webmention.rocks,
// lib/Rocks/DiscoveryTestData.php), rebuilt as local pages: each case serves the same headers
// and the same endpoint markup from a server on 127.0.0.1, is fetched over real HTTP, and must
// give exactly the endpoint the original test accepts. The markup around the declarations is ours.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoverEndpoint, type DiscoveryInput } from '../src/targets/discover.ts';
import { DEFAULT_HTTP_OPTIONS, createHttpClient } from '../src/net/http.ts';

// The real HTTP client (undici, with the loopback guard lifted for local servers): several Link headers stay
// separate values, as the spec's discovery algorithm sees them.
const client = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'linkback-test', allowPrivate: true });
after(() => client.close());

async function getPage(url: string): Promise<DiscoveryInput> {
  const res = await client.request({ method: 'GET', url });
  return { targetUrl: url, finalUrl: res.url, status: res.status, headers: res.headers, body: res.body };
}

type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

/** Serves one case on 127.0.0.1:<random port>; returns what it was asked for. */
async function withServer(handler: Handler, run: (base: string) => Promise<void>): Promise<string[]> {
  const requested: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    requested.push(`${req.method} ${req.url}`);
    handler(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    await run(base);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return requested;
}

function page(num: number, head: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Discovery Test #${num}</title>
  <link href="/assets/site.css" rel="stylesheet">
  <script src="/assets/site.js"></script>
  ${head}
</head>
<body>
  <article class="h-entry">
    <h1 class="p-name"><a href="/test/${num}">Discovery Test #${num}</a></h1>
    <div class="e-content">${content}</div>
    <a class="u-url" href="/test/${num}">Published</a>
  </article>
</body>
</html>`;
}

interface RocksCase {
  num: number;
  title: string;
  /** Link header values, one entry per header line. */
  linkHeaders?: (base: string) => string[];
  /** Spelling of the header name on the wire (test #7). */
  headerName?: string;
  head?: (base: string) => string;
  content: (base: string) => string;
  /** The only endpoint the original test accepts. */
  expected: (base: string) => string;
}

const cases: RocksCase[] = [
  {
    num: 1,
    title: 'HTTP Link header, unquoted rel, relative URL',
    linkHeaders: () => ['</test/1/webmention>; rel=webmention'],
    content: () => 'The endpoint is in a Link header, as a path relative to this page.',
    expected: (b) => `${b}test/1/webmention`,
  },
  {
    num: 2,
    title: 'HTTP Link header, unquoted rel, absolute URL',
    linkHeaders: (b) => [`<${b}test/2/webmention>; rel=webmention`],
    content: () => 'The endpoint is in a Link header, as an absolute URL.',
    expected: (b) => `${b}test/2/webmention`,
  },
  {
    num: 3,
    title: 'HTML <link> tag, relative URL',
    head: () => '<link rel="webmention" href="/test/3/webmention">',
    content: () => 'The endpoint is a <code>&lt;link&gt;</code> in the head, as a relative URL.',
    expected: (b) => `${b}test/3/webmention`,
  },
  {
    num: 4,
    title: 'HTML <link> tag, absolute URL',
    head: (b) => `<link href="${b}test/4/webmention" rel="webmention">`,
    content: () => 'The endpoint is a <code>&lt;link&gt;</code> in the head, href before rel, absolute.',
    expected: (b) => `${b}test/4/webmention`,
  },
  {
    num: 5,
    title: 'HTML <a> tag, relative URL',
    content: () => 'Send it to <a rel="webmention" href="/test/5/webmention">this endpoint</a>, a relative link in the text.',
    expected: (b) => `${b}test/5/webmention`,
  },
  {
    num: 6,
    title: 'HTML <a> tag, absolute URL',
    content: (b) => `Send it to <a href="${b}test/6/webmention" rel="webmention">this endpoint</a>, an absolute link.`,
    expected: (b) => `${b}test/6/webmention`,
  },
  {
    num: 7,
    title: 'HTTP Link header with strange casing',
    linkHeaders: (b) => [`<${b}test/7/webmention>; rel=webmention`],
    headerName: 'LinK',
    content: () => 'The header name is spelled LinK; header names are case-insensitive.',
    expected: (b) => `${b}test/7/webmention`,
  },
  {
    num: 8,
    title: 'HTTP Link header, quoted rel',
    linkHeaders: (b) => [`<${b}test/8/webmention>; rel="webmention"`],
    content: () => 'Same as #2 but the rel value is a quoted string.',
    expected: (b) => `${b}test/8/webmention`,
  },
  {
    num: 9,
    title: 'Multiple rel values on a <link> tag',
    head: (b) => `<link rel="webmention somethingelse" href="${b}test/9/webmention">`,
    content: () => 'The link element carries two relation types.',
    expected: (b) => `${b}test/9/webmention`,
  },
  {
    num: 10,
    title: 'Multiple rel values on a Link header',
    linkHeaders: (b) => [`<${b}test/10/webmention>; rel="webmention somethingelse"`],
    content: () => 'The Link header carries two relation types.',
    expected: (b) => `${b}test/10/webmention`,
  },
  {
    num: 11,
    title: 'Multiple Webmention endpoints advertised: Link, <link>, <a>',
    linkHeaders: () => ['</test/11/webmention>; rel="webmention"'],
    head: () => '<link rel="webmention" href="/test/11/webmention/error">',
    content: () => 'A header, a link element and <a href="/test/11/webmention/error" rel="webmention">an anchor</a> all declare one; the header wins.',
    expected: (b) => `${b}test/11/webmention`,
  },
  {
    num: 12,
    title: 'Checking for exact match of rel=webmention',
    head: () => '<link rel="not-webmention" href="/test/12/webmention/error">',
    content: () => 'A look-alike rel comes first; the <a href="/test/12/webmention" rel="webmention">real endpoint</a> is here.',
    expected: (b) => `${b}test/12/webmention`,
  },
  {
    num: 13,
    title: 'False endpoint inside an HTML comment',
    content: () => 'Commented out: <!-- <a href="/test/13/webmention/error" rel="webmention"></a> --> and then the <a href="/test/13/webmention" rel="webmention">real endpoint</a>.',
    expected: (b) => `${b}test/13/webmention`,
  },
  {
    num: 14,
    title: 'False endpoint in escaped HTML',
    content: () => 'Sample code: <code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code> and then the <a href="/test/14/webmention" rel="webmention">real endpoint</a>.',
    expected: (b) => `${b}test/14/webmention`,
  },
  {
    num: 15,
    title: 'Webmention href is an empty string',
    head: () => '<link rel="webmention" href="">',
    content: () => 'An empty href: this page is its own endpoint.',
    expected: (b) => `${b}test/15`,
  },
  {
    num: 16,
    title: 'Multiple Webmention endpoints advertised: <a>, <link>',
    content: () => 'First <a href="/test/16/webmention" rel="webmention">an anchor</a>, later a link element <link rel="webmention" href="/test/16/webmention/error"> in the body.',
    expected: (b) => `${b}test/16/webmention`,
  },
  {
    num: 17,
    title: 'Multiple Webmention endpoints advertised: <link>, <a>',
    content: () => 'First a link element <link rel="webmention" href="/test/17/webmention"> in the body, later <a href="/test/17/webmention/error" rel="webmention">an anchor</a>.',
    expected: (b) => `${b}test/17/webmention`,
  },
  {
    num: 18,
    title: 'Multiple HTTP Link headers',
    linkHeaders: (b) => [`<${b}test/18/webmention/error>; rel="other"`, `<${b}test/18/webmention>; rel="webmention"`],
    content: () => 'Two Link header lines; the first has another rel.',
    expected: (b) => `${b}test/18/webmention`,
  },
  {
    num: 19,
    title: 'Single HTTP Link header with multiple values',
    linkHeaders: (b) => [`<${b}test/19/webmention/error>; rel="other", <${b}test/19/webmention>; rel="webmention"`],
    content: () => 'One Link header line with two comma-separated links.',
    expected: (b) => `${b}test/19/webmention`,
  },
  {
    num: 20,
    title: 'Link tag with no href attribute',
    content: () => 'A link element without href <link rel="webmention"> declares nothing; use <a href="/test/20/webmention" rel="webmention">this endpoint</a>.',
    expected: (b) => `${b}test/20/webmention`,
  },
  {
    num: 21,
    title: 'Webmention endpoint has query string parameters',
    head: () => '<link rel="webmention" href="/test/21/webmention?query=yes">',
    content: () => 'The endpoint has a query string that must be kept.',
    expected: (b) => `${b}test/21/webmention?query=yes`,
  },
  {
    num: 22,
    title: 'Webmention endpoint is relative to the path',
    head: () => '<link rel="webmention" href="22/webmention">',
    content: () => 'The href is relative to this page path, not to the host root.',
    expected: (b) => `${b}test/22/webmention`,
  },
];

function serveCase(c: RocksCase): Handler {
  return (req, res, base) => {
    if (req.url !== `/test/${c.num}`) {
      res.writeHead(404).end();
      return;
    }
    // The raw-array form of writeHead keeps the header name's spelling and repeated lines.
    const headers: string[] = ['Content-Type', 'text/html; charset=utf-8'];
    for (const value of c.linkHeaders?.(base) ?? []) headers.push(c.headerName ?? 'Link', value);
    res.writeHead(200, headers).end(page(c.num, c.head?.(base) ?? '', c.content(base)));
  };
}

for (const c of cases) {
  test(`webmention.rocks #${c.num}: ${c.title}`, async () => {
    let endpoint: string | undefined;
    await withServer(serveCase(c), async (base) => {
      const found = discoverEndpoint(await getPage(`${base}test/${c.num}`));
      assert.equal(found.endpoint?.protocol, 'webmention', found.notes.join('\n'));
      endpoint = found.endpoint?.url;
      assert.equal(endpoint, c.expected(base));
    });
    assert.notEqual(endpoint, undefined);
  });
}

test('webmention.rocks #23: Webmention target is a redirect and the endpoint is relative', async () => {
  // The target redirects to a page whose endpoint is relative to the page's own URL, so it must
  // be resolved against where the redirect ended. Each page URL answers once, like the original.
  const used = new Set<string>();
  const requested = await withServer(
    (req, res) => {
      const url = req.url ?? '';
      if (url === '/test/23/page') {
        res.writeHead(302, { Location: 'page/k1' }).end();
      } else if (url === '/test/23/page/k1' && !used.has(url)) {
        used.add(url);
        res
          .writeHead(200, { 'Content-Type': 'text/html', Link: '<webmention-endpoint/k2>; rel=webmention' })
          .end('<div class="h-entry"><p><a rel="webmention" href="webmention-endpoint/k2">endpoint</a></p></div>');
      } else {
        res.writeHead(410).end('Code expired\n');
      }
    },
    async (base) => {
      const input = await getPage(`${base}test/23/page`);
      assert.equal(input.finalUrl, `${base}test/23/page/k1`);
      const found = discoverEndpoint(input);
      assert.deepEqual(found.endpoint, { protocol: 'webmention', url: `${base}test/23/page/webmention-endpoint/k2`, via: 'HTTP Link header' });
    },
  );
  assert.deepEqual(requested, ['GET /test/23/page', 'GET /test/23/page/k1']);
});
