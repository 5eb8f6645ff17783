const { app } = require('@azure/functions');
const { API_BODY } = require('../../api-body.cjs');

// Same bytes and content type as the bare backend (bench/load/bare-servers.js); run.js checks both.
app.get('bench', {
  authLevel: 'anonymous',
  route: 'bench',
  handler: async () => ({ body: API_BODY, headers: { 'content-type': 'application/json; charset=utf-8' } }),
});
