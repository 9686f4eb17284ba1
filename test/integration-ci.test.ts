// The GitHub Actions recipe (docs/github-actions.md): its workflows are parsed, checked for what keeps the state
// safe (order, `if: always()`, no cancelling), and their steps are run for real — the action's step
// (linkback/linkback, action.yml: test/fixtures/github-action.ts) with the inputs the workflow gives it, the
// example site (real Jekyll output) against the simulated web, and git pushing the committed state to a local bare
// repository with bash — over two deploys, as two fresh runners would. The action itself: integration-github.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATED_CA, startSimulatedWeb } from '../example/web.ts';
import type { SimulatedWeb } from '../example/web.ts';
import { runSendStep, runnerTemp } from './fixtures/github-action.ts';
import type { StepRun } from './fixtures/github-action.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const exampleSite = join(root, 'example/site');

// js-yaml comes with @11ty/eleventy and ships no types; a computed specifier keeps TypeScript from asking.
const YAML = 'js-yaml';
const { load } = (await import(YAML)) as { load: (text: string) => unknown };

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | boolean>;
}
interface Workflow {
  on: { push?: unknown; workflow_dispatch?: { inputs?: Record<string, { options?: string[]; default?: string }> } };
  permissions?: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  env: Record<string, unknown>;
  jobs: Record<string, { steps: Step[] }>;
}

const doc = await readFile(join(root, 'docs/github-actions.md'), 'utf8');
const workflows = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => load(m[1] ?? '') as Workflow);
const steps = (w: Workflow) => Object.values(w.jobs)[0]?.steps ?? [];
const jekyll = workflows.find((w) => steps(w).some((s) => s.uses?.startsWith('ruby/setup-ruby')));
const hugo = workflows.find((w) => steps(w).some((s) => s.uses?.startsWith('peaceiris/actions-hugo')));
const step = (w: Workflow | undefined, name: string): Step => {
  const found = w && steps(w).find((s) => s.name === name);
  assert.ok(found, `a step named "${name}"`);
  return found;
};
const at = (w: Workflow, name: string) => steps(w).findIndex((s) => s.name === name);

const ACTION = 'linkback/linkback@v0';

test('both workflows: build, deploy, then the action sends; never cancelled mid-run', () => {
  assert.equal(workflows.length, 2);
  for (const w of [jekyll, hugo]) {
    assert.ok(w);
    assert.ok(w.on.push, 'runs on push');
    assert.equal(w.concurrency['cancel-in-progress'], false);
    assert.equal(w.env.FAIL_ON_FAILED_NOTIFICATION, false, 'a failed notification warns by default');
    const order = ['Build', 'Deploy', 'Send linkbacks'].map((name) => at(w, name));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > (order[k - 1] ?? -1))), `steps in order: ${order.join(', ')}`);
    const send = step(w, 'Send linkbacks');
    assert.equal(send.uses, ACTION);
    assert.equal(send.with?.['fail-on-error'], '${{ env.FAIL_ON_FAILED_NOTIFICATION }}');
    assert.ok(!steps(w).some((s) => s.run?.includes('npx')), 'the action installs and runs linkback');
  }
});

test('Jekyll: the state committed even when the job fails, the action told not to cache it', () => {
  assert.ok(jekyll);
  assert.equal(jekyll.permissions?.contents, 'write', 'the state commit needs write access');
  assert.equal(step(jekyll, 'Send linkbacks').with?.cache, false);
  assert.ok(at(jekyll, 'Commit the linkback state') > at(jekyll, 'Send linkbacks'));
  assert.match(step(jekyll, 'Commit the linkback state').if ?? '', /^always\(\)/);
});

test('Hugo: the state in the action\'s cache; without one, a push sends nothing until a run by hand says what to do', () => {
  assert.ok(hugo);
  const send = step(hugo, 'Send linkbacks');
  assert.equal(send.with?.cache, undefined, 'the action caches by default');
  assert.equal(send.with?.['without-state'], "${{ inputs.without_state || 'stop' }}");
  assert.deepEqual(hugo.on.workflow_dispatch?.inputs?.without_state?.options, ['stop', 'send', 'baseline']);
  assert.equal(hugo.on.workflow_dispatch?.inputs?.without_state?.default, 'stop');
  assert.ok(!steps(hugo).some((s) => s.uses?.startsWith('actions/cache')), 'no cache steps of its own');
});

