// The GitLab CI recipe (docs/deploying.md): the job is parsed, checked for what keeps the state (the cache kept
// even when the job fails, one run at a time), and its script is run with bash as a GitLab runner runs it — the
// real CLI behind a stand-in `npx`, the example site (real Jekyll output) deployed on the simulated web — over
// three runs sharing the cached folder: no state stops, one run told to send sends, the next sends nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATED_CA, startSimulatedWeb } from '../example/web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// js-yaml comes with @11ty/eleventy and ships no types; a computed specifier keeps TypeScript from asking.
const YAML = 'js-yaml';
const { load } = (await import(YAML)) as { load: (text: string) => unknown };

interface Job {
  stage: string;
  resource_group?: string;
  allow_failure?: { exit_codes: number[] };
  cache: { key: string; paths: string[]; when?: string };
  script: string[];
}

const doc = await readFile(join(root, 'docs/deploying.md'), 'utf8');
const yaml = /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('GitLab CI')))?.[1] ?? '';
const pipeline = load(yaml) as { stages: string[]; linkback: Job };
const job = pipeline.linkback;

test('GitLab: the job runs after the deploy stage, one at a time, and keeps the state cache even when it fails', () => {
  assert.ok(pipeline.stages.indexOf(job.stage) > pipeline.stages.indexOf('deploy'));
  assert.ok(job.resource_group, 'runs never overlap');
  assert.deepEqual(job.cache.paths, ['.linkback/']);
  assert.equal(job.cache.when, 'always');
  assert.deepEqual(job.allow_failure?.exit_codes, [1]);
});

test('GitLab: no state stops; a run told to send sends; the next run, with the cache, sends nothing', async (t) => {
  const web = await startSimulatedWeb();
  const dir = await mkdtemp(join(tmpdir(), 'linkback-gitlab-'));
  t.after(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });
  // `npx --yes linkback@0.1 …` without the registry: the stand-in runs this repository's command.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'npx'), [
    '#!/bin/sh',
    'while [ $# -gt 0 ]; do case "$1" in linkback@*) shift; break ;; *) shift ;; esac; done',
    `exec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${join(root, 'src/cli/bin.ts')}" "$@"`,
    '',
  ].join('\n'));
  await chmod(join(bin, 'npx'), 0o755);
  // The project after the build job: its public/ artifact, and a config that points linkback at the simulated web.
  const work = join(dir, 'project');
  await mkdir(work);
  await cp(join(root, 'example/site'), join(work, 'public'), { recursive: true });
  await writeFile(join(work, 'linkback.config.json'), JSON.stringify({
    connectTo: { '*': `127.0.0.1:${web.port}` }, allowPrivate: true, arxivEndpoint: 'http://arxiv.org/trackback/{id}', retries: 0,
  }));
  // GitLab runs a job's script lines in one shell, stopping at the first that fails.
  const run = (vars: Record<string, string> = {}) => new Promise<{ code: number; out: string }>((done) => {
    execFile('bash', ['--noprofile', '--norc', '-e', '-c', job.script.join('\n')], {
      cwd: work,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, CI: 'true', GITLAB_CI: 'true', NODE_EXTRA_CA_CERTS: SIMULATED_CA, NO_COLOR: '1', ...vars },
    }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr }));
  });

  const stopped = await run();
  assert.equal(stopped.code, 3, stopped.out);
  assert.match(stopped.out, /no linkback state: run once with the variable WITHOUT_STATE=send or baseline/);
  assert.equal(web.requests.length, 0);

  const first = await run({ WITHOUT_STATE: 'send' });
  // The example site cites one arXiv id that does not exist: exit code 1, which allow_failure turns into a warning.
  assert.equal(first.code, 1, first.out);
  assert.equal(web.notifications().length, 9);

  const seen = web.requests.length;
  const next = await run();
  assert.equal(next.code, 0, next.out);
  assert.deepEqual(web.requests.slice(seen).map((r) => `${r.method} ${r.host}${r.path}`), [], 'nothing sent, nothing fetched');
});
