/**
 * Edit distance with adjacent transpositions (optimal string alignment): each insertion, deletion,
 * substitution or swap of two neighbours counts one, so `emial` is one step from `email`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (rows[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

// Case, "_" and "-" do not make a different name: display_name and display-name mean displayName.
const fold = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

/**
 * The known name a misspelt one most likely meant (`webhook` → `webhooks`, `display_name` →
 * `displayName`, `emial` → `email`, `color` → `colours`), or undefined when none is close: at
 * most a third of the letters of the longer of the two (and at least one) differ. Measured on the
 * longer one, so a name shorter than meant (`color`, two letters short of `colours`) is still
 * found, as `colors` (one short) is.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(fold(name), fold(candidate));
    const allowed = Math.max(1, Math.floor(Math.max(fold(name).length, fold(candidate).length) / 3));
    if (distance <= allowed && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}
