// The receiver's content sanitiser against an XSS corpus: the vectors of the OWASP XSS Filter Evasion Cheat Sheet
// (written out here, not fetched), a few mutation-XSS vectors, and random mixes of them (fast-check). The output
// is checked by parsing it, as a browser would: only allowlisted tags, no handlers or style, and every URL http(s)
// (or mailto for links).
// Touches no database (sanitizeContent and the entry reader are pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { sanitizeContent } from '../src/receive/verify/index.ts';
import { parseMicroformats, readEntry } from '../src/receive/verify/entry.ts';

const BASE = 'https://source.example/notes/1';

const OWASP = [
  `<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>`,
  `<IMG SRC="javascript:alert('XSS');">`,
  `<IMG SRC=javascript:alert('XSS')>`,
  `<IMG SRC=JaVaScRiPt:alert('XSS')>`,
  `<IMG SRC=javascript:alert(&quot;XSS&quot;)>`,
  '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>',
  `<a onmouseover="alert(document.cookie)">xxs link</a>`,
  `<a onmouseover=alert(document.cookie)>xxs link</a>`,
  `<A HREF="https://x.example/" onclick="alert(1)" style="color:red">handler on an allowed link</A>`,
  `<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>`,
  `<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>`,
  `<IMG SRC=# onmouseover="alert('xxs')">`,
  `<IMG SRC= onmouseover="alert('xxs')">`,
  `<IMG onmouseover="alert('xxs')">`,
  `<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
  `<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`,
  `<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
  `<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>`,
  `<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
  `<IMG SRC="jav\tascript:alert('XSS');">`,
  `<IMG SRC="jav&#x09;ascript:alert('XSS');">`,
  `<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
  `<IMG SRC="jav&#x0D;ascript:alert('XSS');">`,
  `<IMG SRC=" &#14;  javascript:alert('XSS');">`,
  `<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>`,
  '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
  `<SCRIPT/SRC="http://xss.rocks/xss.js"></SCRIPT>`,
  `<<SCRIPT>alert("XSS");//\\<</SCRIPT>`,
  `<SCRIPT SRC=http://xss.rocks/xss.js?< B >`,
  `<SCRIPT SRC=//xss.rocks/.j>`,
  `<IMG SRC="\`<javascript:alert>\`('XSS')"`,
  `<iframe src=http://xss.rocks/scriptlet.html <`,
  `</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
  `<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
  `<BODY BACKGROUND="javascript:alert('XSS')">`,
  `<IMG DYNSRC="javascript:alert('XSS')">`,
  `<IMG LOWSRC="javascript:alert('XSS')">`,
  `<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
  `<svg/onload=alert('XSS')>`,
  `<BODY ONLOAD=alert('XSS')>`,
  `<BGSOUND SRC="javascript:alert('XSS');">`,
  `<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
  `<STYLE>@import'http://xss.rocks/xss.css';</STYLE>`,
  `<META HTTP-EQUIV="Link" Content="<http://xss.rocks/xss.css>; REL=stylesheet">`,
  `<STYLE>BODY{-moz-binding:url("http://xss.rocks/xssmoz.xml#xss")}</STYLE>`,
  `<IMG STYLE="xss:expr/*XSS*/ession(alert('XSS'))">`,
  `<STYLE TYPE="text/javascript">alert('XSS');</STYLE>`,
  `<STYLE>.XSS{background-image:url("javascript:alert('XSS')");}</STYLE><A CLASS=XSS></A>`,
  `<STYLE type="text/css">BODY{background:url("javascript:alert('XSS')")}</STYLE>`,
  `<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
  `<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">`,
  `<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`,
  `<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>`,
  `<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>`,
  `<TABLE BACKGROUND="javascript:alert('XSS')">`,
  `<TABLE><TD BACKGROUND="javascript:alert('XSS')">`,
  `<DIV STYLE="background-image: url(javascript:alert('XSS'))">`,
  `<DIV STYLE="background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029">`,
  `<DIV STYLE="width: expression(alert('XSS'));">`,
  `<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->`,
  `<BASE HREF="javascript:alert('XSS');//">`,
  `<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>`,
  `<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>`,
  `<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>`,
  `<SCRIPT ="blah" SRC="httx://xss.rocks/xss.js"></SCRIPT>`,
  `<SCRIPT>document.write("<SCRI");</SCRIPT>PT SRC="httx://xss.rocks/xss.js"></SCRIPT>`,
  `<A HREF="javascript:document.location='http://www.google.com/'">XSS</A>`,
  `<A HREF="http://66.102.7.147/">XSS</A>`,
  `<A HREF="//www.google.com/">XSS</A>`,
  `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>`,
  `<a href="vbscript:msgbox(1)">vb</a>`,
  `<a href="  javascript:alert(1)">spaces</a>`,
  `<a href="&#106;avascript:alert(1)">entity</a>`,
  `<a href="jav&#x09;ascript:alert(1)">tab entity</a>`,
  `<img src="data:image/png;base64,iVBORw0KGgo=">`,
  `<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">x</button></form>`,
  `<details open ontoggle=alert(1)>`,
  `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
  `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
  `<svg><style><img src=x onerror=alert(1)></style></svg>`,
  `<template><script>alert(1)</script></template>`,
  `<p style="behavior:url(#default#time2)" onbegin="alert(1)">x</p>`,
  `<xmp><img src=x onerror=alert(1)></xmp>`,
];

