import { Command, InvalidArgumentError } from 'commander';
import { WechatSimulator } from '../../lambda/simulator/wechat-simulator.js';
import type { CliIo } from '../cli-io.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return port;
}

/** `wxa-report simulate`: a WeChat API simulator on loopback until Ctrl-C. */
export function simulateCommand(io: CliIo, onStarted: (sim: WechatSimulator) => Promise<void>): Command {
  return new Command('simulate')
    .description('run the built-in WeChat API simulator on loopback (for trying things out and for tests)')
    .option('--port <n>', 'port to listen on (default: a free one)', parsePort)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--latency <ms>', 'delay added to every answer', (v) => Number(v), 0)
    .action(async (options: { port?: number; host: string; latency: number }) => {
      const sim = await WechatSimulator.start({
        port: options.port,
        host: options.host,
        latencyMs: options.latency,
        clock: io.clock,
      });
      const lines = [
        `WeChat API simulator listening on ${sim.url}`,
        '',
        'Demo Mini Programs (export one pair, then use --api-base):',
        ...sim.knownApps.map((app) => `  ${app.name}: WECHAT_APPID=${app.appid} WECHAT_APPSECRET=${app.secret}`),
        '',
        `Example: WECHAT_APPID=${sim.knownApps[0]?.appid} WECHAT_APPSECRET=${sim.knownApps[0]?.secret} npx wxa-report fetch daily --api-base ${sim.url}`,
        `Faults: POST ${sim.url}/__simulator/faults {"endpoint":"getDailyVisitTrend","times":1,"action":{"kind":"errcode","errcode":-1}}`,
        'Press Ctrl-C to stop.',
      ];
      io.stdout.write(`${lines.join('\n')}\n`);
      await onStarted(sim);
    });
}
