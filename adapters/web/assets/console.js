// MLOps Guide console: upgrades the chat's forms to fetch (progressive enhancement; without this file every
// form still works as a plain POST). Loaded as an external file: the Content-Security-Policy allows no inline script.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const log = document.getElementById('chat-log');
  const status = document.getElementById('chat-status');
  const input = document.getElementById('message');
  if (!log) return;
  // On load, show the latest turn (the page may come back from a form POST with #turn-N).
  const last = log.lastElementChild;
  if (last && location.hash) last.scrollIntoView({ block: 'end' });

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !(form.closest('[data-chat]') || form.closest('#chat-log'))) return;
    event.preventDefault();
    const typed = form.id === 'composer';
    const body = new URLSearchParams(new FormData(form, event.submitter));
    if (typed && !String(body.get('text') || '').trim()) return;
    const controls = form.querySelectorAll('button, input, textarea');
    for (const c of controls) c.disabled = true;
    form.setAttribute('aria-busy', 'true');
    if (status) status.textContent = 'MLOps Guide is answering…';
    let turn = null;
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        headers: { accept: 'application/json', 'x-csrf-token': String(body.get('_csrf') || '') },
        body,
        credentials: 'same-origin',
      });
      if (response.status === 401 || response.status === 403) {
        if (status) status.textContent = 'Your session has ended: reloading the page.';
        location.reload();
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      log.insertAdjacentHTML('beforeend', data.html);
      turn = document.getElementById(`turn-${data.id}`);
      if (status) status.textContent = '';
    } catch (err) {
      if (status) status.textContent = `Sending failed (${err instanceof Error ? err.message : 'network'}). Try again.`;
    } finally {
      for (const c of controls) c.disabled = false;
      form.removeAttribute('aria-busy');
    }
    // Focus after the controls are enabled again (a disabled input cannot take it).
    if (typed && input) {
      if (turn) input.value = '';
      input.focus();
      turn?.scrollIntoView({ block: 'nearest' });
    } else if (turn) {
      // A click moves focus to the new reply, so a keyboard user continues from there.
      turn.focus();
    }
  });
});