const ALLOWED_TAGS = new Set(['a', 'abbr', 'b', 'blockquote', 'br', 'cite', 'code', 'dd', 'del', 'dl', 'dt', 'em', 'figcaption', 'figure', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'small', 'strong', 'sub', 'sup', 'time', 'u', 'ul']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite']);

/** What is wrong with a sanitised fragment, parsed as a browser would parse it; empty when nothing. */
function problems(html: string): string[] {
  const found: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (!ALLOWED_TAGS.has(name)) found.push(`tag <${name}>`);
        for (const [attribute, value] of Object.entries(attribs)) {
          if (attribute.startsWith('on') || attribute === 'style' || attribute === 'srcset' || attribute === 'formaction') found.push(`attribute ${attribute}`);
          if (URL_ATTRIBUTES.has(attribute)) {
            let scheme: string;
            try {
              // A browser strips tabs/newlines and leading spaces before reading the scheme; so does URL.
              scheme = new URL(value, BASE).protocol;
            } catch {
              found.push(`unparsable ${attribute}="${value}"`);
              continue;
            }
            const allowed = name === 'a' ? ['http:', 'https:', 'mailto:'] : ['http:', 'https:'];
            if (!allowed.includes(scheme)) found.push(`${attribute} scheme ${scheme}`);
            if (value.trim().startsWith('//')) found.push(`protocol-relative ${attribute}`);
          }
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  if (/<\s*\/?\s*script/i.test(html)) found.push('the text "<script" survives unescaped');
  return found;
}

test('Security: every OWASP XSS cheat-sheet vector comes out without script, handler, style or a non-http(s) URL', () => {
  for (const vector of OWASP) {
    const out = sanitizeContent(vector, BASE);
    assert.deepEqual(problems(out), [], `${vector}\n  -> ${out}`);
  }
});

test('Security: the corpus\' own checker catches what it should (it is not vacuous)', () => {
  assert.notDeepEqual(problems('<img src=x onerror=alert(1)>'), []);
  assert.notDeepEqual(problems('<a href="jav&#x09;ascript:alert(1)">x</a>'), []);
  assert.notDeepEqual(problems('<iframe src="https://x.example/"></iframe>'), []);
  assert.notDeepEqual(problems('<p style="x">y</p>'), []);
  assert.notDeepEqual(problems('<a href="//evil.example/">x</a>'), []);
  assert.deepEqual(problems('<p>Hi <a href="https://x.example/" rel="nofollow ugc noopener">x</a> <img src="https://x.example/a.png" alt=""></p>'), []);
});

test('Security: random mixes of the vectors and ordinary markup stay clean (fast-check)', () => {
  const fragment = fc.oneof(
    fc.constantFrom(...OWASP),
    fc.constantFrom('<p>', '</p>', '<a href="/x">', '</a>', '<b>', '</b>', '<img src="a.png">', '<!--', '-->', '<![CDATA[', ']]>', '"', "'", '<', '>', '&', ' ', 'text'),
  );
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 12 }), (parts) => {
      const out = sanitizeContent(parts.join(''), BASE);
      assert.deepEqual(problems(out), [], `${parts.join('')}\n  -> ${out}`);
    }),
    { numRuns: 300 },
  );
});

test('ordinary content keeps its markup; relative links and images become absolute against the source', () => {
  assert.equal(
    sanitizeContent('<p>A <strong>good</strong> <a href="../other">post</a>, <img src="pic.png" alt="a pic" width="10"></p><ul><li>one</li></ul>', BASE),
    '<p>A <strong>good</strong> <a href="https://source.example/other" rel="nofollow ugc noopener">post</a>, <img src="https://source.example/notes/pic.png" alt="a pic" width="10" /></p><ul><li>one</li></ul>',
  );
  // Disallowed wrappers go, their text stays; script and style text goes with them.
  assert.equal(sanitizeContent('<div><span>kept</span><script>gone()</script><style>p{}</style></div>', BASE), 'kept');
});

test('Security: every field of a verified mention is filtered, not only the content (u-url, u-photo, author url)', () => {
  const target = 'https://blog.example/post';
  for (const vector of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', ' jav\tascript:alert(1)']) {
    const html = `<html><body><div class="h-entry"><div class="p-author h-card"><a class="u-url p-name" href="${vector}">Eve</a><img class="u-photo" src="${vector}" alt=""></div><a class="u-in-reply-to" href="${target}">re</a><a class="u-url" href="${vector}">#</a></div></body></html>`;
    const parsed = parseMicroformats(html, BASE);
    assert.ok(parsed);
    const entry = readEntry(parsed, target, BASE);
    assert.deepEqual(entry, { property: 'in-reply-to', author: { name: 'Eve' } }, vector);
  }
});
