// The GitHub Action's step (action.yml at the repository's root runs the built file, dist/integrations/github.js).
// It runs after the deploy step — receivers fetch the post to check that it links to them — and:
//   - reads its inputs as a runner hands them to an action (INPUT_<NAME>), then settles the settings with the same
//     layers as `linkback send`: linkback.config.json, LINKBACK_* variables, then the inputs;
//   - refuses to send when there is no state (the cache entry was evicted, or the first run) unless told what to
//     do, since a run without its state would notify every target of every post again;
//   - prints the command line's table to the log, writes a Markdown table of what was sent, held and failed to the
//     job summary ($GITHUB_STEP_SUMMARY) and the summary's counts to the step's outputs ($GITHUB_OUTPUT).
// Exit codes are the command line's (2 usage or configuration, 3 state), except that failed notifications (1)
// fail the step only with fail-on-error; the action's `exit-code` output always says which it was.
// The state itself is restored and saved by action.yml's actions/cache steps around this one.
import { access, appendFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLinkbackError } from '../errors.ts';
import type { SendReport } from '../linkback.ts';
import { formatSummary, formatTable } from '../report/table.ts';
import type { Paint } from '../report/table.ts';
import type { Result, Status } from '../types.ts';
import type { ResolvedOptions } from './run.ts';

export type WithoutState = 'stop' | 'send' | 'baseline';

export interface ActionInputs {
  site: string;
  siteUrl?: string;
  state?: string;
  dryRun: boolean;
  withoutState: WithoutState;
  failOnError: boolean;
}

type Env = Record<string, string | undefined>;

const EXIT = { ok: 0, failed: 1, usage: 2, state: 3 } as const;
const WITHOUT_STATE: readonly WithoutState[] = ['stop', 'send', 'baseline'];
/** The job summary takes at most 1 MiB per step: a first run over a large blog lists this many rows, then counts. */
export const SUMMARY_ROWS = 300;

class InputError extends Error {}

/**
 * An input as the runner hands it to an action: `INPUT_` + the name upper-cased (`site-url` -> `INPUT_SITE-URL`),
 * trimmed, '' when not given. A composite action sets these itself; `INPUT_SITE_URL` is read too, since a shell
 * cannot set a variable with a dash in its name.
 */
export function getInput(env: Env, name: string): string {
  const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
  return (env[key] ?? env[key.replace(/-/g, '_')] ?? '').trim();
}

function booleanInput(env: Env, name: string): boolean {
  const value = getInput(env, name);
  // The YAML 1.2 core schema's booleans, as @actions/core's getBooleanInput accepts them.
  if (['', 'false', 'False', 'FALSE'].includes(value)) return false;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  throw new InputError(`input "${name}" must be true or false, not "${value}"`);
}

export function readInputs(env: Env): ActionInputs {
  const site = getInput(env, 'site');
  if (!site) throw new InputError('input "site" is required: the folder your generator built (_site, public, dist …)');
  const withoutState = (getInput(env, 'without-state') || 'stop') as WithoutState;
  if (!WITHOUT_STATE.includes(withoutState)) throw new InputError(`input "without-state" must be one of ${WITHOUT_STATE.join(', ')}`);
  const siteUrl = getInput(env, 'site-url');
  const state = getInput(env, 'state');
  return {
    site,
    ...(siteUrl ? { siteUrl } : {}),
    ...(state ? { state } : {}),
    dryRun: booleanInput(env, 'dry-run'),
    withoutState,
    failOnError: booleanInput(env, 'fail-on-error'),
  };
}

/** The step's outputs: the summary's counts, and the exit code the command line would have given. */
export function actionOutputs(report: SendReport | null, exitCode: number): Record<string, string> {
  const s = report?.summary;
  return {
    sent: String(s?.sent ?? 0),
    failed: String(s?.failed ?? 0),
    held: String(s?.held ?? 0),
    skipped: String(s?.skipped ?? 0),
    'no-endpoint': String(s?.noEndpoint ?? 0),
    'dry-run': String(s?.dryRun ?? 0),
    posts: String(s?.posts ?? 0),
    targets: String(s?.targets ?? 0),
    'exit-code': String(exitCode),
  };
}

const plain = (s: string) => s;
const PLAIN: Paint = { red: plain, green: plain, yellow: plain, dim: plain, bold: plain };
/** What the job summary lists: what happened in this run, not what earlier runs did. */
const LISTED: readonly Status[] = ['failed', 'held', 'sent', 'dry-run'];

