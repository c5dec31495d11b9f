import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSamples } from '../../support/render-samples.js';

describe('the rendered samples in test/fixtures/samples', () => {
  it.each([...renderSamples()])('%s is what the renderers produce today (npm run samples)', async (name, content) => {
    expect(await readFile(join('test', 'fixtures', 'samples', name), 'utf8')).toBe(content);
  });
});
