/**
 * Incremental CSV parser (RFC 4180: comma separator, double-quoted fields with "" escapes
 * and embedded commas/newlines, CRLF, LF or a lone CR as line ends). The first record is the
 * header; each later record becomes an object keyed by header name. Malformed records are
 * reported to `onMalformed` with the physical line (1-based) where they start and never
 * throw: a record with a different number of fields than the header, text after a closing
 * quote, a quoted field still open at the end of the input ("unterminated quoted field",
 * reported with the line where the quote opened), a record containing invalid UTF-8 (the
 * {@link INVALID_UTF8_MARK} of Utf8Decoder), and every record when the header names a column
 * twice (see `duplicateColumns`). A quote inside an unquoted field is kept as it is. Blank
 * lines are skipped (and counted as lines). Pure TypeScript: feed it strings from any source.
 */
import { INVALID_UTF8_MARK } from './utf8';

export class CsvParser {
  /** The line where the header's quoted field opened when the header itself never ends (a quote left open). */
  public unterminatedHeader: number | undefined;
  private header: string[] | undefined;
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** After a closing quote: only a separator or line end may follow. */
  private afterQuote = false;
  private bad = false;
  private sawAny = false;
  /** Physical line (1-based) being parsed. */
  private line = 1;
  /** Physical line where the current record starts. */
  private recordLine = 1;
  /** Physical line where the open quoted field starts. */
  private quoteLine = 1;
  private pendingQuote = false;
  private skipLf = false;
  /** Inside a quoted field, the last character counted was a CR (a following LF ends the same line). */
  private quotedCr = false;
  /** Some chunk contained the invalid-UTF-8 mark. */
  private sawInvalid = false;
  private duplicates: string[] = [];

  constructor(
    private readonly onRow: (row: Record<string, string>, line: number) => void,
    private readonly onMalformed: (reason: string, line: number) => void = () => {},
  ) {}

  /** The header, once read. */
  public get columns(): string[] | undefined {
    return this.header;
  }

  /** Column names the header lists more than once (every data record is then malformed). */
  public get duplicateColumns(): string[] {
    return this.duplicates;
  }

  /** Physical lines read so far (a last line without a line end included). */
  public get lines(): number {
    return this.line;
  }

