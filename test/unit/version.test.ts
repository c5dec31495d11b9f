import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../lambda/shared/version.js';

describe('the tool version', () => {
  it('written into provenance and --version is the package version', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };

    expect(TOOL_VERSION).toBe(pkg.version);
  });
});
