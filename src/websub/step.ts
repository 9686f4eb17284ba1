// The WebSub step of a run: once a run added or changed a post, the site's feed changed, and each hub the feed
// names is told so, once, at the end of the run (pushl does the same; a hub then fetches the feed itself).
//
// "The feed changed" is made durable (a 'pending' extra record in the state) the moment the run sees the first new
// or changed post, before that post is recorded: a run killed after recording its posts would otherwise leave a
// next run that sees nothing new and never tells the hub. A hub that failed stays pending, and the next run tells
// it even with nothing new. A dry run, and markExisting, tell no hub and record nothing.
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import type { StateStore } from '../state/store.ts';
import type { HubbedFeed } from './feeds.ts';
import { publishRequest, readPublishAnswer } from './publish.ts';
import type { HubPing } from './publish.ts';

export interface WebSubStep {
  /** A post of this run is new or changed, or left the site. Resolves once that is durable. */
  changed(): Promise<void>;
  /** Tells the hubs of every feed pending (this run's, or left by an earlier run); what each said. */
  finish(): Promise<HubPing[]>;
}

export interface WebSubIo {
  feeds: readonly HubbedFeed[];
  state: Pick<StateStore, 'getExtra' | 'putExtra' | 'extras'>;
  net: NetContext;
  /** Nothing goes out and nothing is recorded (a dry run, markExisting). */
  quiet: boolean;
  /** Stop without telling anyone (the run was interrupted or hit a fatal error). */
  stopped: () => boolean;
  now: () => Date;
}

export function createWebSub(io: WebSubIo): WebSubStep {
  let marked: Promise<void> | null = null;
  let changed = false;
  return {
    changed() {
      changed = true;
      if (io.quiet || io.feeds.length === 0) return Promise.resolve();
      marked ??= Promise.all(io.feeds.map((feed) => io.state.putExtra({
        kind: 'websub', key: feed.topic, status: 'pending', at: io.now().toISOString(), message: 'the feed changed; its hubs are not told yet', hubs: feed.hubs,
      }))).then(() => {});
      return marked;
    },
    async finish() {
      if (io.quiet) {
        return changed ? io.feeds.flatMap((feed) => feed.hubs.map((hub): HubPing => ({ hub, topic: feed.topic, status: 'dry-run', message: 'would tell the hub the feed changed' }))) : [];
      }
      if (io.stopped()) return [];
      await marked;
      const pending = [...io.state.extras()].filter((r) => r.kind === 'websub' && r.status === 'pending');
      const pings: HubPing[] = [];
      for (const record of pending) {
        if (record.kind !== 'websub') continue;
        // This run's reading of the feed wins: its hubs may have changed since the record was written.
        const hubs = io.feeds.find((f) => f.topic === record.key)?.hubs ?? record.hubs;
        const told = await Promise.all(hubs.map((hub) => ping(io.net, hub, record.key)));
        pings.push(...told);
        const failed = told.filter((p) => p.status !== 'sent');
        await io.state.putExtra({
          kind: 'websub', key: record.key, status: failed.length === 0 ? 'sent' : 'pending', at: io.now().toISOString(), hubs,
          message: failed.length === 0 ? `told ${hubs.length} hub(s)` : `not told: ${failed.map((p) => `${p.hub} (${p.message})`).join('; ')}`,
        });
      }
      return pings;
    },
  };
}

async function ping(net: NetContext, hub: string, topic: string): Promise<HubPing> {
  // Repeat-safe: a hub told twice fetches the feed twice, no more.
  const got = await requestWithRetry(net, publishRequest(hub, topic), true);
  if ('error' in got) return { hub, topic, status: 'failed', message: got.error.message };
  return readPublishAnswer(hub, topic, got.response);
}
