import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arxivId, arxivTarget, DEFAULT_ARXIV_ENDPOINT } from '../src/targets/arxiv.ts';

const PAPERS: Array<[url: string, id: string]> = [
  // hosts and schemes
  ['https://arxiv.org/abs/2301.12345', '2301.12345'],
  ['http://arxiv.org/abs/2301.12345', '2301.12345'],
  ['https://www.arxiv.org/abs/2301.12345', '2301.12345'],
  ['https://export.arxiv.org/abs/2301.12345', '2301.12345'],
  ['https://ArXiv.ORG/abs/2301.12345', '2301.12345'],
  ['HTTPS://WWW.ARXIV.ORG/abs/2301.12345', '2301.12345'],
  // abs
  ['https://arxiv.org/abs/2301.12345v2', '2301.12345'],
  ['https://arxiv.org/abs/2301.12345v12', '2301.12345'],
  ['https://arxiv.org/abs/0704.0001', '0704.0001'],
  ['https://arxiv.org/abs/1412.9999v1', '1412.9999'],
  ['https://arxiv.org/abs/2301.12345/', '2301.12345'],
  ['https://arxiv.org/abs/2301.12345?context=cs.LG', '2301.12345'],
  ['https://arxiv.org/abs/2301.12345#comments', '2301.12345'],
  ['https://arxiv.org/abs/2301.12345v3/?x=1#y', '2301.12345'],
  // pdf
  ['https://arxiv.org/pdf/2301.12345', '2301.12345'],
  ['https://arxiv.org/pdf/2301.12345v3', '2301.12345'],
  ['https://arxiv.org/pdf/2301.12345.pdf', '2301.12345'],
  ['https://arxiv.org/pdf/2301.12345v3.pdf', '2301.12345'],
  ['https://export.arxiv.org/pdf/0704.0001v2.pdf', '0704.0001'],
  // html
  ['https://arxiv.org/html/2301.12345v1', '2301.12345'],
  ['https://arxiv.org/html/2301.12345v1/', '2301.12345'],
  ['https://arxiv.org/html/2301.12345v1/#S2', '2301.12345'],
  ['https://arxiv.org/html/2301.12345v2/x1.png', '2301.12345'],
  ['https://arxiv.org/html/2301.12345v2/figures/a.svg', '2301.12345'],
  ['https://arxiv.org/html/2301.12345', '2301.12345'],
  // format, ps
  ['https://arxiv.org/format/2301.12345', '2301.12345'],
  ['https://arxiv.org/format/2301.12345v2', '2301.12345'],
  ['https://arxiv.org/ps/2301.12345', '2301.12345'],
  ['https://arxiv.org/ps/2301.12345v1', '2301.12345'],
  // old-style ids
  ['https://arxiv.org/abs/hep-th/9901001', 'hep-th/9901001'],
  ['https://arxiv.org/abs/hep-th/9901001v2', 'hep-th/9901001'],
  ['https://arxiv.org/abs/math.GT/0309136', 'math.GT/0309136'],
  ['https://arxiv.org/abs/math.GT/0309136v1', 'math.GT/0309136'],
  ['https://arxiv.org/abs/cs/0101001', 'cs/0101001'],
  ['https://arxiv.org/abs/cond-mat/0102536/', 'cond-mat/0102536'],
  ['https://arxiv.org/pdf/hep-th/9901001', 'hep-th/9901001'],
  ['https://arxiv.org/pdf/hep-th/9901001v1.pdf', 'hep-th/9901001'],
  ['https://arxiv.org/pdf/math.GT/0309136.pdf', 'math.GT/0309136'],
  ['https://arxiv.org/format/cs/0101001', 'cs/0101001'],
  ['https://arxiv.org/ps/astro-ph/0001001v3', 'astro-ph/0001001'],
  // DOIs
  ['https://doi.org/10.48550/arXiv.2301.12345', '2301.12345'],
  ['http://doi.org/10.48550/arXiv.2301.12345', '2301.12345'],
  ['https://dx.doi.org/10.48550/arXiv.2301.12345', '2301.12345'],
  ['http://dx.doi.org/10.48550/arXiv.2301.12345', '2301.12345'],
  ['https://doi.org/10.48550/ARXIV.2301.12345', '2301.12345'],
  ['https://doi.org/10.48550/arxiv.2301.12345', '2301.12345'],
  ['https://DOI.org/10.48550/arXiv.2301.12345/', '2301.12345'],
  ['https://doi.org/10.48550/arXiv.hep-th/9901001', 'hep-th/9901001'],
  ['https://doi.org/10.48550/arXiv.math.GT/0309136', 'math.GT/0309136'],
  ['https://doi.org/10.48550/ARXIV.MATH.GT/0309136', 'math.GT/0309136'],
  ['https://doi.org/10.48550/ARXIV.HEP-TH/9901001', 'hep-th/9901001'],
];

