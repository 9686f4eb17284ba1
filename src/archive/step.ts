// The archive step of a run (`archive`): every page a post of this run cites is captured by Save Page Now once,
// one at a time, while the notifications go out (the pacer keeps 15 s between captures; notifications to other
// hosts do not wait on it). Like a notification, "asking" is made durable before the request goes out, so a run
// killed meanwhile never makes a later run ask again. A dry run asks nothing and records nothing.
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import type { StateStore } from '../state/store.ts';
import type { Target } from '../types.ts';
import { MAX_CAPTURES_PER_RUN, archivable, captureDue, captureRequest, readCapture } from './rules.ts';
import type { ArchiveRecord, Capture } from './rules.ts';

export interface ArchiveStep {
  /** A target a post of this run links: queued for capture when it is archivable and not captured before. */
  cite(target: Target): void;
  /** Waits for the queue; what each capture came to, in the order asked. */
  finish(): Promise<Capture[]>;
}

export interface ArchiveIo {
  enabled: boolean;
  endpoint: string;
  state: Pick<StateStore, 'getExtra' | 'putExtra'>;
  net: NetContext;
  dryRun: boolean;
  stopped: () => boolean;
  now: () => Date;
}

export function createArchiver(io: ArchiveIo): ArchiveStep {
  const seen = new Set<string>();
  const captures: Capture[] = [];
  let asked = 0;
  let slowedDown = false;
  let queue: Promise<void> = Promise.resolve();

  const capture = async (url: string): Promise<void> => {
    if (io.stopped()) return;
    const previous = io.state.getExtra('archive', url);
    if (slowedDown || asked >= MAX_CAPTURES_PER_RUN) {
      const why = slowedDown ? 'Save Page Now asked to slow down' : `${MAX_CAPTURES_PER_RUN} captures a run (4 a minute)`;
      captures.push({ url, status: 'held', snapshot: null, message: `held: ${why}; the next run asks` });
      return;
    }
    asked++;
    const attempts = (previous?.attempts ?? 0) + 1;
    const base = { kind: 'archive', key: url, at: io.now().toISOString() } as const;
    try {
      await io.state.putExtra({ ...base, status: 'in-flight', attempts, retryable: false, message: 'asked' });
    } catch {
      return; // the state cannot be written: never ask what we could not remember (the run reports the error)
    }
    // Not repeat-safe: retried only when nothing reached Save Page Now.
    const got = await requestWithRetry(io.net, captureRequest(io.endpoint, url), false);
    let result: Capture & { retryable: boolean };
    if ('error' in got) {
      const reached = got.error.phase === 'request';
      // Reached but unanswered: it may have been captured, and is not asked for twice (like an uncertain TrackBack).
      result = { url, status: 'failed', snapshot: null, retryable: !reached, message: `${got.error.message}${reached ? ' (may have been captured: not asked again)' : ''}` };
    } else {
      result = readCapture(io.endpoint, url, got.response);
    }
    if (result.status === 'held') slowedDown = true;
    const record: ArchiveRecord = {
      ...base, at: io.now().toISOString(), status: result.status === 'sent' ? 'sent' : 'failed', retryable: result.retryable, message: result.message,
      // A 429 captured nothing: it does not count against the attempts a page gets.
      attempts: result.status === 'held' ? attempts - 1 : attempts,
      ...(result.snapshot !== null ? { snapshot: result.snapshot } : {}),
    };
    await io.state.putExtra(record).catch(() => {});
    captures.push({ url, status: result.status, snapshot: result.snapshot, message: result.message });
  };

  return {
    cite(target) {
      if (!io.enabled || seen.has(target.url) || !archivable(target)) return;
      seen.add(target.url);
      if (!captureDue(io.state.getExtra('archive', target.url))) return;
      if (io.dryRun) {
        captures.push({ url: target.url, status: 'dry-run', snapshot: null, message: 'would ask Save Page Now to capture it' });
        return;
      }
      queue = queue.then(() => capture(target.url));
    },
    async finish() {
      await queue;
      return captures;
    },
  };
}
