import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressRange, checkUrl, type AddressRange } from '../src/net/address.ts';

// Expected ranges come from the IANA special-purpose registries (RFC 6890 and successors).
const cases: Array<[string, AddressRange]> = [
  // IPv4
  ['93.184.215.14', 'public'],
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'], // just outside 172.16/12
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'], // carrier-grade NAT
  ['100.127.255.254', 'private'],
  ['100.128.0.1', 'public'], // just outside 100.64/10
  ['169.254.169.254', 'link-local'], // cloud metadata service
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'], // 0/8: "this network"
  ['255.255.255.255', 'reserved'], // broadcast
  ['192.0.2.10', 'reserved'], // TEST-NET-1
  ['198.51.100.7', 'reserved'], // TEST-NET-2
  ['203.0.113.99', 'reserved'], // TEST-NET-3
  ['198.18.0.1', 'reserved'], // benchmarking
  ['240.0.0.1', 'reserved'],
  // IPv6
  ['2606:4700:4700::1111', 'public'],
  ['2001:4860:4860::8888', 'public'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456:789a::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'], // documentation
  ['::7f00:1', 'reserved'], // deprecated IPv4-compatible form
  ['100::1', 'reserved'], // discard prefix
  // IPv6 carrying IPv4: judged by the IPv4 inside
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:8.8.8.8', 'public'],
  ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
  ['64:ff9b::808:808', 'public'], // NAT64 of 8.8.8.8: how IPv6-only networks reach the web
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ['2002:808:808::1', 'public'], // 6to4 of 8.8.8.8
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'], // Teredo, client 127.0.0.1 (inverted)
  ['2001:0:4136:e378:8000:63bf:f5ff:fefe', 'private'], // Teredo, client 10.0.1.1 (inverted)
  // Not an address at all
  ['', 'reserved'],
  ['localhost', 'reserved'],
  ['1.2.3', 'reserved'],
  ['2130706433', 'reserved'],
  ['[::1]', 'reserved'],
  ['999.1.1.1', 'reserved'],
];

for (const [ip, expected] of cases) {
  test(`addressRange(${JSON.stringify(ip)}) is ${expected}`, () => {
    assert.equal(addressRange(ip), expected);
  });
}

test('checkUrl accepts public http and https URLs and returns the parsed URL', () => {
  for (const url of ['http://example.org/post', 'https://blog.example.com:8443/a?b=c#d', 'http://8.8.8.8/', 'https://[2606:4700:4700::1111]/']) {
    const result = checkUrl(url);
    assert.ok(result.ok, url);
    assert.equal(result.url.href, new URL(url).href);
  }
});

test('checkUrl refuses other schemes and unparsable URLs as bad-url', () => {
  for (const url of ['ftp://example.org/', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@example.org', 'gopher://x/', '/relative', 'http://', '']) {
    const result = checkUrl(url);
    assert.equal(result.ok, false, url);
    assert.equal(!result.ok && result.code, 'bad-url', url);
  }
});

test('checkUrl refuses URLs over 8 KB', () => {
  const base = 'https://example.org/?q=';
  assert.equal(checkUrl(base + 'x'.repeat(8192 - base.length)).ok, true);
  const long = checkUrl(base + 'x'.repeat(8193 - base.length));
  assert.equal(!long.ok && long.code, 'bad-url');
});

test('checkUrl refuses IP-literal hosts that are not public, in every spelling', () => {
  const refused = [
    'http://127.0.0.1/',
    'http://2130706433/', // decimal 127.0.0.1
    'http://0x7f.1/', // hex + short form
    'http://0177.0.0.1/', // octal
    'http://0x7f000001/',
    'http://127.1/',
    'http://127.0.0.1./', // trailing dot
    'http://\uff11\uff12\uff17.0.0.1/', // full-width digits
    'http://0/', // 0.0.0.0
    'http://10.0.0.1:8080/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'https://100.64.1.1/',
  ];
  for (const url of refused) {
    const result = checkUrl(url);
    assert.equal(!result.ok && result.code, 'private-address', url);
  }
});

test('the WHATWG parser turns odd IPv4 spellings into dotted form (what checkUrl relies on)', () => {
  assert.equal(new URL('http://2130706433/').hostname, '127.0.0.1');
  assert.equal(new URL('http://0x7f.1/').hostname, '127.0.0.1');
  assert.equal(new URL('http://0177.0.0.1/').hostname, '127.0.0.1');
});

test('checkUrl leaves host names to the connect-time check', () => {
  // "localhost" resolves to loopback, but only DNS can say so: refused when connecting.
  assert.equal(checkUrl('http://localhost/').ok, true);
  assert.equal(checkUrl('http://blog.example/').ok, true);
});
