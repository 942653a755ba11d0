import { describe, expect, it } from 'vitest';
import { compileError } from './cel-rules';

describe('undeclared functions are compile errors (as cel-go reports them)', () => {
  it('accepts declared functions, operators and macros', () => {
    for (const rule of [
      "self.all(x, x.startsWith('a')) && self.size() > 1 && 'a' in self",
      "isURL(self.u) && url(self.u).getScheme() == 'https' && has(self.x)",
      "!format.dns1123Label().validate(self.n).hasValue() && format.named('uuid').hasValue()",
      "ip.isCanonical(self.ip) && cidr(self.c).containsIP(self.ip) && self.l.isSorted()",
      "quantity(self.q).isLessThan(quantity('1Gi')) && self.s.matches('^a') && self.s.find('a') == 'a'",
      "self.x == oldSelf.x && int(self.i) + 1 > 0 && string(self.i).lowerAscii() != '' && self.l.map(x, x * 2).exists(y, y > 2)",
    ]) {
      expect(compileError(rule), rule).toBeUndefined();
    }
  });

  it("rejects calls to undeclared functions with cel-go's message", () => {
    expect(compileError('isFoo(self)')).toBe("ERROR: <input>:1:1: undeclared reference to 'isFoo' (in container '')\n | isFoo(self)\n | ^");
    expect(compileError('format.dns1123Lable().validate(self).hasValue()')).toContain("undeclared reference to 'format.dns1123Lable' (in container '')");
    expect(compileError('self.x.fooBar() == 1')).toContain("undeclared reference to 'fooBar' (in container '')");
  });
});