/** The job summary: one line of counts, then a table of what was sent, held and failed (Markdown). Pure. */
export function stepSummary(report: SendReport): string {
  const lines = ['### linkback', '', formatSummary({ ...report, error: null }, PLAIN), ''];
  if (report.error) lines.push(`**Stopped:** ${cell(report.error.message)} (\`${report.error.code}\`)`, '');
  const rows = report.results.filter((r) => LISTED.includes(r.status)).sort((a, b) => LISTED.indexOf(a.status) - LISTED.indexOf(b.status));
  if (rows.length > 0) {
    lines.push('| | post | target | protocol | result |', '| --- | --- | --- | --- | --- |');
    for (const r of rows.slice(0, SUMMARY_ROWS)) lines.push(row(r));
    if (rows.length > SUMMARY_ROWS) lines.push('', `… and ${rows.length - SUMMARY_ROWS} more: the step's log lists them all.`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const MARK: Record<Status, string> = { sent: 'sent', failed: '**failed**', held: 'held', 'dry-run': 'would send', skipped: 'skipped', 'no-endpoint': 'no endpoint' };

function row(r: Result): string {
  return `| ${MARK[r.status]} | ${link(r.source)} | ${link(r.target)} | ${r.protocol ?? ''} | ${cell(r.message)} |`;
}

/** A URL as a link that shows its path (the host is the same for every post). */
function link(url: string): string {
  let text = url;
  try {
    const parsed = new URL(url);
    text = `${parsed.host}${parsed.pathname}${parsed.search}`;
  } catch {
    return cell(url);
  }
  // Parentheses and spaces would end a Markdown link early (encodeURIComponent leaves the parentheses as they are).
  return `[${cell(text)}](${url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})`;
}

/** Text that cannot break the table or inject markup: one line, pipes escaped, HTML inert. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\|[\]*_`]/g, '\\$&').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface ActionIo {
  /** The step's log. */
  write(text: string): void;
}

/** The step: resolves with the exit code. Writes the summary and outputs whatever happened. */
export async function runAction(env: Env, io: ActionIo): Promise<number> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const finish = async (report: SendReport | null, code: number, summary: string) => {
    if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, summary);
    if (env.GITHUB_OUTPUT) {
      const lines = Object.entries(actionOutputs(report, code)).map(([name, value]) => `${name}=${value}\n`);
      await appendFile(env.GITHUB_OUTPUT, lines.join(''));
    }
    return code;
  };
  const fatal = (code: number, message: string) => {
    io.write(`::error title=linkback::${annotation(message)}\n`);
    return finish(null, code, `### linkback\n\n**Not run:** ${cell(message)}\n`);
  };

  let inputs: ActionInputs;
  let options: ResolvedOptions;
  const { resolveAfterBuild } = await import('./run.ts');
  try {
    inputs = readInputs(env);
    const flags = { ...(inputs.siteUrl ? { siteUrl: inputs.siteUrl } : {}), ...(inputs.state ? { state: inputs.state } : {}), ...(inputs.dryRun ? { dryRun: true } : {}) };
    options = await resolveAfterBuild({ options: flags, cwd: workspace, env });
  } catch (error) {
    if (error instanceof InputError || isLinkbackError(error)) return fatal(EXIT.usage, error.message);
    throw error;
  }

  const hasState = await access(options.state).then(() => true, () => false);
  let run: ResolvedOptions = options;
  if (!hasState && !options.dryRun) {
    if (inputs.withoutState === 'stop') {
      return fatal(EXIT.state, `no linkback state at ${options.state} (the first run, or the cache entry was evicted: GitHub drops caches unused for 7 days). `
        + 'Nothing was sent. Run once with without-state: send (notify the targets of every post online) or baseline (record them as done, send nothing).');
    }
    if (inputs.withoutState === 'baseline') run = { ...options, markExisting: true };
    io.write(`linkback: no state at ${options.state}; without-state: ${inputs.withoutState}\n`);
  }

  const { send } = await import('../linkback.ts');
  let report: SendReport;
  try {
    report = await send({ ...run, site: resolve(workspace, inputs.site) });
  } catch (error) {
    if (!isLinkbackError(error)) throw error;
    const usage = ['USAGE', 'CONFIG_INVALID', 'SITE_NOT_FOUND', 'NO_SITE_URL'].includes(error.code);
    return fatal(usage ? EXIT.usage : EXIT.state, error.message);
  }
  io.write(`${formatTable(report, PLAIN)}\n`);
  let code: number = report.summary.failed > 0 ? EXIT.failed : EXIT.ok;
  if (report.error) {
    code = report.error.code === 'STATE_UNWRITABLE' ? EXIT.state : EXIT.failed;
    io.write(`::error title=linkback::${annotation(report.error.message)}\n`);
  } else if (code === EXIT.failed) {
    const n = report.summary.failed;
    io.write(`::warning title=linkback::${n} notification${n === 1 ? '' : 's'} failed (see the job summary); 'linkback send --retry-failed' sends them again\n`);
  }
  await finish(report, code, stepSummary(report));
  // A failed notification is the receiver's answer, not the deploy's problem: it fails the step only when asked.
  return code === EXIT.failed && !inputs.failOnError && !report.error ? EXIT.ok : code;
}

/** A workflow command's message: one line (%, CR and LF escaped as the runner expects). */
function annotation(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

// Run as the action's step (not when a test imports it).
if (isMain()) {
  process.exitCode = await runAction(process.env, { write: (text) => void process.stdout.write(text) });
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
