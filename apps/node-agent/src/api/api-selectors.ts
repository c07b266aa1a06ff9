import { badRequest } from './api-status.js';

// Label and field selectors with Kubernetes' syntax and semantics
// (k8s.io/apimachinery/pkg/labels and pkg/fields).

type Requirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: '>' | '<'; value: number };

/** A parsed selector: call it with an object's labels (or fields). Empty matches everything. */
export type Selector = (values: Readonly<Record<string, string>>) => boolean;

const everything: Selector = () => true;

// Label keys: an optional DNS subdomain prefix and a name; values: up to 63 characters.
const NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?';
const LABEL_KEY = new RegExp(
  `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${NAME}$`,
);
const LABEL_VALUE = new RegExp(`^(${NAME})?$`);

export function isLabelKey(key: string): boolean {
  const name = key.slice(key.indexOf('/') + 1);
  return LABEL_KEY.test(key) && name.length <= 63 && key.length - name.length <= 254;
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

type Token = { t: 'id'; v: string } | { t: 'op'; v: string };

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '!=' || two === '==') {
      tokens.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('!=(),<>'.includes(c)) {
      tokens.push({ t: 'op', v: c });
      i++;
      continue;
    }
    let j = i;
    while (j < input.length && !/[\s!=(),<>]/.test(input[j] as string)) j++;
    tokens.push({ t: 'id', v: input.slice(i, j) });
    i = j;
  }
  return tokens;
}

/**
 * Parses a label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`,
 * `a>3`, `a<3`, joined by commas. A syntax error is a 400 naming the selector.
 */
export function parseLabelSelector(input: string | undefined): Selector {
  if (input === undefined || input.trim() === '') return everything;
  const fail = (why: string) =>
    badRequest(`unable to parse requirement: ${why} (labelSelector "${input}")`);
  const tokens = lex(input);
  const reqs: Requirement[] = [];
  let i = 0;
  const peek = () => tokens[i];
  const identifier = (what: string): string => {
    const tok = tokens[i++];
    if (tok?.t !== 'id')
      throw fail(`expected ${what}, found ${tok ? `"${tok.v}"` : 'end of input'}`);
    return tok.v;
  };
  const checkKey = (key: string) => {
    if (!isLabelKey(key)) throw fail(`invalid label key "${key}"`);
    return key;
  };
  const checkValue = (value: string) => {
    if (!isLabelValue(value)) throw fail(`invalid label value "${value}"`);
    return value;
  };
  while (i < tokens.length) {
    if (peek()?.v === '!' && peek()?.t === 'op') {
      i++;
      reqs.push({ key: checkKey(identifier('a label key after "!"')), op: '!' });
    } else {
      const key = checkKey(identifier('a label key'));
      const next = peek();
      if (next === undefined || (next.t === 'op' && next.v === ',')) {
        reqs.push({ key, op: 'exists' });
      } else if (next.t === 'op' && ['=', '==', '!='].includes(next.v)) {
        i++;
        const valueTok = peek();
        let value = '';
        if (valueTok?.t === 'id') {
          value = valueTok.v;
          i++;
        }
        reqs.push({ key, op: next.v === '!=' ? '!=' : '=', value: checkValue(value) });
      } else if (next.t === 'op' && (next.v === '>' || next.v === '<')) {
        i++;
        const raw = identifier('an integer');
        if (!/^-?\d+$/.test(raw)) throw fail(`"${raw}" is not an integer`);
        reqs.push({ key, op: next.v, value: Number(raw) });
      } else if (next.t === 'id' && (next.v === 'in' || next.v === 'notin')) {
        i++;
        if (tokens[i++]?.v !== '(') throw fail(`expected "(" after "${next.v}"`);
        if (tokens[i]?.v === ')') throw fail(`"${next.v}" needs at least one value`);
        const values: string[] = [];
        for (;;) {
          // `a in (x,)` holds x and the empty value, as in Kubernetes.
          const tok = tokens[i];
          if (tok?.t === 'id') i++;
          values.push(checkValue(tok?.t === 'id' ? tok.v : ''));
          const sep = tokens[i++];
          if (sep?.v === ')') break;
          if (sep?.v !== ',') throw fail(`expected "," or ")" in the value set of "${key}"`);
        }
        reqs.push({ key, op: next.v, values });
      } else {
        throw fail(`unexpected "${next.v}" after "${key}"`);
      }
    }
    const sep = tokens[i];
    if (sep === undefined) break;
    if (sep.v !== ',') throw fail(`expected "," found "${sep.v}"`);
    i++;
    if (i === tokens.length) throw fail('trailing ","');
  }
  return (labels) =>
    reqs.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case 'exists':
          return has;
        case '!':
          return !has;
        case '=':
          return has && v === r.value;
        case '!=':
          return !has || v !== r.value;
        case 'in':
          return has && r.values.includes(v as string);
        case 'notin':
          return !has || !r.values.includes(v as string);
        case '>':
        case '<': {
          if (!has || !/^-?\d+$/.test(v as string)) return false;
          return r.op === '>' ? Number(v) > r.value : Number(v) < r.value;
        }
        default:
          return false;
      }
    });
}

/**
 * Parses a field selector (`f=v`, `f==v`, `f!=v`, comma-joined, `\` escapes `,` `=` `!` `\`)
 * over the fields a resource supports; any other field is a 400 like the API server's.
 */
export function parseFieldSelector(
  input: string | undefined,
  supported: readonly string[],
): Selector {
  if (input === undefined || input.trim() === '') return everything;
  const reqs: { field: string; equal: boolean; value: string }[] = [];
  for (const term of splitUnescaped(input, ',')) {
    if (term.trim() === '') continue;
    const m = /^([^=!]*)(==|!=|=)(.*)$/s.exec(term);
    if (!m) throw badRequest(`invalid field selector: "${term}": expected field=value`);
    const field = (m[1] as string).trim();
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    const value = (m[3] as string).replace(/\\(.)/g, '$1');
    reqs.push({ field, equal: m[2] !== '!=', value });
  }
  return (fields) => reqs.every((r) => (fields[r.field] === r.value) === r.equal);
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[++i] as string);
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}