  /** Counts the line ends inside quoted text (CRLF, LF or a lone CR). */
  private countQuoted(text: string): void {
    if (text.length === 0) return;
    if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
      this.quotedCr = false;
      return;
    }
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c === 13) this.line++;
      else if (c === 10 && !this.quotedCr) this.line++;
      this.quotedCr = c === 13;
    }
  }

  private parse(chunk: string): void {
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      if (this.inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q < 0) {
          const text = chunk.slice(i);
          this.countQuoted(text);
          this.field += text;
          return;
        }
        const text = chunk.slice(i, q);
        this.countQuoted(text);
        this.field += text;
        if (q + 1 >= len) {
          // cannot tell yet whether this is "" or a closing quote: keep the quote pending
          this.pendingQuote = true;
          return;
        }
        this.quotedCr = false;
        if (chunk.charCodeAt(q + 1) === 34) {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          this.afterQuote = true;
          i = q + 1;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === 44) { // ,
        this.fields.push(this.field);
        this.field = '';
        this.afterQuote = false;
        this.sawAny = true;
        i++;
      } else if (c === 10) { // \n
        this.endRecord();
        this.nextLine();
        i++;
      } else if (c === 13) { // \r (CRLF or lone CR as a line end)
        this.endRecord();
        this.nextLine();
        i++;
        if (i < len && chunk.charCodeAt(i) === 10) i++;
        else if (i >= len) this.skipLf = true;
      } else if (c === 34 && this.field === '' && !this.afterQuote) {
        this.inQuotes = true;
        this.quoteLine = this.line;
        this.quotedCr = false;
        this.sawAny = true;
        i++;
      } else {
        // plain run up to the next special character
        let j = i;
        while (j < len) {
          const d = chunk.charCodeAt(j);
          if (d === 44 || d === 10 || d === 13) break;
          j++;
        }
        if (this.afterQuote) this.bad = true; // text after a closing quote
        this.field += chunk.slice(i, j);
        this.sawAny = true;
        i = j;
      }
    }
  }

  private nextLine(): void {
    this.line++;
    this.recordLine = this.line;
  }

  /** Feeds a chunk, resolving a quote or CR left pending at the end of the previous chunk. */
  public write(chunk: string): void {
    if (chunk.length === 0) return;
    if (!this.sawInvalid && chunk.indexOf(INVALID_UTF8_MARK) >= 0) this.sawInvalid = true;
    if (this.skipLf) {
      this.skipLf = false;
      if (chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    }
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (chunk.charCodeAt(0) === 34) {
        this.field += '"';
        this.quotedCr = false;
        chunk = chunk.slice(1);
      } else {
        this.inQuotes = false;
        this.afterQuote = true;
      }
    }
    this.parse(chunk);
  }

  /** Ends the input. */
  public end(): void {
    if (this.pendingQuote) {
      this.pendingQuote = false;
      this.inQuotes = false;
      this.afterQuote = true;
    }
    if (this.inQuotes) {
      // The quote never closes: everything after it was read as one field. Report the line it opened on.
      this.inQuotes = false;
      this.fields = [];
      this.field = '';
      this.sawAny = false;
      this.bad = false;
      this.afterQuote = false;
      if (this.header) this.onMalformed(`unterminated quoted field (the quote opens on line ${this.quoteLine} and never closes)`, this.recordLine);
      else this.unterminatedHeader = this.quoteLine;
      return;
    }
    if (this.sawAny || this.field !== '' || this.fields.length > 0) this.endRecord();
  }

  private endRecord(): void {
    const fields = this.fields;
    fields.push(this.field);
    this.fields = [];
    this.field = '';
    this.afterQuote = false;
    const bad = this.bad;
    this.bad = false;
    const sawAny = this.sawAny;
    this.sawAny = false;
    if (!sawAny && fields.length === 1 && fields[0] === '') return; // blank line
    const line = this.recordLine;
    if (!this.header) {
      this.header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      const seen = new Set<string>();
      for (const h of this.header) {
        if (seen.has(h) && !this.duplicates.includes(h)) this.duplicates.push(h);
        seen.add(h);
      }
      return;
    }
    if (this.duplicates.length > 0) {
      this.onMalformed(`the header names column(s) ${this.duplicates.map((d) => `"${d}"`).join(', ')} more than once`, line);
      return;
    }
    if (this.sawInvalid && fields.some((f) => f.indexOf(INVALID_UTF8_MARK) >= 0)) {
      this.onMalformed('invalid UTF-8', line);
      return;
    }
    if (bad) {
      this.onMalformed('stray quote', line);
      return;
    }
    if (fields.length !== this.header.length) {
      this.onMalformed(`${fields.length} fields, header has ${this.header.length}`, line);
      return;
    }
    const row: Record<string, string> = {};
    for (let k = 0; k < fields.length; k++) row[this.header[k]] = fields[k];
    this.onRow(row, line);
  }
}

/**
 * Incremental JSON Lines splitter: calls `onLine` with every non-blank line and its
 * physical line number (1-based; blank lines are counted, CRLF tolerated), across chunk
 * boundaries.
 */
export class LineSplitter {
  private rest = '';
  private line = 0;
  constructor(private readonly onLine: (line: string, lineNumber: number) => void) {}

  /** Physical lines read so far. */
  public get lines(): number {
    return this.line;
  }

  public write(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.rest += chunk;
      return;
    }
    let line = this.rest + chunk.slice(0, nl);
    this.rest = '';
    for (;;) {
      this.emit(line);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      line = chunk.slice(start, nl);
    }
    this.rest = chunk.slice(start);
  }

  public end(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }

  private emit(line: string): void {
    this.line++;
    const l = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    if (l.length === 0 || l.trim().length === 0) return;
    this.onLine(l, this.line);
  }
}
