// yargs, for the CLI bundle: loaded by a run that parses its arguments with it (main.ts).
export { default } from 'yargs';
