#!/usr/bin/env node
// wxa-report as installed on the PATH (`npm run install-global`): it runs on whatever `node` the
// user's PATH has. The CLI is built for and tested on Node 24 (the Lambdas' runtime); on an older
// Node this launcher hands the command to the Node 24 the checkout brings (the `node` package in its
// node_modules), with the same arguments, terminal and exit status. Plain JavaScript, no imports of
// the project, nothing loaded on Node 24 but the CLI itself (`--help` stays fast): it must parse on
// any Node that can run an ES module. Node resolves a linked main module to its real path, so the
// CLI and node_modules are found beside the checkout's dist/.

const REQUIRED_MAJOR = 24;
const cli = new URL('./cli.mjs', import.meta.url);

if (Number(process.versions.node.split('.')[0]) >= REQUIRED_MAJOR) {
  await import(cli.href);
} else {
  const [{ spawn }, { existsSync }, { fileURLToPath }] = await Promise.all([
    import('node:child_process'),
    import('node:fs'),
    import('node:url'),
  ]);
  const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(node)) {
    process.stderr.write(
      `wxa-report: needs Node.js ${REQUIRED_MAJOR} or later, and this is Node.js ${process.versions.node}: install Node.js ${REQUIRED_MAJOR} (https://nodejs.org, or nvm install ${REQUIRED_MAJOR}), or install wxa-report from its checkout (npm ci, then npm run install-global), which brings its own Node.js ${REQUIRED_MAJOR}\n`,
    );
    process.exit(1);
  }
  const child = spawn(node, [fileURLToPath(cli), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches both processes from the terminal; a signal sent to this one alone is passed on.
  const pass = (signal) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, pass);
  child.on('error', (error) => {
    process.stderr.write(`wxa-report: could not start ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, pass);
    // Ended as the command ended: its exit status, or the same signal.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
