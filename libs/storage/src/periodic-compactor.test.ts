import { describe, expect, it } from 'vitest';
import { startPeriodicCompactor } from './periodic-compactor';

describe('startPeriodicCompactor', () => {
  it('compacts to the revision seen one interval earlier', async () => {
    let rev = 10;
    const compacted: number[] = [];
    const stop = startPeriodicCompactor(
      {
        currentRevision: async () => rev,
        compact: async (r) => {
          compacted.push(r);
        },
      },
      { intervalMs: 20 },
    );
    await new Promise((r) => setTimeout(r, 5));
    rev = 20;
    await new Promise((r) => setTimeout(r, 30));
    stop();
    expect(compacted[0]).toBe(10);
    expect(compacted.every((c, i) => i === 0 || c >= compacted[i - 1])).toBe(true);
  });
});
