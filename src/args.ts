/**
 * Command-line options, parsed the same way for every command: `--name`, `--name=value`,
 * `--name value`, `-x`, `--no-<flag>`, `--` ending the options. Every mistake is a UsageError with
 * one line that says what was wrong and, for a misspelling, what was probably meant; node's own
 * parser messages never reach the user.
 */

export interface OptionSpec {
  type: 'boolean' | 'string';
  /** One letter: `-x`. */
  short?: string;
  /** For a string option: the values it accepts. */
  choices?: readonly string[];
  /** For a string option: what its value is, in messages and help (`<range>`). */
  value?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type ParsedValues<S extends OptionSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string;
};

export interface Parsed<S extends OptionSpecs> {
  values: ParsedValues<S>;
  positionals: string[];
}

/** Bad usage: exit code 2, with `message` (one line) and `hint` (how to get it right). */
export class UsageError extends Error {
  static readonly brand = 'keyguard:UsageError';
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** Recognised across bundle chunks, as RepositoryReadError is (each chunk has its own copy of the class). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'UsageError' && 'hint' in value;
  }
}

/** Edit distance (insertions, deletions, substitutions, transpositions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a likely misspelling. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

const didYouMean = (suggestion: string | undefined) => (suggestion ? ` (did you mean ${suggestion}?)` : '');

/**
 * Parses `args` against `specs`. `command` names the command in messages ("check has no option
 * --formt"); `helpCommand` is what the hint tells the user to run.
 */
export function parseOptions<S extends OptionSpecs>(args: string[], specs: S, command: string, options: { positionals?: boolean } = {}): Parsed<S> {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const hint = `Run \`keyguard ${command === 'keyguard' ? 'help' : `${command} --help`}\` for its options.`;
  const names = Object.keys(specs);
  const byShort = new Map(names.flatMap((name) => (specs[name]!.short ? [[specs[name]!.short!, name] as const] : [])));
  const setValue = (name: string, raw: string | undefined, next: () => string | undefined) => {
    const spec = specs[name]!;
    if (spec.type === 'boolean') {
      if (raw !== undefined) throw new UsageError(`--${name} takes no value (got "${raw}").`, hint);
      values[name] = true;
      return;
    }
    const value = raw ?? next();
    const expected = spec.choices ? spec.choices.join(', ') : (spec.value ?? 'a value');
    if (value === undefined || (raw === undefined && value.startsWith('-') && value !== '-')) {
      throw new UsageError(`--${name} needs ${spec.choices ? `one of ${expected}` : expected}.`, hint);
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`--${name} must be one of ${expected} (got "${value}")${didYouMean(closest(value, spec.choices))}.`, hint);
    }
    values[name] = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = () => (i + 1 < args.length ? args[++i] : undefined);
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const raw = eq < 0 ? undefined : arg.slice(eq + 1);
      if (specs[name]) {
        setValue(name, raw, next);
      } else if (name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean' && raw === undefined) {
        values[name.slice(3)] = false;
      } else {
        const known = names.flatMap((n) => (specs[n]!.type === 'boolean' ? [`--${n}`, `--no-${n}`] : [`--${n}`]));
        throw new UsageError(`${command} has no option --${name}${didYouMean(closest(`--${name}`, known))}.`, hint);
      }
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      // -abc is -a -b -c when all are flags; a string option takes the rest (-fjson) or the next argument.
      for (let j = 1; j < arg.length; j++) {
        const name = byShort.get(arg[j]!);
        if (!name) {
          const known = [...byShort.keys()].map((letter) => `-${letter}`);
          throw new UsageError(`${command} has no option -${arg[j]}${didYouMean(known.length ? closest(`-${arg[j]}`, known) : undefined)}.`, hint);
        }
        if (specs[name]!.type === 'string') {
          setValue(name, j + 1 < arg.length ? arg.slice(j + 1) : undefined, next);
          break;
        }
        values[name] = true;
      }
      continue;
    }
    if (options.positionals === false) throw new UsageError(`${command} takes no arguments (got "${arg}").`, hint);
    positionals.push(arg);
  }
  return { values: values as ParsedValues<S>, positionals };
}

/**
 * The report format named in raw arguments (`--format json`, `--format=sarif`), read before any
 * other parsing: a usage error must still be written in the format the caller will parse.
 */
export function requestedFormat(args: string[]): string | undefined {
  let format: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === '--format') format = args[i + 1];
    else if (arg.startsWith('--format=')) format = arg.slice('--format='.length);
  }
  return format;
}
