// wxa-relay: lets wxa-reporter read this Mini Program's datacube by cloud call (云调用), so the
// AppSecret never leaves CloudBase. Deploy with its config.json (the API permissions), set the
// function's environment variable WXA_RELAY_SECRET, and open HTTP access (HTTP 访问服务) to it.
const cloud = require('wx-server-sdk');
const { createRelay } = require('./relay.js');

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

exports.main = createRelay({ openapi: cloud.openapi, secret: process.env.WXA_RELAY_SECRET });
