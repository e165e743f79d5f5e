import { parseArgs } from 'util';
import { InactivityConfigError } from '../core/errors';

/** One flag a command accepts: `--name <hint>` for a value, or a switch. */
export interface FlagSpec {
    /** `'string'` for a flag that takes a value, `'boolean'` for a switch such as `--json`. */
    type: 'string' | 'boolean';
    /** How the value is shown in messages (`<uri>`), for a flag that takes one. Default: `<value>`. */
    hint?: string;
}

/** The flags of one command, by long name (without `--`). `--help` / `-h` is added to every command. */
export type FlagSpecs = Record<string, FlagSpec>;

/** The values given for a command's flags: strings for flags with a value, `true` for switches. */
export type FlagValues<T extends FlagSpecs> = { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean };

/** A parsed command line. */
export interface CommandLine<T extends FlagSpecs> {
    /** True when `--help` or `-h` was given: the command prints its usage and nothing else is checked. */
    help: boolean;
    /** The flags given; the last wins when one is repeated. */
    values: FlagValues<T>;
    /** The arguments that are not flags, in order (everything after `--` included). */
    positionals: string[];
}

/** The flags of every command that reads the plugin's MongoDB collections. */
export const MONGO_FLAGS = {
    mongo: { type: 'string', hint: '<uri>' },
    prefix: { type: 'string', hint: '<name>' },
    json: { type: 'boolean' },
} as const satisfies FlagSpecs;

const HELP = new Set(['--help', '-h']);

/**
 * Reads a command's arguments with Node's `util.parseArgs`, with the same rules for every command: `--flag value`
 * or `--flag=value`, switches take no value, `--help` / `-h` wins over anything else on the line.
 *
 * @example
 * ```ts
 * const line = parseCommandLine(['--dir', './locales'], { dir: { type: 'string', hint: '<folder>' } });
 * line.values.dir; // './locales'
 * ```
 * @param argv The arguments after the command's name.
 * @param flags The flags the command accepts.
 * @returns The flags and the other arguments.
 * @throws InactivityConfigError for an unknown flag, a flag without its value, or a value given to a switch.
 */
export function parseCommandLine<T extends FlagSpecs>(argv: readonly string[], flags: T): CommandLine<T> {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
    for (const [name, spec] of Object.entries(flags)) {
        options[name] = { type: spec.type };
    }
    // Not strict: parseArgs' own messages suggest `-- "--bogus"`; these checks name the flag and the fix instead.
    const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
    const help = tokens.some((t) => t.kind === 'option' && (t.name === 'help' || (!t.inlineValue && HELP.has(t.value ?? ''))));
    const values: Record<string, string | boolean> = {};
    const positionals: string[] = [];
    for (const token of tokens) {
        if (token.kind === 'positional') {
            positionals.push(token.value);
        } else if (token.kind === 'option' && !help) {
            values[token.name] = valueOf(token, flags[token.name]);
        }
    }
    return { help, values: values as FlagValues<T>, positionals };
}

interface OptionToken {
    name: string;
    rawName: string;
    value?: string;
    inlineValue?: boolean;
}

function valueOf(token: OptionToken, spec: FlagSpec | undefined): string | boolean {
    if (spec === undefined) {
        throw new InactivityConfigError(`unknown option "${token.inlineValue ? `${token.rawName}=${token.value}` : token.rawName}".`);
    }
    const flag = `--${token.name}`;
    if (spec.type === 'boolean') {
        if (token.inlineValue) {
            throw new InactivityConfigError(`${flag} takes no value; got "${token.rawName}=${token.value}".`);
        }
        return true;
    }
    // A value that looks like a flag is the next flag: the user forgot the value (use --flag=-x to mean it).
    if (token.value === undefined || token.value === '' || (!token.inlineValue && token.value.startsWith('-'))) {
        throw new InactivityConfigError(`${flag} needs a value, as in ${flag} ${spec.hint ?? '<value>'}.`);
    }
    return token.value;
}

/**
 * The MongoDB connection string of a command: `--mongo <uri>`, else the `MONGODB_URI` environment variable.
 *
 * @param given The value of `--mongo`, if given.
 * @param env The environment.
 * @returns The connection string.
 * @throws InactivityConfigError naming both when neither is given.
 */
export function mongoUri(given: string | undefined, env: NodeJS.ProcessEnv): string {
    const uri = given ?? env.MONGODB_URI;
    if (!uri) {
        throw new InactivityConfigError(
            '--mongo <uri> is needed, or the MONGODB_URI environment variable; for example --mongo mongodb://localhost:27017/mybot.'
        );
    }
    return uri;
}

/**
 * The `--prefix` of a command, checked: the plugin's collection names are `<prefix>Runs`, `<prefix>FollowUps`, ...
 *
 * @param given The value of `--prefix`, if given.
 * @returns The prefix, `inactivity` when none was given.
 * @throws InactivityConfigError when it is not letters, digits and `_` starting with a letter.
 */
export function collectionPrefix(given: string | undefined): string {
    const prefix = given ?? 'inactivity';
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix)) {
        throw new InactivityConfigError(`--prefix "${prefix}" is not a collection prefix (letters, digits and _, starting with a letter).`);
    }
    return prefix;
}

/**
 * Refuses a command line with more or fewer arguments than the command takes.
 *
 * @param positionals The arguments that are not flags.
 * @param wanted How many the command takes.
 * @param rule The rule, for the message: `cancel takes one follow-up id`.
 * @throws InactivityConfigError when the count differs, with the rule and what was given.
 */
export function expectArguments(positionals: readonly string[], wanted: number, rule: string): void {
    if (positionals.length !== wanted) {
        throw new InactivityConfigError(`${rule}; got ${positionals.length === 0 ? 'none' : `"${positionals.join(' ')}"`}.`);
    }
}
