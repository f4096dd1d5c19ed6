import { api } from './app.js';

const form = document.getElementById('login');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const err = document.getElementById('login-error');
  err.textContent = '';
  try {
    const me = await api('POST', '/api/login', {
      username: String(data.get('username')),
      password: String(data.get('password')),
    });
    // A trainer outside any exercise workspace has no triage queue: their home is the trainer page.
    const trainerHome = me?.user?.role === 'trainer' && me.user.workspaceId == null;
    location.href = trainerHome ? '/trainer' : '/';
  } catch (e) {
    err.textContent = e.message;
  }
});
