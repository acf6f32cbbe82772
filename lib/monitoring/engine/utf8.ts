/**
 * Streaming UTF-8 decoding that marks invalid input instead of hiding it.
 *
 * A plain decoder (TextDecoder, Buffer#toString, StringDecoder) silently replaces every
 * invalid sequence with U+FFFD, so a record read from a Latin-1 or corrupted file looks
 * well-formed and its garbled values flow into the statistics. {@link Utf8Decoder} decodes
 * exactly like them (WHATWG "maximal subpart" replacement) but writes
 * {@link INVALID_UTF8_MARK} for each invalid sequence and counts them: the readers then
 * count a record containing the mark as malformed. The mark is a lone low surrogate, which
 * no valid UTF-8 input can decode to, so a real U+FFFD in the data is never mistaken for it.
 * Pure TypeScript (Uint8Array and TextDecoder only).
 */

/** Written in place of each invalid UTF-8 sequence (a lone surrogate: valid UTF-8 never decodes to it). */
export const INVALID_UTF8_MARK = '\uDFFF';

/** Incremental UTF-8 decoder: sequences split across chunks are carried over. */
export class Utf8Decoder {
  /** Invalid sequences seen so far (each became one {@link INVALID_UTF8_MARK}). */
  public invalidSequences = 0;
  private carry: Uint8Array = new Uint8Array(0);
  private readonly fast = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly lenient = new TextDecoder('utf-8', { ignoreBOM: true });

  /** Decodes a chunk; an incomplete sequence at its end waits for the next chunk. */
  public write(chunk: Uint8Array): string {
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry, 0);
      data.set(chunk, this.carry.length);
    }
    const cut = incompleteTail(data);
    this.carry = data.slice(cut);
    return this.decode(data.subarray(0, cut));
  }

  /** Ends the input: an incomplete sequence left over is invalid. */
  public end(): string {
    const rest = this.carry;
    this.carry = new Uint8Array(0);
    return rest.length > 0 ? this.decode(rest) : '';
  }

  private decode(bytes: Uint8Array): string {
    if (bytes.length === 0) return '';
    try {
      return this.fast.decode(bytes);
    } catch {
      return this.decodeMarking(bytes);
    }
  }

  /** The WHATWG UTF-8 decoder, writing the mark for each maximal invalid subpart. */
  private decodeMarking(d: Uint8Array): string {
    const out: string[] = [];
    const n = d.length;
    let run = 0;
    let i = 0;
    while (i < n) {
      const b = d[i];
      if (b < 0x80) {
        i++;
        continue;
      }
      let need = 0;
      let lower = 0x80;
      let upper = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
      }
      let j = i + 1;
      let ok = need > 0;
      for (let k = 0; ok && k < need; k++, j++) {
        if (j >= n || d[j] < lower || d[j] > upper) {
          ok = false;
          break;
        }
        lower = 0x80;
        upper = 0xbf;
      }
      if (ok) {
        i = j;
        continue;
      }
      if (i > run) out.push(this.lenient.decode(d.subarray(run, i)));
      out.push(INVALID_UTF8_MARK);
      this.invalidSequences++;
      i = need > 0 ? j : i + 1;
      run = i;
    }
    if (run < n) out.push(this.lenient.decode(d.subarray(run, n)));
    return out.join('');
  }
}

/** Where an incomplete (so far valid) multi-byte sequence at the end of `d` starts; `d.length` if none. */
function incompleteTail(d: Uint8Array): number {
  const n = d.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = d[n - back];
    if (b < 0x80) return n; // ASCII: complete
    if (b < 0xc0) continue; // continuation byte: look further back
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return len > back ? n - back : n;
  }
  return n;
}
