// `npm run demo`: the main job on the example site, against the simulated web (no internet).
// Runs the real command twice with a fresh state file: the first run notifies, the second sends nothing.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATED_CA, startSimulatedWeb } from './web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = await startSimulatedWeb();
const stateDir = await mkdtemp(join(tmpdir(), 'linkback-demo-'));
const args = [
  join(root, 'bin/linkback.js'), 'send', join(root, 'example/site'),
  '--state', join(stateDir, 'state.json'),
  // Every host name is connected to the simulated web on 127.0.0.1; loopback must then be allowed.
  '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private',
  // The simulated arXiv speaks plain HTTP.
  '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}',
];

function run(extra: string[] = []): Promise<number> {
  return new Promise((resolve) => {
    // The simulated web serves our blog over HTTPS with its own certificate: the command trusts it (only it).
    const child = spawn(process.execPath, [...args, ...extra], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: SIMULATED_CA } });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

try {
  console.log(`$ linkback send example/site --state ${join(stateDir, 'state.json')} --connect-to '*=127.0.0.1:${web.port}' --allow-private --arxiv-endpoint http://arxiv.org/trackback/{id}\n`);
  const first = await run();
  console.log(`\n(exit code ${first}: 1 because one trackback was refused with <error>1</error>, as the example intends)\n`);
  console.log('The simulated web received these notifications:');
  for (const r of web.notifications()) console.log(`  POST http://${r.host}${r.path}  (${r.contentType.split(';')[0]})`);
  const before = web.requests.length;
  console.log('\n$ linkback send example/site … (again, same state)\n');
  const second = await run();
  const again = web.requests.slice(before);
  console.log(`\nSecond run: exit code ${second}, ${again.length} requests, ${again.filter((r) => r.method === 'POST').length} notifications.`);
} finally {
  await web.close();
  await rm(stateDir, { recursive: true, force: true });
}
