// What every step of a run is given: the settings, the state, the network, the clock, the events and the
// report so far. Built once by src/linkback.ts and passed to each step explicitly; a step changes the run only
// through the state (records), the tally (rows and counts) and `stop` (a fatal problem).
import type { Options } from '../options.ts';
import { LinkbackError } from '../errors.ts';
import type { StateStore } from '../state/store.ts';
import type { PlanFlags } from '../state/plan.ts';
import type { NetContext } from '../net/attempt.ts';
import type { Tally } from './summary.ts';
import type { LinkbackEvent } from './types.ts';

export interface RunContext {
  readonly options: Options;
  readonly state: StateStore;
  readonly net: NetContext;
  readonly now: () => Date;
  readonly emit: (event: LinkbackEvent) => void;
  /** planPair's flags; `now`: a record's retryAt (a gone target's next check) is compared with the time the run started. */
  readonly flags: PlanFlags;
  readonly tally: Tally;
  readonly stop: Stop;
}

/** Whether the run should start nothing new: a fatal problem (the state cannot be written), or the caller's signal. */
export interface Stop {
  /** The first fatal problem; the run reports it in SendReport.error. */
  readonly fatal: LinkbackError | null;
  fail(error: LinkbackError): void;
  stopped(): boolean;
}

export function createStop(signal: AbortSignal | undefined): Stop {
  // Held in an object: it is set from inside tasks, and TypeScript's narrowing would forget that.
  const failure: { fatal: LinkbackError | null } = { fatal: null };
  return {
    get fatal() {
      return failure.fatal;
    },
    fail(error) {
      failure.fatal ??= error;
    },
    stopped: () => failure.fatal !== null || signal?.aborted === true,
  };
}

export function runFlags(options: Pick<Options, 'retryFailed' | 'retryUncertain'>, now: () => Date): PlanFlags {
  return { retryFailed: options.retryFailed, retryUncertain: options.retryUncertain, now: now().getTime() };
}

export function stateUnwritable(state: StateStore, cause: unknown): LinkbackError {
  return new LinkbackError('STATE_UNWRITABLE', `cannot write ${state.path}`, { cause });
}
