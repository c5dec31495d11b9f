import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_REGION } from '../../../cli/aws-clients.js';
import { createTables } from '../../support/dynamodb.js';
import { MOTO_CREDENTIALS, type MotoServer, startMoto } from '../../support/moto.js';
import { runCliInProcess } from '../../support/run-cli-in-process.js';
import { tempDir } from '../../support/temp-dir.js';

// The CLI finds its region as the AWS SDK does: AWS_REGION, else the profile's region in
// ~/.aws/config. A registry in Beijing (moto keeps each region's tables apart) is reached with
// nothing but the profile, as `aws configure --profile china` leaves it.
let moto: MotoServer;
let folder: Awaited<ReturnType<typeof tempDir>>;
let beijingTable: string;
let config: string;
beforeAll(async () => {
  moto = await startMoto();
  folder = await tempDir();
  const beijing = new DynamoDBClient({ endpoint: moto.endpoint, region: 'cn-north-1', credentials: MOTO_CREDENTIALS });
  beijingTable = (await createTables(beijing)).apps;
  beijing.destroy();
  config = join(folder.path, 'config');
  await writeFile(
    config,
    [
      '[default]',
      'aws_access_key_id = testing',
      'aws_secret_access_key = testing',
      '[profile china]',
      'region = cn-north-1',
      'aws_access_key_id = testing',
      'aws_secret_access_key = testing',
      '',
    ].join('\n'),
  );
  // The SDK reads credentials from the process's environment; the CLI is given the same.
  vi.stubEnv('AWS_ENDPOINT_URL', moto.endpoint);
  vi.stubEnv('AWS_CONFIG_FILE', config);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(folder.path, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_REGION', undefined);
  vi.stubEnv('AWS_DEFAULT_REGION', undefined);
  vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await folder?.remove();
  await moto?.stop();
});

const env = (extra: Record<string, string>) => ({
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_CONFIG_FILE: config,
  AWS_SHARED_CREDENTIALS_FILE: join(folder.path, 'credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  ...extra,
});

describe("the CLI's AWS region", () => {
  it("is the profile's, from ~/.aws/config, when AWS_REGION is not set", async () => {
    // Act
    const listed = await runCliInProcess(['apps', 'list', '--table', beijingTable, '--json'], {
      env: env({ AWS_PROFILE: 'china' }),
    });

    // Assess
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(JSON.parse(listed.stdout)).toEqual(expect.any(Array));
  });

  it('is AWS_REGION when set, over the profile', async () => {
    // Act: the same table asked of us-east-1, where it does not exist
    const listed = await runCliInProcess(['apps', 'list', '--table', beijingTable], {
      env: env({ AWS_PROFILE: 'china', AWS_REGION: 'us-east-1' }),
    });

    // Assess
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/does not exist in this account and region/);
  });

  it('is asked for in one line when neither is set', async () => {
    // Act: the default profile has credentials and no region
    const listed = await runCliInProcess(['apps', 'list', '--table', beijingTable], { env: env({}) });

    // Assess
    expect([listed.code, listed.stderr]).toEqual([
      1,
      `wxa-report: cannot read the app registry table ${beijingTable}: ${NO_REGION}\n`,
    ]);
  });
});
