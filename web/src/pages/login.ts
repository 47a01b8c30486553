import * as api from '../api';
import * as session from '../session';
import { h, type Leave } from '../view';

export function login(page: HTMLElement): Leave {
  const username = h('input', { name: 'username', autocomplete: 'username', required: '' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: '' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card login' },
    h('h1', {}, 'Sign in'),
    h('label', {}, 'User', username),
    h('label', {}, 'Password', password),
    h('button', { type: 'submit' }, 'Sign in'),
    error);
  form.onsubmit = async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      const answer = await api.post<{ access_token: string; expires_in: number }>('/api/v1/auth/token',
        { username: username.value, password: password.value });
      session.save({ token: answer.access_token, username: username.value, role: session.roleOf(answer.access_token),
        expiresAt: Date.now() + answer.expires_in * 1000 });
      password.value = '';
      location.hash = '#/fleet';
    } catch (err) {
      error.textContent = err instanceof api.ApiError && err.status === 401
        ? 'Wrong user or password.' : `Sign-in failed: ${(err as Error).message}`;
    }
  };
  page.append(form);
  username.focus();
  return () => {};
}
