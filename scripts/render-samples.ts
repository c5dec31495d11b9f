// `npm run samples`: writes test/fixtures/samples/, one file per channel and report.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSamples } from '../test/support/render-samples.js';

const folder = join('test', 'fixtures', 'samples');
await mkdir(folder, { recursive: true });
const samples = renderSamples();
for (const [name, content] of samples) await writeFile(join(folder, name), content);
process.stdout.write(`wrote ${samples.size} samples to ${folder}\n`);
