import { api } from './app.js';

const form = document.getElementById('login');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const err = document.getElementById('login-error');
  err.textContent = '';
  try {
    await api('POST', '/api/login', {
      username: String(data.get('username')),
      password: String(data.get('password')),
    });
    location.href = '/';
  } catch (e) {
    err.textContent = e.message;
  }
});
