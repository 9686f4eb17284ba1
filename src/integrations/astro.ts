// The Astro integration: `integrations: [linkback(options)]`. Runs in `astro:build:done` on the built folder;
// `astro dev` never builds, so it never sends. Astro's `site` (+ `base`) is the default site URL.
import { fileURLToPath } from 'node:url';
import { checkLibraryOptions, splitOptions } from './options.ts';
import { addDiscoveryToFolder, checkDiscovery } from './discovery.ts';
import type { IntegrationOptions, LibraryOptions } from './options.ts';
import type { BuildLog } from './run.ts';

export type AstroOptions = IntegrationOptions;

/**
 * The part of Astro's integration API used here, written out so that the library's types do not pull in
 * Astro's (hundreds of declaration files); it is assignable to Astro's `AstroIntegration`.
 */
export interface AstroIntegrationLike {
  name: string;
  hooks: {
    'astro:config:done': (options: { config: { site?: string | undefined; base: string } }) => Promise<void>;
    'astro:build:done': (options: { dir: URL; logger: AstroLoggerLike }) => Promise<void>;
  };
}

export interface AstroLoggerLike {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ORIGIN = 'linkback Astro integration options';

export default function linkbackAstro(options: AstroOptions = {}): AstroIntegrationLike {
  // Names now, values once Astro has its configuration (see integrations/options.ts): this module stays cheap.
  const { library: given, own } = splitOptions(options, { failOnError: false, receiver: '' }, ORIGIN);
  let library: LibraryOptions | null = null;
  let siteUrl: string | null = null;
  return {
    name: 'linkback',
    hooks: {
      'astro:config:done': async ({ config }) => {
        library = await checkLibraryOptions(given, ORIGIN);
        // The folder is served under `base`: a file's URL is site + base + its path.
        if (config.site) siteUrl = new URL(config.base.endsWith('/') ? config.base : `${config.base}/`, config.site).href;
      },
      'astro:build:done': async ({ dir, logger }) => {
        library ??= await checkLibraryOptions(given, ORIGIN);
        // Before sending: the pages as published carry the discovery. Astro's site (+ base) is the default site URL.
        const discovery = checkDiscovery(own.receiver, library.siteUrl ?? siteUrl ?? undefined, ORIGIN);
        if (discovery !== null) await addDiscoveryToFolder(fileURLToPath(dir), discovery);
        // The rest of linkback loads only when a build is done.
        const { sendAfterBuild } = await import('./run.ts');
        await sendAfterBuild({
          site: fileURLToPath(dir),
          options: library.siteUrl === undefined && siteUrl !== null ? { ...library, siteUrl } : library,
          failOnError: own.failOnError,
          log: astroLog(logger),
        });
      },
    },
  };
}

export { linkbackAstro };

function astroLog(logger: AstroLoggerLike): BuildLog {
  return (line) => logger[line.level](line.message);
}
