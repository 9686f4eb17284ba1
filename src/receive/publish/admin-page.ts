// The moderation page, server-rendered: plain HTML forms, no script, no build step. Everything a stranger wrote
// (names, URLs, titles, content) is escaped, and content HTML is sanitised again here with a short allowlist,
// so a row stored before (or despite) the verify step's sanitiser still cannot run anything. The page's
// Content-Security-Policy (admin.ts) forbids scripts and remote images as a last line.
import sanitizeHtml from 'sanitize-html';
import type { DeadJobs, Job, Mention, MentionStatus, Site } from '../types.ts';

export const STATUSES: readonly MentionStatus[] = ['pending', 'approved', 'spam', 'deleted'];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An http(s) URL, escaped for an href; anything else (javascript:, data:) is not a link. */
function safeHref(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? escapeHtml(parsed.href) : undefined;
}

function link(url: string | undefined, text: string): string {
  const href = safeHref(url);
  return href ? `<a href="${href}" rel="noopener noreferrer nofollow ugc">${escapeHtml(text)}</a>` : escapeHtml(text);
}

/** Images are left out: loading a stranger's image from the admin's browser tells them when it is read. */
export function sanitiseForAdmin(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ['a', 'p', 'br', 'b', 'strong', 'i', 'em', 'blockquote', 'q', 'code', 'pre', 'ul', 'ol', 'li', 'span'],
    allowedAttributes: { a: ['href', 'rel'] },
    allowedSchemes: ['http', 'https'],
    allowProtocolRelative: false,
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow ugc' }) },
  });
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#222}
nav a{margin-right:1rem}nav a[aria-current]{font-weight:bold}article{border:1px solid #ccc;border-radius:4px;margin:.8rem 0;padding:.6rem .8rem}
.meta{color:#555;font-size:.9em}.content{margin:.4rem 0;overflow-wrap:anywhere}form.actions{display:inline}button{margin-right:.4rem}
.flash{background:#eef;padding:.4rem .8rem}.error{font-family:monospace;overflow-wrap:anywhere}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

export function loginPage(message?: string): string {
  return page(
    'linkback — log in',
    `<h1>linkback moderation</h1>
${message ? `<p class="flash" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/admin/login">
<label>Admin token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>`,
  );
}

export interface ListView {
  status: MentionStatus;
  mentions: readonly Mention[];
  /** How many wait, shown on the pending tab (the others are not counted: a spam folder can be large). */
  pending: number;
  csrf: string;
  page: number;
  hasMore: boolean;
  /** With their read tokens: where else would the owner find them. */
  sites: readonly Site[];
  /** The dead-lettered jobs (the newest few), and how many each site has. */
  failed: DeadJobs;
  flash?: string;
}

const ACTIONS: ReadonlyArray<{ action: string; label: string; hiddenOn: MentionStatus }> = [
  { action: 'approve', label: 'Approve', hiddenOn: 'approved' },
  { action: 'spam', label: 'Mark spam', hiddenOn: 'spam' },
  { action: 'delete', label: 'Delete', hiddenOn: 'deleted' },
];

function mentionArticle(m: Mention, view: ListView): string {
  const author = m.author?.name ? link(m.author.url, m.author.name) : '<i>no author given</i>';
  const content = m.content?.html ? sanitiseForAdmin(m.content.html) : escapeHtml(m.content?.text ?? '');
  const buttons = ACTIONS.filter((a) => a.hiddenOn !== m.status)
    .map((a) => `<button type="submit" name="action" value="${a.action}">${a.label}</button>`)
    .join('');
  return `<article id="mention-${m.id}" data-id="${m.id}" data-status="${m.status}">
<div class="meta">${escapeHtml(m.protocol)} · ${escapeHtml(m.property)} · received ${escapeHtml(m.receivedAt)} · ${escapeHtml(m.status)}</div>
<div>From ${link(m.source, m.source)} by ${author}</div>
<div>To ${link(m.target, m.target)}</div>
${m.name ? `<div><b>${escapeHtml(m.name)}</b></div>` : ''}
<div class="content">${content}</div>
<form class="actions" method="post" action="/admin/mentions/${m.id}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><input type="hidden" name="return" value="${view.status}">${buttons}
</form>
</article>`;
}

/** A dead-lettered job: what was claimed, how often it was taken, why it was given up; its Retry button. */
function failedArticle(job: Job, view: ListView): string {
  const { received } = job;
  return `<article id="job-${job.id}" data-job="${job.id}">
<div class="meta">${escapeHtml(received.protocol)} for ${escapeHtml(received.site)} · received ${escapeHtml(received.receivedAt)} · given up ${escapeHtml(job.updatedAt)} · taken ${job.attempts} times, ${job.expiries} of them lost with their worker (lease expired)</div>
<div>From ${link(received.source, received.source)}</div>
<div>To ${link(received.target, received.target)}</div>
<div class="error">${escapeHtml(job.lastError ?? '')}</div>
<form class="actions" method="post" action="/admin/jobs/${job.id}/retry">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><input type="hidden" name="return" value="${view.status}"><button type="submit">Retry</button>
</form>
</article>`;
}

function failedSection(view: ListView): string {
  const total = view.failed.perSite.reduce((sum, site) => sum + site.count, 0);
  if (total === 0) return '<section id="failed"><h2>Failed jobs</h2><p>None: every verification ended, or waits its turn.</p></section>';
  const retryAll = view.failed.perSite.map((site) => `<form class="actions" method="post" action="/admin/jobs/retry">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><input type="hidden" name="return" value="${view.status}"><input type="hidden" name="site" value="${escapeHtml(site.site)}"><button type="submit">Retry all ${site.count} of ${escapeHtml(site.site)}</button>
</form>`).join('\n');
  const shown = view.failed.jobs.length < total ? ` (the ${view.failed.jobs.length} newest shown)` : '';
  return `<section id="failed"><h2>Failed jobs: ${total}${shown}</h2>
<p>Verifications given up: the source kept failing (timeouts, 5xx) as often as --max-attempts allows, or every worker that
took the job died (poison), or its site was removed. Retry puts a job back in the queue, due now, its attempts counted afresh.</p>
${retryAll}
${view.failed.jobs.map((job) => failedArticle(job, view)).join('\n')}
</section>`;
}

export function listPage(view: ListView): string {
  const tabs = STATUSES.map(
    (status) =>
      `<a href="/admin?status=${status}"${status === view.status ? ' aria-current="page"' : ''}>${status}${status === 'pending' ? ` (${view.pending})` : ''}</a>`,
  ).join('');
  const failedCount = view.failed.perSite.reduce((sum, site) => sum + site.count, 0);
  const paging = [
    view.page > 0 ? `<a href="/admin?status=${view.status}&amp;page=${view.page - 1}">newer</a>` : '',
    view.hasMore ? `<a href="/admin?status=${view.status}&amp;page=${view.page + 1}">older</a>` : '',
  ].join(' ');
  return page(
    `linkback — ${view.status}`,
    `<h1>Mentions: ${view.status}</h1>
<nav>${tabs}<a href="#failed">failed jobs (${failedCount})</a></nav>
<form method="post" action="/admin/logout" style="float:right;margin-top:-2rem"><input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}"><button type="submit">Log out</button></form>
${view.flash ? `<p class="flash" role="status">${escapeHtml(view.flash)}</p>` : ''}
${view.mentions.length === 0 ? '<p>Nothing here.</p>' : view.mentions.map((m) => mentionArticle(m, view)).join('\n')}
<p>${paging}</p>
${failedSection(view)}
<details><summary>Sites and their read tokens (for <code>/api/mentions.jf2?token=…</code> and <code>mentions export --token</code>)</summary>
<ul>${view.sites.map((site) => `<li>${escapeHtml(site.origin)}: <code>${escapeHtml(site.readToken)}</code></li>`).join('')}</ul>
</details>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/admin">Back</a></p>`);
}
