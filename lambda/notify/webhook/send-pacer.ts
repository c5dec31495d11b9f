/**
 * Keeps messages to one webhook at least `minIntervalMs` apart, so an agency posting dozens of apps
 * into one group stays inside the platform's per-minute limit instead of being throttled.
 */
export class SendPacer {
  private readonly lastSent = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Resolves when a message to `target` may be sent. Calls for one target are served in order. */
  wait(target: string, minIntervalMs: number): Promise<void> {
    const previous = this.queues.get(target) ?? Promise.resolve();
    const turn = previous.then(async () => {
      const last = this.lastSent.get(target);
      const due = last === undefined ? 0 : last + minIntervalMs - this.now();
      if (due > 0) await this.sleep(due);
      this.lastSent.set(target, this.now());
    });
    this.queues.set(target, turn);
    return turn;
  }
}

/** Shared by every channel in the process: two channels to one robot share its limit. */
export const processPacer = new SendPacer();
