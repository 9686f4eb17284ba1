// Which posts left the site in a run. Only a post the state had when the run started can have left: a post
// first seen by this run is recorded during it (after its notifications), and must not then look like a post
// of the state that the run did not see. So the candidates are taken once, at the start, before anything is
// written; a post counts as gone when the run saw neither its URL nor its file (a renamed file with the same
// URL, or a new URL in the same file, is not a deletion). Memory follows the state, not the site.
import type { PostRecord } from '../state/format.ts';

export interface Departures {
  sawUrl(url: string): void;
  sawFile(file: string): void;
  /** The candidates seen under neither their URL nor their file: call once the whole site was read. */
  left(): PostRecord[];
}

/** `posts`: the state's posts as the run starts. Those already handled as deleted are not candidates. */
export function trackDepartures(posts: Iterable<PostRecord>): Departures {
  const candidates = new Map<string, PostRecord>();
  const files = new Set<string>();
  for (const post of posts) {
    if (post.deleted !== undefined) continue;
    candidates.set(post.url, post);
    files.add(post.file);
  }
  const seenFiles = new Set<string>();
  return {
    sawUrl: (url) => void candidates.delete(url),
    sawFile: (file) => {
      if (files.has(file)) seenFiles.add(file);
    },
    left: () => [...candidates.values()].filter((post) => !seenFiles.has(post.file)),
  };
}
