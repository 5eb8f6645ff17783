const { app } = require('@azure/functions');

function readPrincipal(request) {
  const header = request.headers.get('x-ms-client-principal');
  return header ? JSON.parse(Buffer.from(header, 'base64').toString('utf8')) : null;
}

app.http('hello', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request, context) => {
    const principal = readPrincipal(request);
    context.log(`hello for ${principal ? principal.userDetails : 'an anonymous visitor'}`);
    return {
      jsonBody: {
        message: principal
          ? `Hello, ${principal.userDetails}!`
          : 'Hello from a managed function. Sign in to be greeted by name.',
        roles: principal ? principal.userRoles : ['anonymous'],
      },
    };
  },
});
