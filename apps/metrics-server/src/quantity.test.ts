import { describe, expect, it } from 'vitest';
import { cpuQuantity, formatDecimalSI, memoryQuantity } from './quantity';

describe('Quantity canonical strings (resource.Quantity.String())', () => {
  it('CPU: NewScaledQuantity(n, -9) in DecimalSI', () => {
    expect(cpuQuantity(0)).toBe('0');
    expect(cpuQuantity(123456789)).toBe('123456789n');
    expect(cpuQuantity(5_000_000)).toBe('5m');
    expect(cpuQuantity(1_500_000)).toBe('1500u');
    expect(cpuQuantity(12_000)).toBe('12u');
    expect(cpuQuantity(120_000)).toBe('120u');
    expect(cpuQuantity(1_000_000_000)).toBe('1');
    expect(cpuQuantity(2_500_000_000)).toBe('2500m');
    expect(cpuQuantity(10)).toBe('10n');
    expect(cpuQuantity(31_000_000n)).toBe('31m');
  });
  it('memory: NewQuantity(bytes, BinarySI)', () => {
    expect(memoryQuantity(0)).toBe('0');
    expect(memoryQuantity(1024)).toBe('1Ki');
    expect(memoryQuantity(1234 * 1024)).toBe('1234Ki');
    expect(memoryQuantity(8 * 1024 * 1024)).toBe('8Mi');
    expect(memoryQuantity(3 * 1024 ** 3)).toBe('3Gi');
    expect(memoryQuantity(1025)).toBe('1025');
    // below 1024 BinarySI falls back to DecimalSI
    expect(memoryQuantity(1000)).toBe('1k');
    expect(memoryQuantity(512)).toBe('512');
  });
  it('exponents outside the SI table', () => {
    expect(formatDecimalSI(1n, 21)).toBe('1e21');
  });
});
