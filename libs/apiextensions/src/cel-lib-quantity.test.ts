import { describe, it } from 'vitest';
import { runTable } from './cel-lib-test-util';

// expected values from k8s.io/apiserver/pkg/cel/library/quantity.go
describe('CEL quantity library', () => {
  it('parses like resource.ParseQuantity', () =>
    runTable([
      ["isQuantity('1.3G')", true],
      ["isQuantity('1.3Gi')", true],
      ["isQuantity('1,3G')", false],
      ["isQuantity('10000k')", true],
      ["isQuantity('200K')", false],
      ["isQuantity('Three')", false],
      ["isQuantity('Mi')", false],
      ["quantity('200K')", { error: "unable to parse quantity's suffix" }],
      ["quantity('Three')", { error: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" }],
    ]));

  it('converts, compares and does arithmetic', () =>
    runTable([
      ["quantity('50000000G').isInteger()", true],
      ["quantity('50k').isInteger()", true],
      ["quantity('9999999999999999999999999999999999999G').isInteger()", false],
      ["quantity('9999999999999999999999999999999999999G').asInteger()", { error: 'cannot convert value to integer' }],
      ["quantity('50k').asInteger() == 50000", true],
      ["quantity('50k').sub(20000).asApproximateFloat() == 30000.0", true],
      ["quantity('1.5').asApproximateFloat()", 1.5],
      ["quantity('50k').add(quantity('20k')) == quantity('70k')", true],
      ["quantity('50k').add(20) == quantity('50020')", true],
      ["quantity('50k').sub(quantity('20k')) == quantity('30k')", true],
      ["quantity('50k').sub(20000) == quantity('30k')", true],
      ["quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')", true],
      ["quantity('200M').compareTo(quantity('0.2G'))", 0n],
      ["quantity('50M').compareTo(quantity('50Mi'))", -1n],
      ["quantity('50Mi').compareTo(quantity('50M'))", 1n],
      ["quantity('150Mi').isGreaterThan(quantity('100Mi'))", true],
      ["quantity('50Mi').isGreaterThan(quantity('100Mi'))", false],
      ["quantity('50M').isLessThan(quantity('100M'))", true],
      ["quantity('100M').isLessThan(quantity('50M'))", false],
      ["quantity('1') == quantity('1000m')", true],
      // int64Amount.AsInt64 refuses negative scales; 1.5k is {15, 2}; fractional binary SI is an inf.Dec
      ["quantity('1000m').isInteger()", false],
      ["quantity('1.5k').asInteger()", 1500n],
      ["quantity('1.5Ki').isInteger()", false],
      ["quantity('1Ki').asInteger()", 1024n],
      ["quantity('1000m').add(quantity('1')).isInteger()", false],
      ["quantity('-5').sign()", -1n],
      ["quantity('0').sign()", 0n],
      ["quantity('5Ki').sign()", 1n],
    ]));
});
