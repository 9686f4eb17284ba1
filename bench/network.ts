// Benchmark 2, discovery and sending: a site whose posts link to 1,000 pages spread over the 100 hosts of
// the latency web (100 ms per response). Measured on the servers' side: requests, connections, the most
// requests in flight per host. Baseline: the ideal wall time, requests x latency / allowed concurrency,
// where allowed = min(concurrency, perHost x hosts).
//
// Benchmark 3, the incremental re-run, continues from there: the same site again after that full send
// (nothing may go on the wire, and it must take at most 10% of the first run), then after editing one post
// (only that post's targets may be touched, its new ones discovered and notified once).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runNode } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { count, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';
import { SITE_URL } from './lib/site.ts';
import type { GeneratedSite } from './lib/site.ts';
import { startWeb } from './lib/web.ts';
import type { Web, WebStats } from './lib/web.ts';
import { generateWebSite } from './lib/web-site.ts';

interface SendRun {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  summary: Record<string, number>;
  results: number;
  emitted: number;
  byCode: Record<string, number>;
  error: { code: string; message: string } | null;
}

const HOSTS = 100;
const LATENCY_MS = 100;
const CONCURRENCY = 8;
const PER_HOST = 2;

export async function networkBenchmarks(ctx: BenchContext): Promise<Section[]> {
  const posts = ctx.quick ? 40 : 100;
  const linksPerPost = 10;
  const web = await startWeb(ctx.build, { hosts: HOSTS, latencyMs: LATENCY_MS, pageBytes: 30_000 });
  try {
    const { site, targets } = await generateWebSite(ctx.out, 'net-site', web, posts, linksPerPost, false);
    const stateDir = join(ctx.out, 'net-state');
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    const options = {
      site: site.root, siteUrl: SITE_URL, state: join(stateDir, 'state.json'),
      allowPrivate: true, connectTo: web.connectTo(), concurrency: CONCURRENCY, perHost: PER_HOST,
      // The bench web plays the targets, not our https:// blog: no live check (it would hold every pair).
      checkLive: false,
    };
    const run = async (label: string): Promise<{ run: SendRun; stats: WebStats }> => {
      await web.reset();
      const ran = lastJson<SendRun>(await runNode(ctx.build, [join(ctx.build, 'bench', 'child', 'send.js'), JSON.stringify(options)]));
      const stats = await web.stats();
      ctx.log(`${label}: ${seconds(ran.wallMs)}, ${count(stats.requests)} requests, ${count(stats.connections)} connections, max ${stats.maxInFlightPerHost} in flight per host${ran.error ? `, error ${ran.error.code}` : ''}`);
      return { run: ran, stats };
    };

    const first = await run(`network: first run, ${count(posts * linksPerPost)} targets`);
    const network = networkSection(web, first.run, first.stats, posts * linksPerPost);
    const incremental = await incrementalSection(web, site, targets, first, run);
    return [network, incremental];
  } finally {
    await web.close();
  }
}

function networkSection(web: Web, run: SendRun, stats: WebStats, targets: number): Section {
  const allowed = Math.min(CONCURRENCY, PER_HOST * web.hosts);
  const ideal = (stats.requests * web.latencyMs) / allowed;
  const ratio = run.wallMs / ideal;
  const keepAliveGoal = Math.max(PER_HOST * web.hosts, Math.floor(stats.requests / 4));
  const checks: Check[] = [
    { name: 'wall time', target: `<= 1.5x ideal (${seconds(ideal)})`, measured: `${seconds(run.wallMs)} = ${times(ratio)}`, ok: ratio <= 1.5 },
    { name: 'requests in flight per host (servers)', target: `<= perHost (${PER_HOST})`, measured: String(stats.maxInFlightPerHost), ok: stats.maxInFlightPerHost <= PER_HOST },
    { name: 'requests in flight overall (servers)', target: `<= concurrency (${CONCURRENCY})`, measured: String(stats.maxInFlightTotal), ok: stats.maxInFlightTotal <= CONCURRENCY },
    // Without keep-alive every request opens a connection. With it, a host needs perHost of them, plus one
    // more each time it sat idle longer than the keep-alive timeout (4 s: undici's reading of Node's 5 s).
    { name: 'connections (keep-alive)', target: `<= max(perHost x hosts, requests / 4) = ${count(keepAliveGoal)}`, measured: `${count(stats.connections)} for ${count(stats.requests)} requests`, ok: stats.connections <= keepAliveGoal },
    { name: 'requests off the local web', target: '0', measured: String(stats.strays), ok: stats.strays === 0 },
    { name: 'every target handled', target: `${count(targets)} results`, measured: count(run.emitted), ok: run.emitted === targets && run.error === null },
  ];
  return {
    title: 'Discovery and sending',
    body: [
      `${count(targets)} targets on ${web.hosts} hosts (one loopback server each), ${web.latencyMs} ms per response; concurrency ${CONCURRENCY}, perHost ${PER_HOST}: allowed concurrency min(${CONCURRENCY}, ${PER_HOST} x ${web.hosts}) = ${allowed}. Requests as counted by the servers.`,
      table(['', 'value'], [
        ['requests (GET discovery + POST notification)', `${count(stats.requests)} (${count(stats.gets)} + ${count(stats.posts)})`],
        ['ideal = requests x latency / allowed', seconds(ideal)],
        ['measured wall time (library send())', `${seconds(run.wallMs)} (${times(ratio)} ideal)`],
        ['cpu time of the sender', seconds(run.cpuMs)],
        ['most in flight per host / overall', `${stats.maxInFlightPerHost} / ${stats.maxInFlightTotal}`],
        ['connections opened', `${count(stats.connections)} (${(stats.requests / Math.max(1, stats.connections)).toFixed(1)} requests per connection)`],
        ['peak RSS of the sender', `${run.maxRssMb.toFixed(0)} MB`],
        ['outcomes', Object.entries(run.byCode).map(([k, v]) => `${k} ${v}`).join(', ')],
      ]),
    ],
    checks,
    data: { run, stats: { ...stats, log: undefined }, ideal, allowed },
  };
}

