// The site directory (src/receive/sites.ts): which sites a `/<domain>/…` path reaches, read from a real store, and
// re-read after its time to live (another process may add a site) or at once after forget() (this one did).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSiteDirectory } from '../src/receive/sites.ts';
import type { ServerSettings } from '../src/receive/sites.ts';
import { forEachStore } from './receive-stores.ts';

const SERVER: ServerSettings = { rateClient: 0, rateSource: 0, approve: 'known', allowDomains: [], blockDomains: [], blockAction: 'refuse' };

forEachStore((kind) => {
  test(`${kind.name}: originsAt finds a domain's sites (both schemes, a port, any case), new sites after the TTL or forget()`, { timeout: 120_000 }, async (t) => {
    const { store, another } = await kind.open(t);
    await store.ensureSites(['https://blog.example', 'http://blog.example', 'https://notes.example:8443', 'https://other.example']);
    let clock = 0;
    const directory = createSiteDirectory(store, SERVER, () => clock, 5_000);
    assert.deepEqual((await directory.originsAt('blog.example')).sort(), ['http://blog.example', 'https://blog.example']);
    assert.deepEqual(await directory.originsAt('BLOG.Example'), await directory.originsAt('blog.example'));
    assert.deepEqual(await directory.originsAt('notes.example:8443'), ['https://notes.example:8443']);
    assert.deepEqual(await directory.originsAt('notes.example'), [], 'the port is part of the domain');
    assert.deepEqual(await directory.originsAt('nowhere.example'), []);

    // Another process adds a site: seen once the list's time to live is over, not before.
    const other = await another();
    await other.putSite('https://late.example', {});
    assert.deepEqual(await directory.originsAt('late.example'), []);
    clock = 5_000;
    assert.deepEqual(await directory.originsAt('late.example'), ['https://late.example']);

    // This process removes one: gone at once after forget().
    await store.removeSite('https://other.example', new Date());
    directory.forget();
    assert.deepEqual(await directory.originsAt('other.example'), []);
    assert.ok((await directory.origins()).includes('https://late.example'));
  });
});
