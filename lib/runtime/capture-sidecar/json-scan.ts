/**
 * The capture worker's JSON check (RFC 8259), in place on the bytes: one table-driven pass that
 * builds no values and checks UTF-8 as it goes, and says whether a body can be copied into a record
 * as JSON on one line, as JSON with line breaks to escape, or must be base64-encoded.
 */
import * as buffer from 'node:buffer';

/** `buffer.isUtf8` (Node 18.14+), or a round trip where it is missing. */
export const isUtf8: (b: Buffer) => boolean = typeof (buffer as any).isUtf8 === 'function'
  ? (buffer as any).isUtf8
  : (b: Buffer) => Buffer.from(b.toString('utf8'), 'utf8').equals(b);

export const Q = 0x22; // "
/** Bytes allowed after a backslash in a JSON string, except `u`: " \\ / b f n r t. */
const ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPES[c.charCodeAt(0)] = 1;
const HEX_DIGIT = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 1;
/** JSON whitespace: 1 = SP or HTAB, 2 = LF or CR (the record replaces those by spaces). */
const WS = new Uint8Array(256);
WS[0x20] = 1;
WS[0x09] = 1;
WS[0x0a] = 2;
WS[0x0d] = 2;
/** Bytes that stand for themselves in a JSON string: 1 = ASCII, 4 = part of a multi-byte UTF-8 sequence (checked at the end). */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === Q || c === 0x5c ? 0 : 1;
for (let c = 0x80; c < 0x100; c++) PLAIN[c] = 4;
const NON_ASCII = 4;
/** Container stack of jsonKind (1 = array, 2 = object), kept between calls and grown on demand. */
let STACK = new Uint8Array(256);
/** What `jsonString` saw (NON_ASCII), read by jsonKind. */
let seen = 0;

/**
 * Offset after the JSON string whose contents start at `i` (after the opening
 * quote), or -1. Reading past the end yields 0 (`| 0`), which is a control
 * character and ends the scan.
 */
function jsonString(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i] | 0;
    const t = PLAIN[c];
    if (t !== 0) {
      seen |= t;
      i++;
    } else if (c === Q) {
      return i + 1;
    } else if (c === 0x5c) {
      const e = b[i + 1] | 0;
      if (e === 0x75) { // \uXXXX
        if (!HEX_DIGIT[b[i + 2] | 0] || !HEX_DIGIT[b[i + 3] | 0] || !HEX_DIGIT[b[i + 4] | 0] || !HEX_DIGIT[b[i + 5] | 0]) return -1;
        i += 6;
      } else if (ESCAPES[e]) {
        i += 2;
      } else {
        return -1;
      }
    } else {
      return -1; // control characters must be escaped; or the end of the input
    }
  }
}

/** JSON validation result: not JSON, JSON, or JSON with CR/LF between tokens (replaced by spaces in the record). */
export const NOT_JSON = 0;
export const JSON_ONE_LINE = 1;
export const JSON_MULTI_LINE = 2;

/**
 * Whether `b` is exactly one JSON text (RFC 8259) in valid UTF-8, as
 * `JSON.parse` accepts it, without building any value: a single pass over the
 * bytes with an explicit stack, so no nesting depth can overflow it. Bytes
 * outside ASCII can only be valid inside strings; when there are any, the
 * whole body is checked with `isUtf8` at the end (pure-ASCII bodies never
 * are). Returns NOT_JSON, JSON_ONE_LINE or JSON_MULTI_LINE.
 */
export function jsonKind(b: Uint8Array): number {
  const n = b.length;
  let stack = STACK;
  let depth = 0;
  let i = 0;
  let c = 0;
  let t = 0;
  /** 2 = CR/LF seen (whitespace between tokens). */
  let lines = 0;
  seen = 0;
  // expects a value at i (whitespace first)
  for (;;) {
    while ((t = WS[c = b[i] | 0]) !== 0) {
      lines |= t;
      i++;
    }
    if (c === Q) {
      if ((i = jsonString(b, i + 1)) < 0) return NOT_JSON;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (c === 0x2d) c = b[++i] | 0;
      if (c === 0x30) {
        c = b[++i] | 0;
      } else if (c >= 0x31 && c <= 0x39) {
        do c = b[++i] | 0; while (c >= 0x30 && c <= 0x39);
      } else {
        return NOT_JSON;
      }
      if (c === 0x2e) { // .
        c = b[++i] | 0;
        if (c < 0x30 || c > 0x39) return NOT_JSON;
        do c = b[++i] | 0; while (c >= 0x30 && c <= 0x39);
      }
      if (c === 0x65 || c === 0x45) { // e E
        c = b[++i] | 0;
        if (c === 0x2b || c === 0x2d) c = b[++i] | 0;
        if (c < 0x30 || c > 0x39) return NOT_JSON;
        do c = b[++i] | 0; while (c >= 0x30 && c <= 0x39);
      }
    } else if (c === 0x7b || c === 0x5b) { // { [
      i++;
      while ((t = WS[b[i] | 0]) !== 0) {
        lines |= t;
        i++;
      }
      if (b[i] === c + 2) { // } ]: empty
        i++;
      } else {
        if (depth === stack.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(stack);
          stack = STACK = grown;
        }
        if (c === 0x5b) {
          stack[depth++] = 1;
          continue;
        }
        stack[depth++] = 2;
        if (b[i] !== Q || (i = jsonString(b, i + 1)) < 0) return NOT_JSON;
        while ((t = WS[c = b[i] | 0]) !== 0) {
          lines |= t;
          i++;
        }
        if (c !== 0x3a) return NOT_JSON; // :
        i++;
        continue;
      }
    } else if (c === 0x74) { // true
      if (b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) return NOT_JSON;
      i += 4;
    } else if (c === 0x66) { // false
      if (b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return NOT_JSON;
      i += 5;
    } else if (c === 0x6e) { // null
      if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return NOT_JSON;
      i += 4;
    } else {
      return NOT_JSON;
    }
    // after a value: close containers, or a comma and the next value
    for (;;) {
      while ((t = WS[c = b[i] | 0]) !== 0) {
        lines |= t;
        i++;
      }
      if (depth === 0) {
        if (i !== n) return NOT_JSON;
        if ((seen & NON_ASCII) !== 0 && !isUtf8(b as Buffer)) return NOT_JSON;
        return lines & 2 ? JSON_MULTI_LINE : JSON_ONE_LINE;
      }
      const top = stack[depth - 1];
      if (c === 0x2c) { // ,
        i++;
        if (top === 2) {
          while ((t = WS[c = b[i] | 0]) !== 0) {
            lines |= t;
            i++;
          }
          if (c !== Q || (i = jsonString(b, i + 1)) < 0) return NOT_JSON;
          while ((t = WS[c = b[i] | 0]) !== 0) {
            lines |= t;
            i++;
          }
          if (c !== 0x3a) return NOT_JSON;
          i++;
        }
        break;
      }
      if ((c === 0x5d && top === 1) || (c === 0x7d && top === 2)) {
        depth--;
        i++;
        continue;
      }
      return NOT_JSON;
    }
  }
}
