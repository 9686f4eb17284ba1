// The progress line on stderr while `send` runs: pages read, posts, targets done out of targets found,
// endpoints looked up, sent and failed. Drawn by cli-progress, only when io.animate() said a person is
// watching a terminal; otherwise every method just passes log lines through. Lines logged while the bar
// is up are printed above it (cli-progress's MultiBar keeps the bar at the bottom).
import type { LinkbackEvent } from '../index.ts';
import { formatDuration } from '../report/table.ts';
import type { Stream } from './io.ts';

export interface Progress {
  event(event: LinkbackEvent): void;
  /** One line for stderr (no newline needed). */
  log(line: string): void;
  /** Removes the bar; safe to call twice. */
  stop(): void;
}

interface Counts {
  pages: number;
  posts: number;
  targets: number;
  done: number;
  discovered: number;
  sent: number;
  failed: number;
  /** ' · waiting 16 s for blog.example.org (WordPress flood window)' while the run waits on a host, else ''. */
  waiting: string;
}

/** "waiting 16 s for blog.example.org (WordPress flood window)" */
export function waitingLine(event: { host: string; ms: number; reason: string }): string {
  return `waiting ${formatDuration(event.ms)} for ${event.host} (${event.reason})`;
}

export async function createProgress(stream: Stream, enabled: boolean): Promise<Progress> {
  if (!enabled) {
    return { event: () => {}, log: (line) => void stream.write(`${line}\n`), stop: () => {} };
  }
  // Loaded only when a bar is drawn: CI, pipes, --quiet and --json never need cli-progress.
  const { MultiBar } = await import('cli-progress');
  const counts: Counts = { pages: 0, posts: 0, targets: 0, done: 0, discovered: 0, sent: 0, failed: 0, waiting: '' };
  let waitingUntil = 0;
  const multi = new MultiBar({
    // cli-progress types its stream as NodeJS.WritableStream; it only ever calls write, isTTY and columns.
    stream: stream as NodeJS.WritableStream,
    format: '{bar} {value}/{total} targets · pages {pages} · posts {posts} · looked up {discovered} · sent {sent} · failed {failed}{waiting}',
    barsize: 20,
    clearOnComplete: true,
    hideCursor: true,
    // Ctrl-C is the CLI's to handle (finish requests in flight); the bar must not exit the process.
    gracefulExit: false,
    fps: 10,
  });
  // Starts at 0/1 until the first post says how many targets it has: cli-progress shows 0/0 as 100%.
  const bar = multi.create(1, 0, counts);
  let stopped = false;
  const redraw = () => {
    // The wait is told until it is over (the run's clock; the line is for a person watching, so the wall clock).
    if (counts.waiting !== '' && Date.now() >= waitingUntil) counts.waiting = '';
    bar.setTotal(Math.max(1, counts.targets));
    bar.update(counts.done, counts);
  };
  return {
    event(event) {
      if (stopped) return;
      switch (event.type) {
        case 'page':
          counts.pages++;
          break;
        case 'post':
          counts.posts++;
          counts.targets += event.targets;
          break;
        case 'discovered':
          counts.discovered++;
          break;
        case 'waiting':
          // The longest wait on now is the one worth telling.
          if (counts.waiting === '' || Date.now() + event.ms > waitingUntil) {
            counts.waiting = ` · ${waitingLine(event)}`;
            waitingUntil = Date.now() + event.ms;
          }
          break;
        case 'result':
          counts.done++;
          if (event.result.status === 'sent') counts.sent++;
          if (event.result.status === 'failed') counts.failed++;
          break;
        default:
          return;
      }
      redraw();
    },
    log(line) {
      if (stopped) stream.write(`${line}\n`);
      else multi.log(`${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.update(); // prints lines still waiting in the log buffer
      multi.stop();
    },
  };
}
