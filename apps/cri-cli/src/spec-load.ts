import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { MessageFns } from '@capstan/cri-api';
import { parse } from 'yaml';
import { CliError } from './cli-errors.js';
import { convertSpec, SpecShapeError } from './spec-convert.js';

/** Parses config file text: JSON for `.json` files, YAML (a superset of JSON) otherwise. */
export function parseSpecText(text: string, file: string): unknown {
  if (extname(file).toLowerCase() === '.json') return JSON.parse(text);
  return parse(text);
}

/**
 * Reads a pod or container config file written as for crictl (JSON or YAML, crictl's
 * snake_case field names) into its CRI message. Every failure is one CliError line naming
 * the file: unreadable, not JSON/YAML, empty, or not the shape of `what`.
 */
export async function loadSpec<T>(file: string, codec: MessageFns<T>, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CliError(`${what} ${file}: cannot read it (${code})`);
  }
  let doc: unknown;
  try {
    doc = parseSpecText(text, file);
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new CliError(
      `${what} ${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${first}`,
    );
  }
  if (doc === null || doc === undefined) throw new CliError(`${what} ${file}: the file is empty`);
  try {
    return convertSpec(codec, doc);
  } catch (err) {
    if (err instanceof SpecShapeError) throw new CliError(`${what} ${file}: ${err.message}`);
    throw err;
  }
}
