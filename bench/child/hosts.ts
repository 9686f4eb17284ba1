// How each host of the latency web advertises its endpoint, by i % 10: 0-5 Webmention in a Link header,
// 6-7 Webmention in a <link>, 8 Pingback (X-Pingback header and <link>), 9 nothing.
export type HostKind = 'webmention-header' | 'webmention-html' | 'pingback' | 'none';

export function hostKind(i: number): HostKind {
  const r = i % 10;
  return r <= 5 ? 'webmention-header' : r <= 7 ? 'webmention-html' : r === 8 ? 'pingback' : 'none';
}
