'use strict';
// CloudBase's HTTP access (HTTP 访问服务) in front of a cloud function, for the tests: each HTTP
// request becomes the function's integration-request event, and the object with statusCode it
// returns becomes the answer. Run with NODE_PATH pointing at the stand-in wx-server-sdk.
const http = require('node:http');
const { main } = require(process.argv[2]);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const url = new URL(req.url, 'http://relay');
    const event = {
      path: url.pathname,
      httpMethod: req.method,
      headers: req.headers,
      queryStringParameters: Object.fromEntries(url.searchParams),
      body: Buffer.concat(chunks).toString('utf8'),
      isBase64Encoded: false,
      requestContext: { appId: 'standin', envId: 'standin-env' },
    };
    try {
      const result = await main(event, {});
      res.writeHead(result.statusCode, result.headers);
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    } catch (error) {
      res.writeHead(502);
      res.end(String(error?.message));
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
