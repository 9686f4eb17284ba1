// An Atom feed of new mentions, as webmention.io's /api/mentions.atom: one entry per mention, titled
// "<source host> <verb> <target path>", linking to the source. Plain text only (feedsmith writes Atom text
// constructs), so a feed reader never renders markup a stranger wrote.
import { generateAtomFeed } from 'feedsmith';
import type { Mention } from '../types.ts';

const VERB: Readonly<Record<Mention['property'], string>> = {
  'in-reply-to': 'replied to',
  'like-of': 'liked',
  'repost-of': 'reposted',
  'bookmark-of': 'bookmarked',
  'mention-of': 'mentioned',
  rsvp: 'RSVPed to',
};

function verb(mention: Mention): string {
  return mention.property === 'rsvp' && mention.rsvp ? `RSVPed “${mention.rsvp}” to` : VERB[mention.property];
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : url;
}

function pathOf(url: string): string {
  return URL.canParse(url) ? new URL(url).pathname || '/' : url;
}

/** `self` is the feed's own absolute URL (its id); `now` dates an empty feed. */
export function atomFeed(mentions: readonly Mention[], self: string, now: Date): string {
  const updated = mentions.reduce((latest, m) => (m.updatedAt > latest ? m.updatedAt : latest), '');
  return generateAtomFeed({
    id: self,
    title: 'Mentions',
    updated: updated === '' ? now : new Date(updated),
    links: [{ href: self, rel: 'self' }],
    authors: [{ name: 'linkback' }],
    entries: mentions.map((m) => ({
      id: `${new URL(self).origin}/api/mention/${m.id}`,
      title: `${hostOf(m.source)} ${verb(m)} ${pathOf(m.target)}`,
      updated: new Date(m.updatedAt),
      published: new Date(m.receivedAt),
      links: [{ href: m.url ?? m.source }],
      summary: `${m.source} ${verb(m)} ${m.target}`,
      ...(m.content?.text ? { content: m.content.text } : {}),
      ...(m.author?.name ? { authors: [{ name: m.author.name, ...(m.author.url ? { uri: m.author.url } : {}) }] } : {}),
    })),
  });
}
