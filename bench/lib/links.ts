// The content links of generated posts. Scan sites cite only arXiv papers (every URL form the arXiv
// rule maps, so no request is needed to know the endpoint) and the site's own pages: a dry run of such
// a site involves no network at all. Web sites cite pages of the local latency web.
import { SITE_URL, between, pick, type Rng } from './site.ts';

const OLD_ARCHIVES = ['hep-th', 'hep-ph', 'math.GT', 'cond-mat', 'astro-ph', 'quant-ph', 'gr-qc', 'cs'];

function arxivId(r: Rng): string {
  if (r() < 0.1) {
    return `${pick(r, OLD_ARCHIVES)}/${String(between(r, 92, 99))}${String(between(r, 1, 12)).padStart(2, '0')}${String(between(r, 1, 999)).padStart(3, '0')}`;
  }
  const yy = between(r, 8, 25);
  const digits = yy >= 15 ? 5 : 4;
  return `${String(yy).padStart(2, '0')}${String(between(r, 1, 12)).padStart(2, '0')}.${String(between(r, 1, 10 ** digits - 1)).padStart(digits, '0')}`;
}

function arxivUrl(r: Rng): string {
  const id = arxivId(r);
  const version = r() < 0.3 ? `v${between(r, 1, 4)}` : '';
  switch (between(r, 0, 5)) {
    case 0:
      return `https://arxiv.org/pdf/${id}${version}${r() < 0.5 ? '.pdf' : ''}`;
    case 1:
      return `https://doi.org/10.48550/arXiv.${id}`;
    case 2:
      return `http://export.arxiv.org/abs/${id}${version}`;
    default:
      return `https://arxiv.org/abs/${id}${version}`;
  }
}

/** 10 to 30 links, about half arXiv papers, the rest the site's own pages (relative or absolute). */
export function scanLinks(posts: number): (index: number, r: Rng) => string[] {
  return (_index, r) => {
    const count = between(r, 10, 30);
    return Array.from({ length: count }, () => {
      if (r() < 0.5) return arxivUrl(r);
      const other = between(r, 0, Math.max(0, posts - 1));
      return r() < 0.5 ? `/tags/${other % 7 === 0 ? 'notes' : 'theory'}/` : `${SITE_URL}archive/${other}/#section-${between(r, 1, 5)}`;
    });
  };
}

/**
 * The dry-run page mix of issue 14: exactly 12 arXiv papers and 12 of the site's own pages per post, in a
 * shuffled order. No request is needed to know any of them: a dry run of such a site reads files and parses.
 */
export function dryRunLinks(posts: number): (index: number, r: Rng) => string[] {
  return (_index, r) => {
    const links: string[] = [];
    for (let i = 0; i < 12; i++) links.push(arxivUrl(r));
    for (let i = 0; i < 12; i++) {
      const other = between(r, 0, Math.max(0, posts - 1));
      links.push(r() < 0.5 ? `/tags/${other % 7 === 0 ? 'notes' : 'theory'}/` : `${SITE_URL}archive/${other}/#section-${between(r, 1, 5)}`);
    }
    // Fisher-Yates with the page's own generator: the same order on every machine.
    for (let i = links.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [links[i], links[j]] = [links[j] as string, links[i] as string];
    }
    return links;
  };
}
