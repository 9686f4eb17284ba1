// Benchmark 4, versus @remy/webmention (the usual static-site sender, a dev dependency): the same posts,
// given to it as the RSS feed it reads (with the full post HTML, as Jekyll's feed has) and to linkback as
// the built site, against the latency web. Both run as their users run them, from the command line, each
// run in a fresh process with bench/child/probe.ts preloaded: its network guard lets @remy/webmention
// resolve only the local web's names (it has no connect-to), so neither can reach the real network.
// Each tool runs twice: the second run shows what it sends again for posts it already notified.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runNode } from './lib/child.ts';
import type { Ran } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { count, megabytes, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';
import { SITE_URL } from './lib/site.ts';
import { DEFAULTS } from '../src/options.ts';
import { startWeb } from './lib/web.ts';
import type { WebStats } from './lib/web.ts';
import { generateWebSite } from './lib/web-site.ts';

interface ToolRun {
  tool: string;
  run: number;
  ran: Ran;
  stats: WebStats;
}

export async function versusBenchmark(ctx: BenchContext): Promise<Section> {
  const posts = ctx.quick ? 50 : 200;
  const linksPerPost = 10;
  const web = await startWeb(ctx.build, { hosts: 100, latencyMs: 100, pageBytes: 30_000 });
  try {
    const { site } = await generateWebSite(ctx.out, 'versus-site', web, posts, linksPerPost, true);
    const stateDir = join(ctx.out, 'versus-state');
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    const remy = [join(ctx.repo, 'node_modules', '@remy', 'webmention', 'bin', 'wm.js'), join(site.root, 'feed.xml'), '--limit', '0', '--send'];
    const linkback = (extra: string[]) => [
      join(ctx.build, 'src', 'cli', 'bin.js'), 'send', site.root, '--site-url', SITE_URL, '--state', join(stateDir, `state${extra.join('')}.json`),
      '--allow-private', ...Object.entries(web.connectTo()).flatMap(([host, to]) => ['--connect-to', `${host}=${to}`]), '--json', ...extra,
      // The bench web plays the targets, not our https:// blog: no live check (it would hold every pair).
      '--no-check-live',
    ];
    // linkback with its defaults (concurrency 128, perHost 2), and with all 100 hosts busy at their per-host
    // limit (2 x 100): the overall limit is one no single host feels.
    const wide = ['--concurrency', '200'];
    const subjects: Array<{ tool: string; args: string[] }> = [
      { tool: '@remy/webmention 1.5.0 (--limit 0 --send)', args: remy },
      { tool: `linkback (defaults: concurrency ${DEFAULTS.concurrency}, perHost ${DEFAULTS.perHost})`, args: linkback([]) },
      { tool: `linkback (--concurrency 200, perHost ${DEFAULTS.perHost})`, args: linkback(wide) },
    ];
    const runs: ToolRun[] = [];
    for (const subject of subjects) {
      for (const run of [1, 2]) {
        await web.reset();
        const ran = await runNode(ctx.build, subject.args, { cwd: ctx.repo });
        const stats = await web.stats();
        if (ran.code !== 0 && ran.code !== 1) throw new Error(`bench: ${subject.tool} exited ${ran.code}:\n${ran.stderr.slice(-1500)}`);
        ctx.log(`versus: ${subject.tool}, run ${run}: ${seconds(ran.wallMs)}, ${count(stats.gets)} GET + ${count(stats.posts)} POST, ${count(stats.connections)} connections, max ${stats.maxInFlightPerHost} in flight per host, ${megabytes(ran.maxRssMb)}`);
        const complaints = ran.stderr.split('\n').filter((line) => line.trim() !== '');
        if (complaints.length > 0) ctx.log(`  its stderr (${complaints.length} lines): ${complaints.slice(0, 3).join(' | ').slice(0, 400)}`);
        runs.push({ tool: subject.tool, run, ran, stats });
      }
    }
    const get = (tool: number, run: number) => runs.find((r) => r.tool === subjects[tool]?.tool && r.run === run) as ToolRun;
    const remy1 = get(0, 1);
    const lb1 = get(1, 1);
    const lbWide1 = get(2, 1);
    const rows = runs.map((r) => [
      r.tool, String(r.run), seconds(r.ran.wallMs), r.stats.requests ? `${seconds(r.stats.idleBeforeMs)} + ${seconds(r.stats.busyMs)}` : '-', seconds(r.ran.cpuMs), `${count(r.stats.gets)} + ${count(r.stats.posts)}`, count(r.stats.connections),
      String(r.stats.maxInFlightPerHost), megabytes(r.ran.maxRssMb),
    ]);
    const checks: Check[] = [
      { name: 'linkback (defaults) faster, first run', target: `< ${seconds(remy1.ran.wallMs)}`, measured: `${seconds(lb1.ran.wallMs)} (${times(lb1.ran.wallMs / remy1.ran.wallMs)})`, ok: lb1.ran.wallMs < remy1.ran.wallMs },
      { name: 'linkback (--concurrency 200) faster, first run', target: `< ${seconds(remy1.ran.wallMs)}`, measured: `${seconds(lbWide1.ran.wallMs)} (${times(lbWide1.ran.wallMs / remy1.ran.wallMs)})`, ok: lbWide1.ran.wallMs < remy1.ran.wallMs },
      { name: 'linkback sends nothing the second time', target: '0 requests', measured: `${get(1, 2).stats.requests} and ${get(2, 2).stats.requests}`, ok: get(1, 2).stats.requests === 0 && get(2, 2).stats.requests === 0 },
      { name: 'nothing left the local web', target: '0 stray requests', measured: String(runs.reduce((n, r) => n + r.stats.strays, 0)), ok: runs.every((r) => r.stats.strays === 0) },
    ];
    return {
      title: 'Versus @remy/webmention',
      body: [
        `${count(posts)} posts x ${linksPerPost} links (${count(posts * linksPerPost)} distinct targets on ${web.hosts} hosts, ${web.latencyMs} ms per response, target pages of 30 KB): @remy/webmention reads feed.xml (RSS 2.0 with content:encoded), linkback the built site. Command-line runs, wall time from start to exit; requests as counted by the servers.`,
        table(['tool', 'run', 'wall', 'to 1st request + on the wire', 'cpu', 'requests (GET + POST)', 'connections', 'max in flight per host', 'peak RSS'], rows),
        `@remy/webmention keeps no record: its second run sends every notification again (${count(get(0, 2).stats.posts)} POSTs). It starts every request at once (${remy1.stats.maxInFlightPerHost} in flight on one host, ${remy1.stats.maxInFlightTotal} overall); linkback holds to its per-host limit.`,
      ],
      checks,
      data: { runs: runs.map((r) => ({ tool: r.tool, run: r.run, wallMs: r.ran.wallMs, cpuMs: r.ran.cpuMs, maxRssMb: r.ran.maxRssMb, stats: { ...r.stats, log: undefined } })) },
    };
  } finally {
    await web.close();
  }
}
