import { runCli } from './cli';

/** Entry point of the `atlas-restore` CLI. */
runCli(process.argv.slice(2), process.env, (line) => console.log(line))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
