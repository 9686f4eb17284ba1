// Step 5, posts that left the site: a post of the state that this run saw neither by URL nor by file
// (lifecycle/left.ts). Without `deletes` the run only says what it would tell; with it, once the post's URL
// answers 404/410 (lifecycle/gone.ts), every Webmention target it linked is told again (the receiver then sees
// it gone), through the same pairs as any post. Run only when the input lists the whole site and was read to
// its end: a feed, or an interrupted run, would make every post it did not reach look deleted.
import type { Post } from '../types.ts';
import type { PostRecord } from '../state/format.ts';
import { pendingUnlinked } from '../lifecycle/plan.ts';
import { checkGone } from '../lifecycle/gone.ts';
import type { SourceCheck } from '../lifecycle/gone.ts';
import type { RunContext } from './context.ts';
import type { PairRunner } from './pairs.ts';
import { unique } from './plan.ts';

/**
 * Handles one post that left. `departed` learns its URL (the deliver step does not check a departed post is
 * live); `pairs` runs its re-sends. The post's record is marked deleted once nothing is left to tell.
 */
export async function tellLeft(run: RunContext, known: PostRecord, pairs: Pick<PairRunner, 'room' | 'start'>, departed: Set<string>): Promise<void> {
  const { options, state, net, now, emit, flags, tally, stop } = run;
  tally.summary.deletedPosts++;
  departed.add(known.url);
  const pair = { fingerprint: undefined, postFingerprint: known.fingerprint };
  const get = (target: string) => state.get(known.url, target);
  const targets = unique([...known.targets, ...(known.unlinked ?? [])]);
  const todo = pendingUnlinked(targets, new Set(), get, pair, flags);
  const said = (message: string) => emit({ type: 'deleted', url: known.url, file: known.file, targets: todo.length, message });
  if (!options.deletes) {
    said(todo.length > 0 ? `gone from the site; ${todo.length} Webmention target(s) to tell: run with deletes` : 'gone from the site; nothing to tell');
    return;
  }
  let check: SourceCheck = options.markExisting
    ? { state: 'gone', message: `gone from the site; ${todo.length} Webmention target(s) recorded as told, nothing sent (markExisting)` }
    : { state: 'gone', message: 'gone from the site; nothing to tell' };
  if (todo.length > 0 && !options.markExisting) check = await checkGone(net, known.url);
  said(check.message);
  if (check.state === 'online' || check.state === 'unknown') {
    tally.warn({ file: known.file, message: `gone from the site but ${check.message}` });
    return;
  }
  const post: Post = { url: known.url, file: known.file, title: '', excerpt: '', blogName: '', published: null, links: [], hash: known.hash };
  const tasks: Array<Promise<void>> = [];
  if (check.state === 'gone') {
    for (const url of todo) {
      await pairs.room();
      tasks.push(pairs.start(post, { kind: 'page', url }, { ...pair, linked: false }, 'post deleted'));
    }
  }
  await Promise.all(tasks);
  if (options.dryRun || stop.stopped()) return;
  // Handled once nothing is left to do (a moved post: nothing ever was); else the next run picks up the rest.
  const left = check.state === 'gone' ? pendingUnlinked(targets, new Set(), get, pair, flags) : [];
  if (left.length === 0) await state.putPost({ ...known, deleted: now().toISOString() }).catch(() => {});
}
