import { describe, expect, it } from 'vitest';
import { proxySubpath } from './proxy-path';

describe('proxySubpath', () => {
  it('keeps ordinary paths as sent', () => {
    expect(proxySubpath([], false)).toBe('/');
    expect(proxySubpath(['a', 'b'], false)).toBe('/a/b');
    expect(proxySubpath(['a', 'b'], true)).toBe('/a/b/');
    expect(proxySubpath(['a%20b', 'c%3Fd'], false)).toBe('/a%20b/c%3Fd');
  });
  it('never climbs above the backend root', () => {
    expect(proxySubpath(['..', '..', 'etc', 'passwd'], false)).toBe('/etc/passwd');
    expect(proxySubpath(['a', '..', '..', 'b'], false)).toBe('/b');
    expect(proxySubpath(['%2e%2e', '%2E%2e', 'x'], false)).toBe('/x');
    expect(proxySubpath(['.%2e', '%2e.', 'y'], false)).toBe('/y');
    expect(proxySubpath(['a', '', '', '.', 'b'], false)).toBe('/a/b');
    expect(proxySubpath(['a', '..%2f..%2fsecrets'], false)).toBe('/secrets');
    expect(proxySubpath(['a', '..%5C..%5Cz'], false)).toBe('/z');
    expect(proxySubpath(['a\\..\\..\\w'], false)).toBe('/w');
  });
});