async function incrementalSection(
  web: Web,
  site: GeneratedSite,
  targets: string[][],
  first: { run: SendRun; stats: WebStats },
  run: (label: string) => Promise<{ run: SendRun; stats: WebStats }>,
): Promise<Section> {
  const again = await run('incremental: unchanged site');
  // Edit one post: two new links (to a Webmention host and a Webmention-in-HTML host) and a changed word.
  const post = 3;
  const file = join(site.root, site.postFiles[post] ?? '');
  const added = [web.target(3, 'new-a'), web.target(16, 'new-b')];
  const html = readFileSync(file, 'utf8');
  const edited = html.replace('</div><a class="u-url"', `<p>Update: see also <a href="${added[0]}">this</a> and <a href="${added[1]}">that</a>.</p>\n  </div><a class="u-url"`);
  if (edited === html) throw new Error('bench: could not edit the post');
  writeFileSync(file, edited);
  const edit = await run('incremental: one post edited');

  const own = new Set([...(targets[post] ?? []), ...added]);
  const touched = edit.stats.log.map((line) => line.replace(/^GET /, '').replace(/^POST .* -> /, ''));
  const others = touched.filter((url) => !own.has(url));
  const newRequests = touched.filter((url) => added.includes(url));
  const oldRequests = touched.filter((url) => !added.includes(url) && own.has(url));
  const ratio = again.run.wallMs / first.run.wallMs;
  const checks: Check[] = [
    { name: 'unchanged re-run: requests', target: '0', measured: String(again.stats.requests), ok: again.stats.requests === 0 },
    { name: 'unchanged re-run: time', target: '<= 10% of the first run', measured: `${seconds(again.run.wallMs)} = ${(ratio * 100).toFixed(1)}%`, ok: ratio <= 0.1 },
    { name: 'unchanged re-run: posts skipped unparsed', target: String(targets.length), measured: String(again.run.summary.unchangedPosts ?? 'n/a'), ok: again.run.summary.unchangedPosts === targets.length },
    { name: 'after an edit: requests about other posts', target: '0', measured: String(others.length), ok: others.length === 0 },
    { name: 'after an edit: new targets discovered + notified', target: `${added.length} GET + ${added.length} POST`, measured: `${newRequests.length} requests`, ok: newRequests.length === added.length * 2 },
  ];
  return {
    title: 'Incremental re-run',
    body: [
      `The site of the benchmark above (${count(targets.length)} posts), right after its full send, run again unchanged; then with one post edited (two links added, a word changed).`,
      table(['run', 'wall', 'vs first run', 'requests', 'posts skipped unparsed', 'outcomes'], [
        ['first (full send)', seconds(first.run.wallMs), '100%', count(first.stats.requests), String(first.run.summary.unchangedPosts ?? 0), Object.entries(first.run.byCode).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['unchanged', seconds(again.run.wallMs), `${(ratio * 100).toFixed(1)}%`, count(again.stats.requests), String(again.run.summary.unchangedPosts ?? 0), Object.entries(again.run.byCode).map(([k, v]) => `${k} ${v}`).join(', ')],
        ['one post edited', seconds(edit.run.wallMs), `${((edit.run.wallMs / first.run.wallMs) * 100).toFixed(1)}%`, count(edit.stats.requests), String(edit.run.summary.unchangedPosts ?? 0), Object.entries(edit.run.byCode).map(([k, v]) => `${k} ${v}`).join(', ')],
      ]),
      `After the edit the servers saw ${newRequests.length} requests for the ${added.length} new targets, ${oldRequests.length} for the edited post's other targets${oldRequests.length ? ' (Webmention updates: the post changed, so its receivers are told again)' : ''}, ${others.length} for any other post.`,
      'Requests on the wire after the edit:',
      edit.stats.log.map((line) => `    ${line}`).join('\n'),
    ],
    checks,
    data: { first: first.run, again: again.run, edit: edit.run, editLog: edit.stats.log },
  };
}
