import { Command } from 'commander';
import { CliError, type CliIo, EXIT_OK } from '../cli-io.js';
import { pMapLimit } from '../concurrency.js';
import { API_BASE_HELP, componentFromEnv } from '../wechat-options.js';

/**
 * `wxa-report authorizers`: every Mini Program that authorized the third-party platform (paged
 * through api_get_authorizer_list), with its name and whether it granted the data-analysis
 * permission (set 18 or 21) without which the datacube cannot be called.
 */
export function authorizersCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('authorizers')
    .description('every Mini Program that authorized the third-party platform: appid, name, data permission')
    .option('--api-base <urls>', API_BASE_HELP)
    .option('--json', 'a JSON array of {"appid","name","dataPermission","permissionSets","authTime"}')
    .addHelpText(
      'after',
      '\nCredentials from WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_APPSECRET and WECHAT_COMPONENT_VERIFY_TICKET.',
    )
    .action(async (options: { apiBase?: string; json?: boolean }) => {
      const api = componentFromEnv(io, options.apiBase);
      const authorizers = [];
      for await (const authorizer of api.authorizers()) authorizers.push(authorizer);
      // api_get_authorizer_info one by one, a few at a time.
      const rows = await pMapLimit(authorizers, 4, async (a) => ({
        ...(await api.authorizerInfo(a.appid)),
        authTime: a.authTime,
      }));
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify(rows.map(({ appid, name, dataPermission, permissionSets, authTime }) => ({ appid, name, dataPermission, permissionSets, authTime })))}\n`,
        );
      } else {
        for (const r of rows)
          io.stdout.write(`${r.appid}  ${r.dataPermission ? 'data: yes' : 'data: NO '}  ${r.name}\n`);
        const without = rows.filter((r) => !r.dataPermission).length;
        io.stdout.write(
          `${rows.length} Mini Program(s)${without ? `; ${without} without the data-analysis permission (set 18 or 21): listed, not called` : ''}\n`,
        );
      }
      if (rows.length === 0 && !options.json) throw new CliError('no Mini Program has authorized this platform yet');
      setExit(EXIT_OK);
    });
}
