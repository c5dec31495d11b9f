import pLimit from 'p-limit';

/** `items` mapped through `task`, at most `limit` at once, results in order. */
export function pMapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const run = pLimit(limit);
  return Promise.all(items.map((item) => run(() => task(item))));
}
