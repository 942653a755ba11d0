/**
 * The backend path of a proxy request (`.../pods/{name}/proxy/<subpath>`, services, nodes): the raw
 * subpath segments, normalised so they cannot climb above the backend's root. Empty and `.` segments
 * are dropped, `..` pops one segment (never past `/`), and the encoded spellings a backend would
 * decode (`%2e%2e`, `.%2E`, `%2f`, `%5c`, `\`) count as what they decode to. Other percent-escapes are
 * kept as sent, so the backend sees the same bytes it would see through kube-apiserver.
 */
export function proxySubpath(segments: readonly string[], trailingSlash: boolean): string {
  const out: string[] = [];
  for (const seg of segments) {
    // an encoded or back slash inside a segment is a separator once the backend decodes it
    for (const part of seg.split(/%2f|%5c|\\/i)) {
      const dots = part.replace(/%2e/gi, '.');
      if (dots === '' || dots === '.') continue;
      if (dots === '..') {
        out.pop();
        continue;
      }
      out.push(part);
    }
  }
  return '/' + out.join('/') + (trailingSlash && out.length ? '/' : '');
}
