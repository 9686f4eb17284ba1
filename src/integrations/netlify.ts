// The Netlify Build plugin: `[[plugins]] package = "linkback/netlify"` in netlify.toml (inputs in manifest.yml).
// It runs in `onSuccess`, after Netlify has deployed the site and it is live — receivers fetch the post to check
// that it links to them — on the publish folder, and keeps the state between builds in Netlify's build cache:
// restored before sending, saved after, even when the run failed half-way (what was sent must not be sent again).
//
// Netlify treats every export of this module as an event handler: it exports `onSuccess` only (and types).
// The rest of linkback loads when onSuccess runs, not when Netlify loads the plugin.
import { access } from 'node:fs/promises';
import { LinkbackError } from '../errors.ts';
import { splitOptions } from './options.ts';
import type { BuildLog, ResolvedOptions } from './run.ts';

/** The inputs manifest.yml declares (netlify.toml `[plugins.inputs]`). */
export interface NetlifyInputs {
  siteUrl?: string;
  state?: string;
  dryRun?: boolean;
  /** What to do when no state was found (first build with the plugin, or the build cache was cleared). */
  withoutState?: WithoutState;
  /** Netlify build contexts that send; default ["production"]: a deploy preview is not the live site. */
  contexts?: string[];
  failOnError?: boolean;
}

export type WithoutState = 'stop' | 'send' | 'baseline';

/** The part of Netlify's plugin API used here (written out: @netlify/build is not a dependency of linkback). */
export interface NetlifyEventLike {
  constants: { PUBLISH_DIR: string };
  inputs: NetlifyInputs;
  utils: {
    cache: {
      restore(paths: string | string[]): Promise<boolean>;
      save(paths: string | string[]): Promise<boolean>;
    };
    build: { failPlugin(message: string, options?: { error?: unknown }): void };
    status: { show(status: { title?: string; summary: string; text?: string }): void };
  };
}

const ORIGIN = 'linkback Netlify plugin inputs';
const WITHOUT_STATE: readonly WithoutState[] = ['stop', 'send', 'baseline'];

export async function onSuccess({ constants, inputs, utils }: NetlifyEventLike): Promise<void> {
  const log = netlifyLog;
  const env = process.env;
  const contexts = inputs.contexts ?? ['production'];
  // Netlify sets CONTEXT; a build run by hand (netlify build) without it is taken as production.
  const context = env.CONTEXT || 'production';
  if (!contexts.includes(context)) {
    log({ level: 'info', message: `nothing sent: this is a ${context} build (contexts: ${contexts.join(', ')})` });
    return;
  }
  const withoutState = inputs.withoutState ?? 'stop';
  const given: Record<string, unknown> = { siteUrl: inputs.siteUrl, state: inputs.state, dryRun: inputs.dryRun, failOnError: inputs.failOnError };
  let own = { failOnError: inputs.failOnError === true };
  const fail = (message: string, error?: unknown) => {
    log({ level: 'error', message, summary: true });
    utils.status.show({ title: 'linkback', summary: message });
    if (own.failOnError) utils.build.failPlugin(`linkback: ${message}`, error === undefined ? {} : { error });
  };
  let options: ResolvedOptions;
  const run = await import('./run.ts');
  try {
    if (!WITHOUT_STATE.includes(withoutState)) {
      throw new LinkbackError('CONFIG_INVALID', `invalid ${ORIGIN}: "withoutState" must be one of ${WITHOUT_STATE.join(', ')}`);
    }
    const split = splitOptions(withoutUndefined(given), { failOnError: false }, ORIGIN);
    own = split.own;
    // Netlify's URL is the site's main address: the default, below linkback.config.json and LINKBACK_SITE_URL.
    options = await run.resolveAfterBuild({ options: split.library, defaults: env.URL ? { siteUrl: env.URL } : {} });
  } catch (error) {
    fail(`not run: ${error instanceof Error ? error.message : String(error)}`, error);
    return;
  }

  const files = [options.state, `${options.state}.journal`];
  const restored = await utils.cache.restore(files);
  const found = restored || (await exists(options.state));
  log({ level: 'info', message: restored ? `state restored from the build cache (${options.state})` : `no state in the build cache${found ? `; using ${options.state}` : ''}` });
  let resolved: ResolvedOptions = options;
  if (!found && !options.dryRun) {
    if (withoutState === 'stop') {
      fail('nothing sent: no linkback state was found (the first build with the plugin, or the build cache was cleared). '
        + 'Deploy once with the input withoutState = "send" (notify the targets of every post online) or "baseline" '
        + '(record them as done, send nothing), then remove it.');
      return;
    }
    if (withoutState === 'baseline') resolved = { ...options, markExisting: true };
  }

  let report;
  try {
    report = await run.sendAfterBuild({ site: constants.PUBLISH_DIR, options: resolved, resolved, failOnError: false, log });
  } finally {
    // Saved even when the run stopped half-way: what it sent is recorded and must not be sent again.
    if (!options.dryRun && (await exists(options.state))) await utils.cache.save(files);
  }
  if (report === null) {
    if (own.failOnError) utils.build.failPlugin('linkback could not run (see the log above)');
    return;
  }
  const { summary } = report;
  const line = `${summary.sent} sent, ${summary.failed} failed, ${summary.held} held${report.dryRun ? ` (dry run: ${summary.dryRun} would be sent)` : ''}`;
  utils.status.show({ title: 'linkback', summary: line });
  if (own.failOnError && (summary.failed > 0 || report.error)) {
    utils.build.failPlugin(`linkback: ${report.error ? report.error.message : `${summary.failed} notification(s) failed`}`);
  }
}

function withoutUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Netlify shows a plugin's stdout and stderr in the deploy log, under the plugin's heading. */
const netlifyLog: BuildLog = (line) => {
  const write = line.level === 'info' ? console.log : line.level === 'warn' ? console.warn : console.error;
  write(line.message);
};
