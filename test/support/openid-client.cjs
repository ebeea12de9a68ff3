// openid-client is an ES module only. Node (20.19 and later) require()s it, as the built service does; jest's own
// require() cannot, and its import() of ES modules goes stale between test files. So the service's
// `import 'openid-client'` is mapped here (package.json, moduleNameMapper), and Node's real require loads it once
// per worker.
module.exports = process.getBuiltinModule('node:module').createRequire(__filename)('openid-client');
