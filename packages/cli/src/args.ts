import { usage } from './errors.js';

/** A repeatable option that also takes comma lists: `--status PENDING,RUNNING --status FAILED`. */
export function listValues(values: readonly (string | number)[] | string | undefined): string[] {
  if (values === undefined) return [];
  return [values]
    .flat()
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** A repeatable option whose values may contain commas. */
export function repeated(values: readonly (string | number)[] | string | undefined): string[] {
  return values === undefined ? [] : [values].flat().map(String);
}

/** For integer options such as `--nodes`: yargs would accept 1.5 or NaN. */
export function positiveInt(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw usage(`--${name} must be a whole number ≥ 1`);
  }
  return value;
}

/** `--timeout`-like seconds → milliseconds. */
export function secondsToMs(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) throw usage(`--${name} must be a number of seconds`);
  return value * 1000;
}
