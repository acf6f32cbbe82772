/**
 * Incremental CSV parser (RFC 4180: comma separator, double-quoted fields with "" escapes
 * and embedded commas/newlines, CRLF or LF). The first record is the header; each later
 * record becomes an object keyed by header name. A record with a different number of
 * fields than the header, text after a closing quote, or an unterminated quote at the end
 * is malformed. A quote inside an unquoted field is kept as it is. Blank lines are skipped.
 * Pure TypeScript: feed it strings from any source.
 */
export class CsvParser {
  private header: string[] | undefined;
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** After a closing quote: only a separator or line end may follow. */
  private afterQuote = false;
  private bad = false;
  private sawAny = false;

  constructor(
    private readonly onRow: (row: Record<string, string>) => void,
    private readonly onMalformed: (reason: string) => void = () => {},
  ) {}

  /** The header, once read. */
  public get columns(): string[] | undefined {
    return this.header;
  }

  private parse(chunk: string): void {
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      if (this.inQuotes) {
        const q = chunk.indexOf('"', i);
        if (q < 0) {
          this.field += chunk.slice(i);
          return;
        }
        this.field += chunk.slice(i, q);
        if (q + 1 >= len) {
          // cannot tell yet whether this is "" or a closing quote: keep the quote pending
          this.pendingQuote = true;
          return;
        }
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
        i++;
      } else if (c === 13) { // \r (CRLF or lone CR as a line end)
        this.endRecord();
        i++;
        if (i < len && chunk.charCodeAt(i) === 10) i++;
        else if (i >= len) this.skipLf = true;
      } else if (c === 34 && this.field === '' && !this.afterQuote) {
        this.inQuotes = true;
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

  private pendingQuote = false;
  private skipLf = false;

  /** Feeds a chunk, resolving a quote or CR left pending at the end of the previous chunk. */
  public write(chunk: string): void {
    if (chunk.length === 0) return;
    if (this.skipLf) {
      this.skipLf = false;
      if (chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    }
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (chunk.charCodeAt(0) === 34) {
        this.field += '"';
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
      this.inQuotes = false;
      this.bad = true;
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
    if (!this.header) {
      this.header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      return;
    }
    if (bad) {
      this.onMalformed('stray quote');
      return;
    }
    if (fields.length !== this.header.length) {
      this.onMalformed(`${fields.length} fields, header has ${this.header.length}`);
      return;
    }
    const row: Record<string, string> = {};
    for (let k = 0; k < fields.length; k++) row[this.header[k]] = fields[k];
    this.onRow(row);
  }
}

/**
 * Incremental JSON Lines splitter: calls `onLine` with every non-blank line
 * (CRLF tolerated), across chunk boundaries.
 */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}

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
    const l = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    if (l.length === 0 || l.trim().length === 0) return;
    this.onLine(l);
  }
}
