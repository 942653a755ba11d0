/**
 * When repair passes run. The seam for running one pass per interval across all replicas (a
 * Redis/bullmq repeatable job, later): the controller hands its pass to a RepairScheduler and does
 * not care who triggers it. InProcessRepairScheduler runs it in this process: once at start, then
 * every interval (upstream behaviour: every replica repairs on its own timer).
 */
import { every, Loop } from './loop';

export interface RepairScheduler {
  /** start calling `pass` (first call as soon as possible); errors are the caller's to log */
  start(pass: () => Promise<void>): void;
  /** stop calling it; waits for a pass in progress */
  stop(): Promise<void>;
}

export class InProcessRepairScheduler implements RepairScheduler {
  private loop?: Loop;

  constructor(
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void = (e) => console.warn(`repair pass failed: ${(e as Error).message}`),
  ) {}

  start(pass: () => Promise<void>): void {
    this.loop ??= every(this.intervalMs, pass, { onError: this.onError });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    this.loop = undefined;
  }

  /** run a pass now (tests) */
  async trigger(): Promise<void> {
    await this.loop?.trigger();
  }
}
