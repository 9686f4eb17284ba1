// The floor of the receiver's accept benchmark (bench/receive.ts): a bare node:http server that reads the request
// body and answers 202, nothing else (no parsing, no database). What the same autocannon gets from Node's HTTP
// alone on this machine in the same run. Prints {"listening": url} as `linkback serve --json` does; SIGTERM ends it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(202, { 'content-type': 'text/plain; charset=utf-8', location: '/status/1' }).end('accepted\n'));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
