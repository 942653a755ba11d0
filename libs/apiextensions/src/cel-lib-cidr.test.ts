import { describe, it } from 'vitest';
import { runTable } from './cel-lib-test-util';

// expected values from k8s.io/apiserver/pkg/cel/library/cidr.go and cidr_test.go
describe('CEL cidr library', () => {
  it('parses with netip.ParsePrefix rules', () =>
    runTable([
      ["isCIDR('192.168.0.0/16')", true],
      ["isCIDR('::1/128')", true],
      ["isCIDR('192.168.0.0/33')", false],
      ["isCIDR('::1/129')", false],
      ["isCIDR('::ffff:1.2.3.4/120')", false],
      ["isCIDR('192.168.0.1/24')", true],
      [
        "cidr('192.168.0.0/')",
        { error: 'network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""' },
      ],
      [
        "cidr('2001:db8::/')",
        { error: 'network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("2001:db8::/"): bad bits after slash: ""' },
      ],
    ]));

  it('containment, ip, masked, prefixLength', () =>
    runTable([
      ["cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", true],
      ["cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))", false],
      ["cidr('192.168.0.0/24').containsIP('192.168.0.1')", true],
      ["cidr('192.168.0.0/24').containsIP('192.168.1.1')", false],
      ["cidr('192.168.0.0/24').containsIP('::1')", false],
      ["cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))", true],
      ["cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))", false],
      ["cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25')", true],
      ["cidr('192.168.0.0/24').containsCIDR('192.168.0.0/23')", false],
      ["cidr('2001:db8::/32').containsIP(ip('2001:db8::1'))", true],
      ["cidr('2001:db8::/32').containsIP('2001:dc8::1')", false],
      ["cidr('2001:db8::/32').containsCIDR(cidr('2001:db8::/33'))", true],
      ["cidr('2001:db8::/32').containsCIDR('2001:db8::/31')", false],
      ["cidr('192.168.0.0/24').ip() == ip('192.168.0.0')", true],
      ["cidr('192.168.0.1/24').ip().family()", 4n],
      ["cidr('::1/128').ip().family()", 6n],
      ["cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", true],
      ["cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()", true],
      ["cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()", false],
      ["cidr('2001:db8:1::/32').masked() == cidr('2001:db8::/32')", true],
      ["cidr('192.168.0.0/16').prefixLength()", 16n],
      ["cidr('::1/128').prefixLength()", 128n],
      ["string(cidr('192.168.0.0/24'))", '192.168.0.0/24'],
    ]));
});
