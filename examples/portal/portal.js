// The portal's script: its pretend sign-in, and on the People page the Allot console, which
// gets its bearer tokens from the portal's backend.
const ALLOT_JS = '__ALLOT_JS__';

async function getToken() {
  const response = await fetch('/portal/api/allot-token');
  if (!response.ok) throw new Error(`the portal could not get an Allot token (${response.status})`);
  return (await response.json()).token;
}

const form = document.querySelector('#portal-sign-in');
form?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const response = await fetch('/portal/api/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: data.get('email'), password: data.get('password') }),
  });
  document.querySelector('#portal-status').textContent = response.ok
    ? `Signed in as ${data.get('email')}.`
    : 'Unknown user or wrong password.';
});

const people = document.querySelector('#people');
if (people) {
  // The property may be set before the element is defined: the console picks it up.
  const element = document.createElement('allot-console');
  element.setAttribute('api-base', '__ALLOT_API__');
  element.setAttribute('base-path', '/portal/people');
  element.getToken = getToken;
  element.addEventListener('allot:unauthorized', () => {
    document.querySelector('#portal-status').textContent = 'Your portal session no longer opens Allot: sign in again.';
  });
  people.append(element);
  await import(ALLOT_JS);
}