interface Runner {
  dir: string;
  web: SimulatedWeb;
  remote: string;
  temp: string;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Runner> {
  const web = await startSimulatedWeb();
  const dir = await mkdtemp(join(tmpdir(), 'linkback-ci-'));
  t.after(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });
  const temp = await runnerTemp(dir);

  // The site's repository, with its remote.
  const remote = join(dir, 'remote.git');
  await sh(`git init -q --bare -b main ${remote}`, dir);
  const work = join(dir, 'checkout-0');
  await mkdir(work);
  await writeFile(join(work, '.gitignore'), '_site/\npublic/\n.linkback/*.lock\n');
  await writeFile(join(work, 'linkback.config.json'), JSON.stringify({
    connectTo: { '*': `127.0.0.1:${web.port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    retries: 0,
  }, null, 2));
  await sh(`git init -q -b main && git add . && git -c user.name=me -c user.email=me@example.org commit -qm site && git remote add origin ${remote} && git push -q origin main`, work);
  return { dir, web, remote, temp };
}

/** A fresh runner: actions/checkout, then the build (the example site is real Jekyll output). */
async function checkout(r: Runner, name: string, built: '_site' | 'public'): Promise<string> {
  const work = join(r.dir, name);
  await sh(`git clone -q ${r.remote} ${work}`, r.dir);
  await cp(exampleSite, join(work, built), { recursive: true });
  return work;
}

interface Ran {
  code: number;
  out: string;
  outputs: string;
}

/** A workflow `run:` step as GitHub runs it (bash -e -o pipefail), `${{ … }}` already evaluated by `expressions`. */
async function runStep(r: Runner, work: string, script: string, env: Record<string, string>, expressions: Record<string, string> = {}): Promise<Ran> {
  const outputs = join(work, '..', `${work.split('/').pop() ?? 'x'}-outputs`);
  await writeFile(outputs, '');
  const body = script.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => {
    const value = expressions[expression.trim()];
    assert.ok(value !== undefined, `no value given for \${{${expression}}}`);
    return value;
  });
  const ran = await sh(body, work, {
    GITHUB_OUTPUT: outputs,
    GITHUB_SHA: 'abcdef0123456789',
    GITHUB_REF_NAME: 'main',
    NO_COLOR: '1',
    // linkback checks that our posts are live: the simulated web serves them over HTTPS with its own certificate.
    NODE_EXTRA_CA_CERTS: SIMULATED_CA,
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
    ...env,
  }, ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c']);
  return { ...ran, outputs: await readFile(outputs, 'utf8') };
}

/** The workflow's `uses: linkback/linkback` step: the action's step with the inputs `with:` gives, `${{ … }}` evaluated. */
async function sendWith(r: Runner, work: string, w: Step, expressions: Record<string, string>): Promise<StepRun> {
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(w.with ?? {})) {
    inputs[name] = String(value).replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => {
      const found = expressions[expression.trim()];
      assert.ok(found !== undefined, `no value given for \${{${expression}}}`);
      return found;
    });
  }
  return runSendStep(r.temp, work, inputs, { GITHUB_SHA: 'abcdef0123456789', GITHUB_REF_NAME: 'main' });
}

function sh(script: string, cwd: string, env: Record<string, string> = {}, shell = ['sh', '-c']): Promise<{ code: number; out: string }> {
  const [file = 'sh', ...args] = shell;
  return new Promise((resolve) => {
    execFile(file, [...args, script], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
  });
}

const remoteLog = (r: Runner) => sh('git log --format=%s main', r.remote).then((x) => x.out.trim().split('\n'));

const FAIL = (value: string) => ({ 'env.FAIL_ON_FAILED_NOTIFICATION': value });

test('Jekyll: two deploys — the first sends and commits the state, the second sends nothing and commits nothing', async (t) => {
  const r = await setup(t);
  assert.ok(jekyll);
  const send = step(jekyll, 'Send linkbacks');
  const commit = step(jekyll, 'Commit the linkback state').run ?? '';

  const first = await checkout(r, 'checkout-1', '_site');
  const sent = await sendWith(r, first, send, FAIL('false'));
  // The example site cites one arXiv id that does not exist: exit code 1, a warning, the job goes on.
  assert.equal(sent.code, 0, sent.log);
  assert.equal(sent.outputs['exit-code'], '1');
  assert.match(sent.log, /^::warning title=linkback::1 notification failed/m);
  assert.equal(r.web.notifications().length, 9);
  const kept = await runStep(r, first, commit, {});
  assert.equal(kept.code, 0, kept.out);
  assert.deepEqual(await remoteLog(r), ['linkback: state after abcdef0 [skip ci]', 'site']);
  const files = await sh('git ls-tree -r --name-only main', r.remote);
  assert.deepEqual(files.out.trim().split('\n').filter((f) => f.startsWith('.linkback/')), ['.linkback/state.json']);

  // The next deploy, on a new runner: the state comes with the checkout.
  const second = await checkout(r, 'checkout-2', '_site');
  const again = await sendWith(r, second, send, FAIL('false'));
  assert.equal(again.code, 0, again.log);
  assert.equal(again.outputs['exit-code'], '0');
  assert.equal(r.web.notifications().length, 9, 'nothing sent twice');
  const unchanged = await runStep(r, second, commit, {});
  assert.equal(unchanged.code, 0, unchanged.out);
  assert.match(unchanged.out, /linkback state unchanged/);
  assert.equal((await remoteLog(r)).length, 2, 'no commit when nothing was sent');
});

test('the job fails on a failed notification only when asked, and always on a configuration error', async (t) => {
  const r = await setup(t);
  assert.ok(jekyll);
  const send = step(jekyll, 'Send linkbacks');
  const work = await checkout(r, 'checkout-1', '_site');
  const strict = await sendWith(r, work, send, FAIL('true'));
  assert.equal(strict.code, 1);
  assert.equal(strict.outputs['exit-code'], '1');

  await writeFile(join(work, 'linkback.config.json'), JSON.stringify({ concurency: 2 }));
  const broken = await sendWith(r, work, send, FAIL('false'));
  assert.equal(broken.code, 2, broken.log);
  assert.match(broken.log, /concurency/);
});

test('Hugo: "baseline" records the posts online without sending; later runs send only what is new', async (t) => {
  const r = await setup(t);
  assert.ok(hugo);
  const send = step(hugo, 'Send linkbacks');
  const work = await checkout(r, 'checkout-1', 'public');
  const choose = (value: string) => ({ ...FAIL('false'), "inputs.without_state || 'stop'": value });

  // A push before any state: nothing sent, the job fails and says what to do.
  const pushed = await sendWith(r, work, send, choose('stop'));
  assert.equal(pushed.code, 3, pushed.log);
  assert.match(pushed.log, /^::error title=linkback::no linkback state/m);
  assert.equal(r.web.requests.length, 0);

  const marked = await sendWith(r, work, send, choose('baseline'));
  assert.equal(marked.code, 0, marked.log);
  assert.equal(r.web.notifications().length, 0, 'nothing sent');

  // The next deploy (the cache restored: the same folder here) has one new post.
  await mkdir(join(work, 'public/2026/12/01/new-post'), { recursive: true });
  await writeFile(join(work, 'public/2026/12/01/new-post/index.html'), '<!doctype html><html><head><title>New</title><link rel="canonical" href="https://blog.example.org/2026/12/01/new-post/"></head><body><article><h1>New</h1><time datetime="2026-12-01">1 Dec</time><p>Back to <a href="https://arxiv.org/abs/1706.03762">the transformer</a>.</p></article></body></html>');
  r.web.serve(join(work, 'public')); // the workflow's Deploy step, before it sends
  const next = await sendWith(r, work, send, choose('stop'));
  assert.equal(next.code, 0, next.log);
  assert.equal(next.outputs['exit-code'], '0');
  assert.deepEqual(r.web.notifications().map((n) => `${n.host}${n.path} ${new URLSearchParams(n.body).get('url')}`), [
    'arxiv.org/trackback/1706.03762 https://blog.example.org/2026/12/01/new-post/',
  ]);
});
