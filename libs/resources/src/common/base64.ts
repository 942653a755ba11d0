/**
 * Strict standard base64 as Go's encoding/base64 (StdEncoding) decodes []byte fields of JSON
 * bodies: returns the offset upstream reports in "illegal base64 data at input byte N", or null.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function isNewline(c: string): boolean {
  return c === '\n' || c === '\r';
}

export function base64ErrorOffset(src: string): number | null {
  let si = 0;
  for (;;) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return null;
        return si - j;
      }
      const c = src[si++];
      if (ALPHABET.includes(c)) continue;
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== '=') return si - 1;
      // padding: only allowed as the 3rd and 4th characters of the last quantum
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== '=') return si - 1;
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      return si < src.length ? si : null;
    }
  }
}

export function encodeBase64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Decoded byte length of valid base64 (newlines ignored). */
export function decodedLength(b64: string): number {
  return Buffer.from(b64.replace(/[\r\n]/g, ''), 'base64').length;
}
