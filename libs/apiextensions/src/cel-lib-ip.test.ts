import { describe, it } from 'vitest';
import { runTable } from './cel-lib-test-util';

// expected values from the examples in k8s.io/apiserver/pkg/cel/library/ip.go and ip_test.go
describe('CEL ip library', () => {
  it('parses with netip rules', () =>
    runTable([
      ["isIP('127.0.0.1')", true],
      ["isIP('::1')", true],
      ["isIP('127.0.0.256')", false],
      ["isIP(':::1')", false],
      ["isIP('010.0.0.1')", false],
      ["isIP('::ffff:1.2.3.4')", false],
      ["isIP('fe80::1%eth0')", false],
      ["isIP('2001:db8::1.2.3.4')", true],
      ["ip('127.0.0.256')", { error: 'IP Address "127.0.0.256" parse error during conversion from string: ParseAddr("127.0.0.256"): IPv4 field has value >255' }],
      ["ip('::ffff:1.2.3.4')", { error: 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed' }],
      ["ip('fe80::1%eth0')", { error: 'IP address "fe80::1%eth0" with zone value is not allowed' }],
      ["ip('1.2.3')", { error: 'IP Address "1.2.3" parse error during conversion from string: ParseAddr("1.2.3"): IPv4 address too short' }],
    ]));

  it('canonical forms and equality', () =>
    runTable([
      ["ip.isCanonical('127.0.0.1')", true],
      ["ip.isCanonical('2001:db8::abcd')", true],
      ["ip.isCanonical('2001:DB8::ABCD')", false],
      ["ip.isCanonical('2001:db8::0:0:0:abcd')", false],
      ["string(ip('2001:DB8:0:0:0:0:0:ABCD'))", '2001:db8::abcd'],
      ["string(ip('2001:db8:0:1:0:0:0:1'))", '2001:db8:0:1::1'],
      ["string(ip('1:0:0:2:0:0:0:3'))", '1:0:0:2::3'],
      ["ip('2001:db8::abcd') == ip('2001:DB8::ABCD')", true],
      ["ip('127.0.0.1') == ip('127.0.0.2')", false],
    ]));

  it('properties', () =>
    runTable([
      ["ip('127.0.0.1').family()", 4n],
      ["ip('::1').family()", 6n],
      ["ip('127.0.0.1').family() == 4", true],
      ["ip('0.0.0.0').isUnspecified()", true],
      ["ip('127.0.0.1').isUnspecified()", false],
      ["ip('::').isUnspecified()", true],
      ["ip('::1').isUnspecified()", false],
      ["ip('127.0.0.1').isLoopback()", true],
      ["ip('192.168.0.1').isLoopback()", false],
      ["ip('::1').isLoopback()", true],
      ["ip('2001:db8::abcd').isLoopback()", false],
      ["ip('224.0.0.1').isLinkLocalMulticast()", true],
      ["ip('224.0.1.1').isLinkLocalMulticast()", false],
      ["ip('ff02::1').isLinkLocalMulticast()", true],
      ["ip('fd00::1').isLinkLocalMulticast()", false],
      ["ip('169.254.169.254').isLinkLocalUnicast()", true],
      ["ip('192.168.0.1').isLinkLocalUnicast()", false],
      ["ip('fe80::1').isLinkLocalUnicast()", true],
      ["ip('fd80::1').isLinkLocalUnicast()", false],
      ["ip('192.168.0.1').isGlobalUnicast()", true],
      ["ip('255.255.255.255').isGlobalUnicast()", false],
      ["ip('2001:db8::abcd').isGlobalUnicast()", true],
      ["ip('ff00::1').isGlobalUnicast()", false],
    ]));
});
