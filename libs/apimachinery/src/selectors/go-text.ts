/**
 * Small pieces of Go's text behaviour that selector error messages and
 * canonical forms depend on: %q quoting, %#v of a []string, and Go's
 * byte-wise string ordering (sort.Strings).
 */

/** strconv.Quote / fmt %q for a string (valid Unicode input). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if (!isGoPrintable(cp)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

/** Approximation of unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020. */
function isGoPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

/** fmt %#v of a []string: []string{"a", "b"}, []string{} or []string(nil). */
export function goStringSlice(values: readonly string[] | null): string {
  if (values === null) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** Go string comparison (byte order of UTF-8, i.e. code point order). */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const x = ca.value.codePointAt(0) ?? 0;
    const y = cb.value.codePointAt(0) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
}

/** sort.Strings on a copy. */
export function sortedGoStrings(values: readonly string[]): string[] {
  return [...values].sort(compareGoStrings);
}
