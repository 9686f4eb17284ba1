// The fault-injection suite, reduced to fit the test run (`npm run chaos` runs the full one): the linkback CLI
// against a web that resets, stalls, answers 5xx / 429 / 503 or answers late, killed with SIGKILL at random
// moments and restarted, then left to finish. Nothing is received twice (except the repeats Webmention and
// Pingback make harmless, counted apart), nothing is lost unless marked uncertain, the state always loads.
// After each kill, the state is read before the next run: at most --per-host notifications per host are left in
// flight, and at the end no Webmention or Pingback is uncertain (the next run sent them again).
// The seed is printed; CHAOS_SEED=<n> replays one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PER_HOST, brokenPromises, formatFigures, runChaos } from './fixtures/chaos/harness.ts';
import { freshSeed } from './fixtures/chaos/random.ts';
import { compiled } from './compiled.ts';

test('chaos: 60 targets, 8 SIGKILL rounds under injected faults: no duplicate, nothing lost, at most perHost per host in flight per kill, the state always loads', { timeout: 300_000 }, async (t) => {
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : freshSeed();
  // The CLI compiled, not through tsx (test/compiled.ts): the runs are started and SIGKILLed by the dozen.
  const figures = await runChaos({ bin: (await compiled()).bin, seed, targets: 60, rounds: 8, timeoutMs: 1000, lateMs: 250, concurrency: 8, stormRuns: 3, healRuns: 2 });
  for (const line of formatFigures(figures).split('\n')) t.diagnostic(line);
  const context = `seed ${seed} (CHAOS_SEED=${seed} replays it)\n${figures.problems.join('\n')}`;
  assert.deepEqual(brokenPromises(figures), [], context);
  // Each kill left at most --per-host in flight for any host; only trackbacks stay uncertain; none processed twice.
  assert.ok(figures.maxInFlightPerHost <= PER_HOST, `a kill left ${figures.maxInFlightPerHost} in flight for one host; ${context}`);
  assert.equal(figures.repeatSafeUncertain, 0, `webmentions/pingbacks left uncertain; ${context}`);
  assert.ok(figures.trackbackMaxReceipts <= 1, `a trackback was processed ${figures.trackbackMaxReceipts} times; ${context}`);
  // The suite must have done what it claims, or the zeros above mean nothing.
  // Kills are aimed at POST counts, so on a slow machine the site can be finished before all 8 land: at least
  // 4 must have landed for the figures to mean something (the full `npm run chaos` asks for 24).
  assert.ok(figures.kills >= 4, `killed ${figures.kills} times; ${context}`);
  assert.ok(figures.leftInFlight > 0, `no kill cut a notification in flight; ${context}`);
  assert.ok(figures.received >= figures.pairs / 2, `the servers processed ${figures.received} of ${figures.pairs}; ${context}`);
  for (const fault of ['reset', 'stall', 'error-500', 'rate-429', 'busy-503', 'late', 'reset-after'] as const) {
    assert.ok(figures.faults[fault] > 0, `${fault} was injected; ${context}`);
  }
  for (const protocol of ['webmention', 'pingback', 'trackback'] as const) {
    assert.ok(figures.byProtocol[protocol].delivered > 0, `some ${protocol} got through; ${context}`);
  }
  // Every pair ends delivered, uncertain, or refused by its server's answer: the categories add up.
  assert.ok(figures.uncertainNotDelivered + figures.failedOnAnswer + Object.values(figures.byProtocol).reduce((n, p) => n + p.delivered, 0) >= figures.pairs, context);
});
