// The JSON document of the bench's API scenarios, shared by the bare backend and the functions app.
exports.API_BODY = JSON.stringify({ ok: true, message: 'hello from the bare backend', items: [1, 2, 3] });
