// The contract as the CLI's SDK bundle sees it: nothing of zod is built until it is needed.
//
// Importing @hpcgate/contract builds every one of its zod schemas (hundreds of objects), and most
// of a cold `hpcgate jobs get` went there. The SDK only ever calls `schema.safeParse(answer)`,
// so the module generated here stands in for the contract:
//
// - each schema is an object whose `safeParse` first runs a parser generated at build time by
//   zod's own compiler (zod/v4/core/compile.js, the code `z.compile` runs), its constants written
//   out as literals. Such a parser returns what zod's parse returns for a valid input, or INVALID;
//   on INVALID, on any throw, or when it needs something that could not be written out (a
//   refinement's callback, a lazy schema), the real schema answers instead, with zod's own
//   result and messages. Anything else asked of a stand-in goes to the real schema.
// - the contract's functions call the real ones; its constants are copies (JSON values).
//
// The real contract (with zod) is the bundle `contractFile`, loaded by the first call that needs it.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const INVALID = Symbol.for('zod.compile.invalid');
// zod's getter for a `.default(…)` value: `c4(c3())` in generated code.
const DEFAULT_GETTER = '() => schema._zod.def.defaultValue';

/**
 * The generated module's source, and what it could and could not compile (for the build's log).
 * `names`: the schemas to compile (those the SDK parses with); others only delegate.
 */
export async function lazyContractSource({ contractEntry, contractFile, names }) {
  const contract = await import(pathToFileURL(contractEntry).href);
  const require = createRequire(contractEntry);
  const zodDir = require.resolve('zod/package.json').replace(/package\.json$/, '');
  const utilPath = `${zodDir}v4/core/util.js`;
  const { compileFn } = await import(pathToFileURL(`${zodDir}v4/core/compile.js`).href);
  const util = await import(pathToFileURL(utilPath).href);

  const out = [];
  const report = { compiled: [], delegated: [] };
  const utilUsed = new Set();
  out.push(`import * as zutil from ${JSON.stringify(utilPath)};`);
  out.push(`let real;
const contract = () => (real ??= require(${JSON.stringify(`./${contractFile}`)}));
const INVALID = Symbol.for('zod.compile.invalid');
/** Stands for what could not be written out: the real schema answers. */
const runtime = () => {
  throw new Error('needs the runtime schema');
};
function standIn(name, makeParser) {
  let parser;
  const fast = {
    safeParse(data, params) {
      if (makeParser && params === undefined) {
        try {
          const value = (parser ??= makeParser())(data);
          if (value !== INVALID) return { success: true, data: value };
        } catch {
          // Not for the fast path: the real schema answers.
        }
      }
      return contract()[name].safeParse(data, params);
    },
  };
  return new Proxy(fast, {
    get: (target, key) => (key === 'safeParse' ? target.safeParse : Reflect.get(contract()[name], key)),
    has: (_, key) => key in contract()[name],
    getPrototypeOf: () => Object.getPrototypeOf(contract()[name]),
  });
}`);

  for (const [name, value] of Object.entries(contract)) {
    if (value && typeof value === 'object' && '_zod' in value) {
      const factory = names.has(name)
        ? compiledFactory(compileFn, value, util, utilUsed)
        : undefined;
      (factory ? report.compiled : report.delegated).push(name);
      out.push(
        `export const ${name} = standIn(${JSON.stringify(name)}, ${factory ?? 'undefined'});`,
      );
    } else if (typeof value === 'function') {
      out.push(`export function ${name}(...args) { return contract().${name}.apply(this, args); }`);
    } else {
      const text = JSON.stringify(value);
      if (text === undefined || !isDeepStrictEqual(JSON.parse(text), value)) {
        throw new Error(
          `lazy contract: ${name} is not a JSON value; teach lazy-contract.mjs about it`,
        );
      }
      out.push(`export const ${name} = ${text};`);
    }
  }
  return { source: `${out.join('\n')}\n`, report };
}

/**
 * `() => parser` for `schema`, from zod's compiler with its constants as literals; undefined when
 * zod does not compile it or a constant has no literal form.
 */
function compiledFactory(compileFn, schema, util, utilUsed) {
  let captured;
  const RealFunction = globalThis.Function;
  // compileFn builds its parser with `new Function(...constantNames, body)(...constantValues)`.
  globalThis.Function = function CapturingFunction(...args) {
    const body = args.pop();
    return (...values) => {
      captured = { names: args, body, values };
      return () => INVALID;
    };
  };
  try {
    compileFn(schema);
  } catch {
    return undefined;
  } finally {
    globalThis.Function = RealFunction;
  }
  if (captured?.names[0] !== 'INVALID') return undefined;
  const literals = [];
  for (const [i, value] of captured.values.entries()) {
    const literal = i === 0 ? 'INVALID' : literalOf(value, util, utilUsed);
    if (literal === undefined) return undefined;
    literals.push(literal);
  }
  return `() => (function (${captured.names.join(', ')}) {\n${captured.body}\n})(${literals.join(', ')})`;
}

function literalOf(value, util, utilUsed) {
  if (value === INVALID) return 'INVALID';
  if (value === undefined) return 'undefined';
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof RegExp) {
    return `new RegExp(${JSON.stringify(value.source)}, ${JSON.stringify(value.flags)})`;
  }
  if (value instanceof Set) {
    const items = [...value];
    if (!items.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
      return undefined;
    }
    return `new Set(${JSON.stringify(items)})`;
  }
  if (typeof value === 'function') {
    if (value === Object.prototype.propertyIsEnumerable)
      return 'Object.prototype.propertyIsEnumerable';
    if (value === Object.prototype.hasOwnProperty) return 'Object.prototype.hasOwnProperty';
    const utilName = Object.keys(util).find((k) => util[k] === value);
    if (utilName) {
      utilUsed.add(utilName);
      return `zutil.${utilName}`;
    }
    if (value.toString() === DEFAULT_GETTER) {
      // A default that is a JSON value, the same on every call: a new copy of it each time.
      const a = value();
      const text = JSON.stringify(a);
      if (
        text !== undefined &&
        isDeepStrictEqual(JSON.parse(text), a) &&
        isDeepStrictEqual(value(), a)
      ) {
        return `() => (${text})`;
      }
    }
    // A refinement's callback, a lazy schema's getter, zod's async guard: the real schema answers.
    return 'runtime';
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const text = JSON.stringify(value);
    if (text !== undefined && isDeepStrictEqual(JSON.parse(text), value)) return `(${text})`;
  }
  return undefined;
}
