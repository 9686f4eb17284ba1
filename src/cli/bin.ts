// Wires the CLI to the real process: argv, streams, environment, signals, exit code.
// bin/linkback.js imports the built copy of this file; tests spawn this source file through tsx.
import { main } from './main.ts';

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