const NOT_PAPERS: string[] = [
  // arXiv pages that are not a paper
  'https://arxiv.org/',
  'https://arxiv.org',
  'https://arxiv.org/list/cs.LG/recent',
  'https://arxiv.org/list/hep-th/9901',
  'https://arxiv.org/a/smith_j_1',
  'https://arxiv.org/search?query=trackback',
  'https://arxiv.org/search/?query=2301.12345',
  'https://arxiv.org/abs/',
  'https://arxiv.org/abs',
  'https://arxiv.org/pdf/',
  'https://arxiv.org/html/',
  'https://arxiv.org/help/api',
  'https://arxiv.org/trackback/2301.12345',
  'https://arxiv.org/2301.12345',
  // malformed ids
  'https://arxiv.org/abs/2313.12345',
  'https://arxiv.org/abs/2300.12345',
  'https://arxiv.org/abs/2301.123',
  'https://arxiv.org/abs/2301.123456',
  'https://arxiv.org/abs/2301.12345v',
  'https://arxiv.org/abs/2301.12345vx',
  'https://arxiv.org/abs/2301.12345.pdf',
  'https://arxiv.org/abs/2301.12345/extra',
  'https://arxiv.org/pdf/2301.12345.txt',
  'https://arxiv.org/html/2301.12345foo',
  'https://arxiv.org/abs/hep-th/9913001',
  'https://arxiv.org/abs/hep-th/990100',
  'https://arxiv.org/abs/hep-th/99010011',
  'https://arxiv.org/abs/HEP-TH/9901001',
  'https://arxiv.org/abs/hep-th',
  'https://arxiv.org/ABS/2301.12345',
  // other hosts and schemes
  'ftp://arxiv.org/abs/2301.12345',
  'https://arxiv.org.evil.example/abs/2301.12345',
  'https://evilarxiv.org/abs/2301.12345',
  'https://mirror.arxiv.org/abs/2301.12345',
  'https://example.com/abs/2301.12345',
  'https://arxiv.org:8443/abs/2301.12345',
  'arxiv.org/abs/2301.12345',
  // DOIs that are not arXiv papers
  'https://doi.org/10.1000/xyz123',
  'https://doi.org/10.48550/arXiv.2313.00001',
  'https://doi.org/10.48550/arXiv.2301.12345v2',
  'https://doi.org/10.48550/zenodo.2301.12345',
  'https://doi.org/10.48550/arXiv.math.GT.x/0309136',
  'https://example.com/10.48550/arXiv.2301.12345',
  // garbage
  '',
  'hello',
  '2301.12345',
  'https://',
  'javascript:alert(1)',
];

for (const [url, id] of PAPERS) {
  test(`arxivId(${url}) is ${id}`, () => {
    assert.equal(arxivId(url), id);
  });
}

for (const url of NOT_PAPERS) {
  test(`arxivId(${JSON.stringify(url)}) is null`, () => {
    assert.equal(arxivId(url), null);
  });
}

test('arxivTarget: canonical abs URL and the default endpoint', () => {
  assert.deepEqual(arxivTarget('https://arxiv.org/pdf/2301.12345v3.pdf', DEFAULT_ARXIV_ENDPOINT), {
    kind: 'arxiv',
    url: 'https://arxiv.org/abs/2301.12345',
    id: '2301.12345',
    endpoint: 'https://arxiv.org/trackback/2301.12345',
  });
});

test('arxivTarget: an old id keeps its slash in the endpoint, not encoded', () => {
  assert.deepEqual(arxivTarget('http://export.arxiv.org/abs/math.GT/0309136v2', DEFAULT_ARXIV_ENDPOINT), {
    kind: 'arxiv',
    url: 'https://arxiv.org/abs/math.GT/0309136',
    id: 'math.GT/0309136',
    endpoint: 'https://arxiv.org/trackback/math.GT/0309136',
  });
});

test('arxivTarget: every {id} of a custom template is replaced, and $ patterns stay literal', () => {
  const target = arxivTarget('https://doi.org/10.48550/arXiv.2301.12345', 'http://127.0.0.1:9/tb/{id}?p=$&id={id}');
  assert.equal(target?.kind === 'arxiv' ? target.endpoint : null, 'http://127.0.0.1:9/tb/2301.12345?p=$&id=2301.12345');
});

test('arxivTarget: not a paper -> null', () => {
  assert.equal(arxivTarget('https://arxiv.org/list/cs.LG/recent', DEFAULT_ARXIV_ENDPOINT), null);
});
