// One linkback run after a generator's build, shared by the Eleventy plugin and the Astro integration: send,
// log through the generator's logger (never the console), and fail the build only when the user asked.
import { resolveLayers } from '../config.ts';
import { send } from '../linkback.ts';
import type { SendReport } from '../linkback.ts';
import type { OptionsInput } from '../options.ts';
import type { PageSource } from '../site/pages.ts';
import type { LibraryOptions } from './options.ts';
import { reportLines } from './report.ts';
import type { LogLine } from './report.ts';

/** The generator's logger, reduced to what linkback needs; `line.summary` marks the one line always worth showing. */
export type BuildLog = (line: LogLine) => void;

export interface AfterBuild {
  /** The built folder. */
  site: string;
  options: LibraryOptions;
  failOnError: boolean;
  log: BuildLog;
  /** The pages the generator just wrote, when it hands them over (no second read of the folder). */
  pages?: readonly PageSource[];
  /** Where the project's linkback.config.json is looked for (upward); default: the current folder. */
  cwd?: string;
  /** LINKBACK_* variables; default: process.env. */
  env?: Record<string, string | undefined>;
  /** Values used only where neither the options, the config file nor LINKBACK_* set one (a host's site URL). */
  defaults?: LibraryOptions;
  /** Options already resolved (resolveAfterBuild) by a caller that needed them first, e.g. where the state is. */
  resolved?: ResolvedOptions;
}

/** The settings of a build's run, every layer applied; `state` is always set (an absolute path). */
export type ResolvedOptions = Omit<OptionsInput, 'site'> & { state: string };

/**
 * The same layers as the command line, with the integration's options in the place of flags: a project's
 * linkback.config.json and LINKBACK_* variables apply to `linkback send` and to the build alike.
 */
export async function resolveAfterBuild(run: Pick<AfterBuild, 'options' | 'cwd' | 'env' | 'defaults'>): Promise<ResolvedOptions> {
  const { options } = await resolveLayers({ cwd: run.cwd ?? process.cwd(), env: run.env ?? process.env, flags: { ...run.options } });
  const filled: Record<string, unknown> = { ...options };
  for (const [key, value] of Object.entries(run.defaults ?? {})) filled[key] ??= value;
  // resolveLayers always sets the state (next to the config file, else in cwd).
  return filled as ResolvedOptions;
}

/** Resolves with the report, or null when linkback could not run; rejects only when failOnError is set. */
export async function sendAfterBuild(run: AfterBuild): Promise<SendReport | null> {
  let report: SendReport;
  try {
    const options = run.resolved ?? await resolveAfterBuild(run);
    report = await send({ ...options, site: run.site }, run.pages ? { pages: run.pages } : {});
  } catch (error) {
    const message = `not run: ${error instanceof Error ? error.message : String(error)}`;
    run.log({ level: 'error', message, summary: true });
    if (run.failOnError) throw new Error(`linkback ${message}`, { cause: error });
    return null;
  }
  for (const line of reportLines(report)) run.log(line);
  const failed = report.summary.failed;
  if (run.failOnError && (failed > 0 || report.error)) {
    const why = report.error ? report.error.message : `${failed} notification${failed === 1 ? '' : 's'} failed`;
    throw new Error(`linkback: ${why} (failOnError is set)`);
  }
  return report;
}
