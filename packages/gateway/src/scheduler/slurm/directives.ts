import { ALLOWED_OPTIONS, EXCLUSIVE_GROUPS, REFUSED_OPTIONS } from './directive-values.js';

/**
 * The `#SBATCH` policy, decided from how sbatch 22.05 reads a script (src/sbatch/opt.c):
 *
 * - it reads lines that begin, at column 0, with `#SBATCH` (or `#SLURM`) until the first line that
 *   is neither blank nor a comment (`#` after optional white space);
 * - it splits what follows the magic word into words the way a shell would (quotes, backslashes,
 *   `#` starting a comment; `#SBATCH--x` counts as well) and parses them all with getopt_long,
 *   which accepts unique prefixes of long options (`--arr` = `--array`), bundled short options
 *   (`-Qa0-9`), attached and separate values (`-pX`, `-p X`, `--x=v`), and lets a later
 *   occurrence override an earlier one;
 * - it also translates `#PBS` and `#BSUB` lines from anywhere in the first hundred lines that do
 *   not start with `#` (xlate.c) — in the gateway's wrapper, that includes the user's script in its
 *   here-document — unless `--ignore-pbs` is given. The wrapper's header always carries it.
 *
 * Rather than follow that grammar, the gateway accepts only the one form on which every reading
 * agrees: `#SBATCH --<name>=<value>` or `#SBATCH --<name>` (flags), one per line, each name at
 * most once, from an explicit allow-list, with values from charsets that have no quote, backslash,
 * `#` or space (a comment may follow after white space). Everything else that sbatch would read
 * as a directive is refused, naming the line. The wrapper's header holds these directives
 * re-written from what was parsed, not the user's text.
 */

export interface Directive {
  /** The long option's full name, without `--`. */
  name: string;
  /** null for a flag. */
  value: string | null;
}

/** What a user's script may not say, with the line that says it (numbered from 1). */
export class DirectivePolicyError extends Error {
  override name = 'DirectivePolicyError';
  constructor(
    readonly line: number,
    readonly text: string,
    readonly reason: string,
  ) {
    super(`line ${line}, ${JSON.stringify(clip(text))}: ${reason}`);
  }
}

/** C's isspace(), which sbatch uses: JavaScript's \s and trim() know many more characters. */
const C_SPACE_CHARS = ' \t\n\v\f\r';

/** Lines sbatch (or its PBS/LSF translation) would read as options, if they lead the script. */
const MAGIC = /^#(SBATCH|SLURM|PBS|BSUB)/;

/**
 * The directives of a script, parsed and checked. Messages number lines as the user wrote them:
 * the first `lineOffset` lines are the gateway's (its `#!` line before a command). Throws
 * DirectivePolicyError.
 */
export function parseDirectives(body: string, lineOffset = 0): Directive[] {
  const directives: Directive[] = [];
  const seen = new Map<string, number>();
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const lineNo = i + 1 - lineOffset;
    const magic = MAGIC.exec(text);
    if (!magic) {
      if (isBlankOrComment(text)) continue;
      break; // the first command: sbatch reads no further
    }
    if (magic[1] !== 'SBATCH') {
      throw new DirectivePolicyError(
        lineNo,
        text,
        `the gateway reads only #SBATCH directives, not #${magic[1]} ones`,
      );
    }
    const directive = parseLine(text, lineNo);
    const earlier = seen.get(directive.name);
    if (earlier !== undefined) {
      throw new DirectivePolicyError(
        lineNo,
        text,
        `--${directive.name} is already given on line ${earlier}: give each option once`,
      );
    }
    seen.set(directive.name, lineNo);
    for (const group of EXCLUSIVE_GROUPS) {
      const other = group.find((n) => n !== directive.name && seen.has(n));
      if (group.includes(directive.name) && other) {
        throw new DirectivePolicyError(
          lineNo,
          text,
          `--${directive.name} and --${other} (line ${seen.get(other)}) exclude each other`,
        );
      }
    }
    directives.push(directive);
  }
  return directives;
}

/** Directives as the wrapper's header writes them: one canonical line each. */
export function renderDirectives(directives: readonly Directive[]): string[] {
  return directives.map((d) =>
    d.value === null ? `#SBATCH --${d.name}` : `#SBATCH --${d.name}=${d.value}`,
  );
}

/** Blank, or a comment: sbatch skips such a line and goes on reading directives. */
function isBlankOrComment(line: string): boolean {
  for (const c of line) {
    if (C_SPACE_CHARS.includes(c)) continue;
    return c === '#';
  }
  return true;
}

const FORM = 'write each directive as #SBATCH --<full-name>=<value> (or #SBATCH --<flag>)';

function parseLine(text: string, lineNo: number): Directive {
  const refuse = (reason: string): never => {
    throw new DirectivePolicyError(lineNo, text, reason);
  };
  // What sbatch skips anyway: a comment after white space (an unquoted `#` ends its reading of
  // the line, and there can be no quote before it here), and trailing white space (a CRLF file's
  // \r too). The header gets the directive without them.
  const rest = text
    .slice('#SBATCH'.length)
    .replace(/[ \t]+#.*$/, '')
    .replace(/[ \t\r]+$/, '');
  if (!/^[ \t]/.test(rest)) {
    return refuse(rest === '' ? `an empty directive: ${FORM}` : `a space must follow #SBATCH`);
  }
  const words = rest.trim().split(/[ \t]+/);
  const word = words[0]!;
  if (/["'\\#]/.test(rest)) {
    return refuse(`quotes, backslashes and # are not accepted in a directive: ${FORM}`);
  }
  if (!word.startsWith('--')) {
    return refuse(`short options (-x) and bundles of them are not accepted: ${FORM}`);
  }
  const m = /^--([a-z][a-z-]{0,39})(?:=(.*))?$/.exec(word);
  if (!m) return refuse(`not an option: ${FORM}`);
  const name = m[1]!;
  const value = m[2] ?? null;
  const refused = REFUSED_OPTIONS.get(name);
  if (refused) return refuse(`--${name} is not allowed: ${refused}`);
  const allowed = ALLOWED_OPTIONS.get(name);
  if (!allowed) {
    return refuse(
      `--${name} is not an option the gateway accepts (full names only; allowed: ${[
        ...ALLOWED_OPTIONS.keys(),
      ].join(', ')})`,
    );
  }
  if (words.length > 1) {
    return refuse(
      allowed.flag || value !== null
        ? `one option per #SBATCH line: ${FORM}`
        : `give the value as --${name}=<value>, on the same word`,
    );
  }
  if (allowed.flag) {
    if (value !== null) return refuse(`--${name} is a flag: it takes no value`);
    return { name, value: null };
  }
  if (value === null || value === '') return refuse(`--${name} needs a value: --${name}=<value>`);
  const problem = allowed.check(value);
  if (problem) return refuse(`--${name}=${clip(value, 40)}: ${problem}`);
  return { name, value };
}

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
