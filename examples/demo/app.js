async function show(id, url) {
  const target = document.getElementById(id);
  try {
    const response = await fetch(url);
    const text = await response.text();
    target.textContent = `${response.status} ${text}`;
  } catch (error) {
    target.textContent = String(error);
  }
}
show('me', '/.auth/me');
show('api', '/api/hello');
