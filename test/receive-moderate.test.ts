// Moderation rules (pure: decide, screen, actions), then moderateVerified applying them to a real store, on SQLite
// and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RULES,
  decide,
  domainCovers,
  isModerationAction,
  newlyApproved,
  screen,
  sourceDomain,
  statusAfter,
  type ModerationRules,
} from '../src/receive/moderate/index.ts';
import { moderateVerified } from '../src/receive/moderate/apply.ts';
import { sample, storeMention } from './fixtures/receive/mentions.ts';
import { forEachStore } from './receive-stores.ts';

const from = (source: string) => ({ source });
const rules = (over: Partial<ModerationRules> = {}): ModerationRules => ({ ...DEFAULT_RULES, ...over });
const unknown = { domainApprovedBefore: false };

test('decide: an unknown source waits for a moderator by default', () => {
  assert.equal(decide(from('https://stranger.example/p'), DEFAULT_RULES, unknown), 'pending');
});

test('decide: an owner who wants webmention.io behaviour publishes everything that verifies', () => {
  assert.equal(decide(from('https://stranger.example/p'), rules({ defaultStatus: 'approved' }), unknown), 'approved');
});

test('decide: a domain approved once is approved next time (WordPress), unless the owner turned that off', () => {
  assert.equal(decide(from('https://friend.example/p2'), DEFAULT_RULES, { domainApprovedBefore: true }), 'approved');
  assert.equal(decide(from('https://friend.example/p2'), rules({ approveKnownDomains: false }), { domainApprovedBefore: true }), 'pending');
});

test('decide: allowlisted domains and their subdomains are approved, look-alikes are not', () => {
  const allow = rules({ allow: ['friend.example'] });
  assert.equal(decide(from('https://friend.example/p'), allow, unknown), 'approved');
  assert.equal(decide(from('https://blog.friend.example/p'), allow, unknown), 'approved');
  assert.equal(decide(from('https://notfriend.example/p'), allow, unknown), 'pending');
  assert.equal(decide(from('https://friend.example.evil.test/p'), allow, unknown), 'pending');
});

test('decide: the blocklist wins over everything, even a past approval and the allowlist', () => {
  const block = rules({ allow: ['spam.example'], block: ['SPAM.example.'] });
  assert.equal(decide(from('https://spam.example/p'), block, { domainApprovedBefore: true, current: 'approved' }), 'spam');
  assert.equal(decide(from('https://www.spam.example/p'), block, unknown), 'spam');
});

test('decide: an update keeps the moderator\'s decision; a deleted one that links again is judged afresh', () => {
  assert.equal(decide(from('https://x.example/p'), DEFAULT_RULES, { domainApprovedBefore: false, current: 'approved' }), 'approved');
  assert.equal(decide(from('https://x.example/p'), rules({ defaultStatus: 'approved' }), { domainApprovedBefore: false, current: 'spam' }), 'spam');
  assert.equal(decide(from('https://x.example/p'), DEFAULT_RULES, { domainApprovedBefore: false, current: 'deleted' }), 'pending');
  assert.equal(decide(from('https://x.example/p'), DEFAULT_RULES, { domainApprovedBefore: false, current: 'pending' }), 'pending');
});

test('screen: blocked domains are refused at accept only when the owner asked for refusal', () => {
  assert.equal(screen(from('https://spam.example/p'), rules({ block: ['spam.example'] })), 'accept');
  assert.equal(screen(from('https://spam.example/p'), rules({ block: ['spam.example'], blockAction: 'refuse' })), 'refuse');
  assert.equal(screen(from('https://ok.example/p'), rules({ block: ['spam.example'], blockAction: 'refuse' })), 'accept');
});

test('sourceDomain and domainCovers', () => {
  assert.equal(sourceDomain('https://Blog.Example.ORG:8443/x'), 'blog.example.org');
  assert.equal(sourceDomain('not a url'), '');
  assert.equal(domainCovers('*.example.org', 'a.example.org'), true);
  assert.equal(domainCovers('', 'a.example.org'), false);
  assert.equal(domainCovers('example.org', ''), false);
});

test('moderation actions and the webhook trigger', () => {
  assert.equal(statusAfter('approve'), 'approved');
  assert.equal(statusAfter('spam'), 'spam');
  assert.equal(statusAfter('delete'), 'deleted');
  assert.equal(statusAfter('unapprove'), 'pending');
  assert.equal(isModerationAction('approve'), true);
  assert.equal(isModerationAction('toString'), false);
  assert.equal(newlyApproved('pending', 'approved'), true);
  assert.equal(newlyApproved(undefined, 'approved'), true);
  assert.equal(newlyApproved('approved', 'approved'), false);
  assert.equal(newlyApproved('pending', 'spam'), false);
});

// moderateVerified reads and writes the store: on every database.
forEachStore((kind) => {
  test('moderateVerified: a new mention from a domain approved before is approved and reported as newly approved', async (t) => {
    const { store } = await kind.open(t);
    await storeMention(store, sample(1, { source: 'https://friend.example/old', status: 'approved' }));
    const fresh = await storeMention(store, sample(2, { source: 'https://friend.example/new', status: 'pending' }));
    const stranger = await storeMention(store, sample(3, { source: 'https://stranger.example/p', status: 'pending' }));
    const now = new Date('2026-03-01T00:00:00Z');
    const a = await moderateVerified(store, DEFAULT_RULES, fresh, now);
    assert.equal(a.mention.status, 'approved');
    assert.equal(a.newlyApproved, true);
    assert.equal((await store.mention(2))?.status, 'approved');
    const b = await moderateVerified(store, DEFAULT_RULES, stranger, now);
    assert.equal(b.mention.status, 'pending');
    assert.equal(b.newlyApproved, false);
    const c = await moderateVerified(store, rules({ block: ['friend.example'] }), { ...fresh, status: 'approved' }, now);
    assert.equal(c.mention.status, 'spam');
    assert.equal((await store.mention(2))?.status, 'spam');
  });
});
