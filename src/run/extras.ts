// Beside the notifications, what the other senders do (issue 15): a run that added, changed or removed a post
// tells its feed's WebSub hubs once (src/websub/), and with `archive` asks the Wayback Machine to capture each
// page its posts cite (src/archive/); a remote feed or sitemap is read with a conditional GET (input/conditional.ts).
// This step wires them into the run: what they are told as the posts stream by, and what they report at the end.
// A dry run and markExisting send nothing here.
import type { Post, Target } from '../types.ts';
import type { PostRecord } from '../state/format.ts';
import type { ScannedPage } from '../site/index.ts';
import type { PostInput } from '../input/index.ts';
import { knownValidators, rememberValidators } from '../input/conditional.ts';
import type { InputChoice, Validators } from '../input/conditional.ts';
import { createWebSub } from '../websub/step.ts';
import { hubbedFeedsOfRun } from '../websub/feeds.ts';
import { createArchiver } from '../archive/step.ts';
import type { RunContext } from './context.ts';
import type { PostPlan } from './plan.ts';
import type { SendReport } from './types.ts';

/** The validators to send with the GET of a remote feed or sitemap (null for a site folder or a first read). */
export function inputValidators(ctx: RunContext, choice: InputChoice): Validators | null {
  return knownValidators(choice, ctx.options, ctx.state);
}

export interface Extras {
  /** A page the read step skipped as unchanged: the pages its post cites still count for archiving. */
  unchanged(page: ScannedPage): void;
  /** A post about to be planned: new or changed posts change the feed (durable before the post is recorded). */
  post(post: Post, plan: PostPlan, known: PostRecord | undefined, cited: readonly Target[]): Promise<void>;
  /** A post that left the site also changed the feed. */
  left(): Promise<void>;
  /** Once the notifications are done: tell the hubs, wait for the captures, keep the validators. */
  finish(): Promise<Pick<SendReport, 'websub' | 'archive' | 'inputNotModified'>>;
}

export async function createExtras(ctx: RunContext, choice: InputChoice, input: PostInput): Promise<Extras> {
  const { options, state, net, now, stop } = ctx;
  const websub = createWebSub({
    feeds: await hubbedFeedsOfRun(choice, input.hubs, options.siteUrl), state, net,
    quiet: options.dryRun || options.markExisting, stopped: stop.stopped, now,
  });
  const archive = createArchiver({
    enabled: options.archive && !options.markExisting, endpoint: options.archiveEndpoint, state, net,
    dryRun: options.dryRun, stopped: stop.stopped, now,
  });
  // Only needed for archiving: the state's posts as the run starts, by file.
  const postsByFile = new Map<string, PostRecord>();
  if (options.archive) for (const post of state.posts()) postsByFile.set(post.file, post);
  return {
    unchanged(page) {
      for (const url of postsByFile.get(page.file)?.targets ?? []) archive.cite({ kind: 'page', url });
    },
    async post(_post, plan, known, cited) {
      const changed = !known || known.deleted !== undefined ||
        (known.fingerprint !== plan.fingerprint && known.fingerprint !== plan.linkedPair.legacyFingerprint);
      if (changed) await websub.changed();
      for (const target of cited) archive.cite(target);
    },
    left: () => websub.changed(),
    async finish() {
      const pings = await websub.finish();
      const captures = await archive.finish();
      const { summary } = ctx.tally;
      await rememberValidators(choice, input, { dryRun: options.dryRun, stopped: stop.stopped(), held: summary.held, failed: summary.failed }, state, now().toISOString());
      return { websub: pings, archive: captures, inputNotModified: input.notModified === true };
    },
  };
}
