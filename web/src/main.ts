import './style.css';
import * as api from './api';
import * as bus from './bus';
import * as session from './session';
import type { Leave } from './view';
import { login } from './pages/login';
import { fleet } from './pages/fleet';
import { device } from './pages/device';
import { prices } from './pages/prices';
import { alerts } from './pages/alerts';
import { revenue } from './pages/revenue';

const page = document.getElementById('page')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
const live = document.getElementById('live')!;
let leave: Leave = () => {};

bus.onStatus((state) => {
  live.hidden = state === 'offline';
  live.textContent = state === 'live' ? '● live' : '○ reconnecting';
  live.className = `live ${state}`;
});
api.whenUnauthorised(() => {
  bus.disconnect();
  location.hash = '#/login';
});

function route(): void {
  leave();
  leave = () => {};
  const s = session.current();
  const [, name = '', arg = ''] = location.hash.split('/');
  if (!s && name !== 'login') {
    location.hash = '#/login';
    return;
  }
  nav.hidden = !s;
  who.replaceChildren();
  if (s) {
    const out = document.createElement('button');
    out.textContent = 'Sign out';
    out.className = 'link';
    out.onclick = () => {
      session.clear();
      bus.disconnect();
      location.hash = '#/login';
    };
    who.append(`${s.username} (${s.role}) `, out);
    bus.connect();
  }
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  page.replaceChildren();
  switch (name) {
    case 'login': leave = login(page); break;
    case 'device': leave = device(page, decodeURIComponent(arg)); break;
    case 'prices': leave = prices(page); break;
    case 'alerts': leave = alerts(page); break;
    case 'revenue': leave = revenue(page); break;
    default: leave = fleet(page);
  }
}

window.addEventListener('hashchange', route);
route();
