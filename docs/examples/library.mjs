// linkback as a library: `node library.mjs _site` after your build. The same settings as the command
// (linkback.config.json, or the "linkback" key of package.json, then LINKBACK_* variables) and the same state
// file, so the command and this script never notify anyone twice between them.
import { discover, resolveOptions, send } from 'linkback';

const options = await resolveOptions({ cwd: process.cwd(), env: process.env, flags: { site: process.argv[2] ?? '_site' } });

const report = await send(options, {
  // Progress, as it happens: one event per page read, target discovered and notification sent.
  onEvent(event) {
    if (event.type === 'result') console.log(`${event.result.status.padEnd(11)} ${event.result.source} -> ${event.result.target}`);
  },
});
console.log(`${report.summary.posts} posts, ${report.summary.sent} sent, ${report.summary.failed} failed`);

// A target that advertises no endpoint: ask why, as `linkback discover <url>` does.
const { site: _site, ...settings } = options;
for (const result of report.results.filter((r) => r.status === 'no-endpoint')) {
  const why = await discover(result.target, settings);
  console.log(`no endpoint at ${result.target}: ${why.notes.join('; ')}`);
}

process.exitCode = report.summary.failed > 0 ? 1 : 0;
