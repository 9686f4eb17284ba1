// Wires the CLI to the real process: argv, streams, environment, signals, exit code.
// bin/linkback.js imports the built copy of this file; tests spawn this source file through tsx.
import { main } from './main.ts';

// `linkback status | head`: the reader went away. Output comes last (the state is already written and
// closed), so there is nothing left to protect; leave quietly like other Unix tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onSignal(signal, handler) {
    process.on(signal, handler);
    return () => process.off(signal, handler);
  },
  exit: (code) => process.exit(code),
});
