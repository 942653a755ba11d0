/**
 * Go's encoding/csv Reader (comma ',', no comments, FieldsPerRecord = -1, no lazy quotes), as
 * upstream's token file is read with it: same record splitting, same quoting rules and the same
 * ParseError texts (`parse error on line 2, column 5: bare " in non-quoted-field`). Columns count
 * bytes, 1-based.
 */
export const ERR_BARE_QUOTE = 'bare " in non-quoted-field';
export const ERR_QUOTE = 'extraneous or missing " in quoted-field';

export class CsvParseError extends Error {
  constructor(
    readonly startLine: number,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(startLine !== line ? `record on line ${startLine}; parse error on line ${line}, column ${column}: ${reason}` : `parse error on line ${line}, column ${column}: ${reason}`);
    this.name = 'CsvParseError';
  }
}

const byteLen = (s: string) => Buffer.byteLength(s, 'utf8');

/** Split text into records of fields. Throws CsvParseError as Go's csv.Reader.Read does. */
export function parseGoCsv(text: string): string[][] {
  // lines keep their trailing "\n" ("\r\n" normalized), the last one gets one added
  const raw = text.split(/(?<=\n)/);
  const lines = raw.map((l) => (l.endsWith('\r\n') ? `${l.slice(0, -2)}\n` : l.endsWith('\n') ? l : `${l}\n`)).filter((l, i) => !(i === raw.length - 1 && l === '\n' && raw[i] === ''));
  const records: string[][] = [];
  let idx = 0;
  let numLine = 0;
  const readLine = (): string | undefined => {
    if (idx >= lines.length) return undefined;
    numLine++;
    return lines[idx++];
  };
  for (;;) {
    let line = readLine();
    while (line !== undefined && line === '\n') line = readLine();
    if (line === undefined) return records;
    const recLine = numLine;
    const fields: string[] = [];
    let col = 1;
    let posLine = numLine;
    for (;;) {
      if (line.length === 0 || line[0] !== '"') {
        const i = line.indexOf(',');
        const field = i >= 0 ? line.slice(0, i) : line.slice(0, line.endsWith('\n') ? -1 : undefined);
        const j = field.indexOf('"');
        if (j >= 0) throw new CsvParseError(recLine, numLine, col + byteLen(field.slice(0, j)), ERR_BARE_QUOTE);
        fields.push(field);
        if (i >= 0) {
          col += byteLen(line.slice(0, i)) + 1;
          line = line.slice(i + 1);
          continue;
        }
        break;
      }
      // quoted field
      line = line.slice(1);
      col += 1;
      let buf = '';
      let done = false;
      for (;;) {
        const i = line.indexOf('"');
        if (i >= 0) {
          buf += line.slice(0, i);
          col += byteLen(line.slice(0, i)) + 1;
          line = line.slice(i + 1);
          const rn = line[0];
          if (rn === '"') {
            buf += '"';
            line = line.slice(1);
            col += 1;
          } else if (rn === ',') {
            line = line.slice(1);
            col += 1;
            fields.push(buf);
            break;
          } else if (line === '\n' || line === '') {
            fields.push(buf);
            done = true;
            break;
          } else {
            throw new CsvParseError(recLine, numLine, col - 1, ERR_QUOTE);
          }
        } else if (line.length > 0) {
          buf += line;
          col += byteLen(line);
          const next = readLine();
          if (next === undefined) {
            throw new CsvParseError(recLine, posLine, col, ERR_QUOTE);
          }
          line = next;
          posLine = numLine;
          col = 1;
        } else {
          throw new CsvParseError(recLine, posLine, col, ERR_QUOTE);
        }
      }
      if (done) break;
    }
    records.push(fields);
  }
}
