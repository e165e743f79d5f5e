import * as fs from 'fs';
import { parse as parseJsonc, ParseError } from 'jsonc-parser';
import * as path from 'path';
import { describe, isObject, Json, JsonObject, LocaleProblem, LocaleProblemKind, problem } from '../../core/texts/localeRules';

/** A line and column, both 1-based. */
interface Position {
    line: number;
    column: number;
}

/**
 * Reads one namespace file of a language folder.
 *
 * @param root The checked folder.
 * @param file The file relative to it, with `/` separators (`pt-BR/inactivity.json`).
 * @param language The language folder name, for the problem.
 * @returns The file's object of keys, or the problem that makes it unusable: empty, a byte-order mark, a JSON
 *   syntax error (with its line and column) or a value that is not an object.
 */
export function loadLocaleFile(root: string, file: string, language: string): { data: JsonObject } | { problem: LocaleProblem } {
    const fail = (kind: LocaleProblemKind, message: string, at?: Position) => ({
        problem: { ...problem({ language, file }, { severity: 'error', kind, message }), ...at },
    });
    const text = fs.readFileSync(path.join(root, ...file.split('/')), 'utf8');
    if (text.trim() === '') {
        return fail('emptyFile', 'the file is empty; it must hold a JSON object of keys');
    }
    if (text.charCodeAt(0) === 0xfeff) {
        const message = 'the file starts with a byte-order mark; save it as UTF-8 without BOM';
        return fail('syntaxError', `JSON syntax error at line 1, column 1: ${message}`, { line: 1, column: 1 });
    }
    let data: Json;
    try {
        data = JSON.parse(text) as Json;
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const at = locateSyntaxError(text, message);
        const where = `line ${at.line}, column ${at.column}`;
        return fail('syntaxError', `JSON syntax error at ${where}: ${cleanSyntaxMessage(message)}`, at);
    }
    if (!isObject(data)) {
        return fail('notAnObject', `the file holds ${describe(data)}; it must hold a JSON object of keys`);
    }
    return { data };
}

/**
 * Finds where JSON.parse gave up. Node 20 says "at position N" for most errors; newer V8 adds "(line L column C)";
 * "Unexpected token" and "Unexpected end" messages carry no position, so jsonc-parser, strict as JSON (no
 * comments, no trailing commas), finds the first error instead.
 */
function locateSyntaxError(text: string, message: string): Position {
    const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
    if (lineColumn) {
        return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
    }
    const position = /at position (\d+)/.exec(message);
    const index = position ? Number(position[1]) : firstErrorOffset(text);
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    const column = index - (before.lastIndexOf('\n') + 1) + 1;
    return { line, column };
}

function firstErrorOffset(text: string): number {
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    return errors.length > 0 ? Math.min(...errors.map((e) => e.offset)) : text.length;
}

function cleanSyntaxMessage(message: string): string {
    return message
        .replace(/, ".*" is not valid JSON$/s, '')
        .replace(/ in JSON at position \d+.*$/s, '')
        .trim();
}
