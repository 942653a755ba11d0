import { describe, it } from 'vitest';
import { runTable } from './cel-lib-test-util';

// expected values from the examples in k8s.io/apiserver/pkg/cel/library/urls.go
describe('CEL url library', () => {
  it('parses and validates like url.ParseRequestURI', () =>
    runTable([
      ["isURL('https://user:pass@example.com:80/path?query=val#fragment')", true],
      ["isURL('/absolute-path')", true],
      ["isURL('https://a:b:c/')", false],
      ["isURL('../relative-path')", false],
      ["isURL('')", false],
      ["url('/absolute-path') == url('/absolute-path')", true],
      ["url('/a') == url('/b')", false],
      ["url('https://a:b:c/')", { error: 'URL parse error during conversion from string: parse "https://a:b:c/": invalid port ":c" after host' }],
      ["url('../relative-path')", { error: 'URL parse error during conversion from string: parse "../relative-path": invalid URI for request' }],
      ["url('::')", { error: 'URL parse error during conversion from string: parse "::": missing protocol scheme' }],
      ["url('http://exa mple.com/')", { error: 'URL parse error during conversion from string: parse "http://exa mple.com/": invalid character " " in host name' }],
    ]));

  it('returns the components', () =>
    runTable([
      ["url('/path').getScheme()", ''],
      ["url('https://example.com/').getScheme()", 'https'],
      ["url('HTTPS://example.com/').getScheme()", 'https'],
      ["url('https://example.com:80/').getHost()", 'example.com:80'],
      ["url('https://example.com/').getHost()", 'example.com'],
      ["url('https://[::1]:80/').getHost()", '[::1]:80'],
      ["url('https://[::1]/').getHost()", '[::1]'],
      ["url('/path').getHost()", ''],
      ["url('https://example.com:80/').getHostname()", 'example.com'],
      ["url('https://127.0.0.1:80/').getHostname()", '127.0.0.1'],
      ["url('https://[::1]:80/').getHostname()", '::1'],
      ["url('/path').getHostname()", ''],
      ["url('https://example.com:80/').getPort()", '80'],
      ["url('https://example.com/').getPort()", ''],
      ["url('/path').getPort()", ''],
      ["url('https://example.com/path').getEscapedPath()", '/path'],
      ["url('https://example.com/path with spaces/').getEscapedPath()", '/path%20with%20spaces/'],
      ["url('https://example.com').getEscapedPath()", ''],
      ["url('https://example.com/a%2Fb').getEscapedPath()", '/a%2Fb'],
      ["url('https://example.com/path?k1=a&k2=b&k2=c').getQuery()", { k1: ['a'], k2: ['b', 'c'] }],
      ["url('https://example.com/path?key with spaces=value with spaces').getQuery()", { 'key with spaces': ['value with spaces'] }],
      ["url('https://example.com/path?').getQuery()", {}],
      ["url('https://example.com/path').getQuery()", {}],
      ["url('https://example.com/path?a=1#frag').getQuery()", { a: ['1'] }],
    ]));

  it('reports a wrong receiver as no such overload', () => runTable([["'x'.getScheme()", { error: 'no such overload: getScheme(string)' }]]));
});
