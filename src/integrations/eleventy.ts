// The Eleventy plugin: `eleventyConfig.addPlugin(linkback, options)`. After each build it reads the pages from
// the `eleventy.after` results — the HTML Eleventy just wrote — instead of scanning the output folder again.
// Nothing is sent during `--serve` / `--watch` (drafts and half-written posts live there) unless asked.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { PageSource } from '../site/pages.ts';
import { checkLibraryOptions, splitOptions } from './options.ts';
import { checkDiscovery, withDiscovery } from './discovery.ts';
import type { IntegrationOptions, LibraryOptions } from './options.ts';
import type { BuildLog } from './run.ts';

export interface EleventyOptions extends IntegrationOptions {
  /** Also send after builds made by `--serve` / `--watch`. Default false. */
  runDuringServe?: boolean;
}

/** One entry of `results` in Eleventy's `eleventy.after` event. */
export interface EleventyResult {
  inputPath?: string;
  /** false for pages with `permalink: false`. */
  outputPath?: string | false;
  url?: string | false;
  content?: string;
}

/** Eleventy's `eleventy.after` event (Eleventy 3). */
export interface EleventyAfterEvent {
  directories?: { output?: string };
  runMode?: 'build' | 'serve' | 'watch';
  outputMode?: 'fs' | 'json' | 'ndjson';
  incremental?: boolean;
  results?: EleventyResult[];
}

/** The part of Eleventy's configuration API the plugin uses (Eleventy ships no TypeScript types). */
export interface EleventyConfigLike {
  on(event: 'eleventy.before', listener: () => Promise<void>): unknown;
  on(event: 'eleventy.after', listener: (event: EleventyAfterEvent) => Promise<void>): unknown;
  logger: {
    logWithOptions(options: { message: string; prefix?: string; type?: 'log' | 'warn' | 'error'; color?: string; force?: boolean }): void;
  };
  versionCheck?(range: string): void;
  addTransform?(name: string, transform: (this: { page?: { url?: string | false; outputPath?: string | false } }, content: string) => string): unknown;
}

const ORIGIN = 'linkback Eleventy plugin options';
const COLOR = { info: undefined, warn: 'yellow', error: 'red' } as const;
const TYPE = { info: 'log', warn: 'warn', error: 'error' } as const;

export default function linkbackEleventy(eleventyConfig: EleventyConfigLike, options: EleventyOptions = {}): void {
  eleventyConfig.versionCheck?.('>=3.0');
  // Names now, values before the first build (see integrations/options.ts): this module stays cheap to load.
  const { library: given, own } = splitOptions(options, { failOnError: false, runDuringServe: false, receiver: '' }, ORIGIN);
  let library: LibraryOptions | null = null;
  const discovery = checkDiscovery(own.receiver, given.siteUrl, ORIGIN);
  if (discovery !== null) {
    // In every build, --serve included: the tags are part of the page, like its other <link>s.
    eleventyConfig.addTransform?.('linkback-discovery', function (content) {
      const { url, outputPath } = this.page ?? {};
      if (typeof url !== 'string' || typeof outputPath !== 'string' || !/\.html?$/i.test(outputPath)) return content;
      return withDiscovery(content, url, discovery);
    });
  }
  eleventyConfig.on('eleventy.before', async () => {
    library ??= await checkLibraryOptions(given, ORIGIN);
  });

  eleventyConfig.on('eleventy.after', async (event) => {
    // Read when the event fires: Eleventy sets its logger after the configuration is loaded.
    const log: BuildLog = (line) => {
      eleventyConfig.logger.logWithOptions({
        message: line.message,
        prefix: '[11ty/linkback]',
        type: TYPE[line.level],
        ...(COLOR[line.level] ? { color: COLOR[line.level] } : {}),
        // --quiet hides what Eleventy writes page by page; the summary and problems still show.
        force: line.summary === true || line.level !== 'info',
      });
    };
    const mode = event.runMode ?? 'build';
    if (mode !== 'build' && !own.runDuringServe) {
      log({ level: 'info', message: `nothing sent during --${mode} (set runDuringServe: true to send from here)` });
      return;
    }
    if ((event.outputMode ?? 'fs') !== 'fs') {
      log({ level: 'info', message: `nothing sent: this build writes ${event.outputMode}, not the site folder` });
      return;
    }
    const output = resolve(event.directories?.output ?? '_site');
    // The rest of linkback loads only when a build is to be sent.
    const { sendAfterBuild } = await import('./run.ts');
    await sendAfterBuild({
      site: output,
      options: library ?? await checkLibraryOptions(given, ORIGIN),
      failOnError: own.failOnError,
      log,
      pages: builtPages(event.results ?? [], output),
    });
  });
}

export { linkbackEleventy };

/** Pages as paths inside the output folder; Eleventy's output paths are relative to the working folder. */
export function builtPages(results: readonly EleventyResult[], output: string): PageSource[] {
  const pages: PageSource[] = [];
  for (const result of results) {
    if (typeof result.outputPath !== 'string' || typeof result.content !== 'string') continue;
    const file = relative(output, resolve(result.outputPath));
    if (file === '' || file === '..' || file.startsWith(`..${sep}`) || isAbsolute(file)) continue; // outside the site folder
    pages.push({ file: file.split(sep).join('/'), content: result.content });
  }
  return pages;
}
