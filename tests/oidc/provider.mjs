// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider (OpenID
// certified), on 127.0.0.1, with the people of accounts.json. Run: node provider.mjs PORT.
//
// Each client of accounts.json is a handbook configured one way; what the provider does for
// a few of them is how the tests meet a bad sign-in honestly, from the provider's own server:
//   handbook-tampered  its ID token's payload is changed after signing, on its way out
//                      (another person's subject), as a man in the middle would;
//   handbook-short     its ID tokens live 1 second and reach the client 2.5 seconds late;
//   handbook-audience  it is given, in place of its own, the last ID token the provider
//                      issued to the client other-app (a token meant for another application).
// Login is a one-field form (the account's login name); consent is granted at once for every
// client, as an organisation's provider does for its own applications. PKCE is required of all.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const data = JSON.parse(readFileSync(new URL('./accounts.json', import.meta.url), 'utf8'));
const byLogin = new Map(data.accounts.map((account) => [account.login, account]));
const bySub = new Map(data.accounts.map((account) => [account.sub, account]));
let otherAppIdToken = null;

const provider = new Provider(issuer, {
  clients: data.clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    application_type: 'native', // loopback redirect URIs on any port (RFC 8252 section 7.3)
    redirect_uris: [client.redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  claims: { openid: ['sub'], profile: ['name', 'employee_id', 'groups'], email: ['email', 'email_verified'] },
  findAccount: async (ctx, sub) => {
    const account = bySub.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => ({ sub, name: account.name, employee_id: account.employee_id,
        groups: account.groups, email: account.email, email_verified: true }),
    };
  },
  pkce: { required: () => true },
  ttl: { IdToken: (ctx, token, client) => (client.clientId === 'handbook-short' ? 1 : 3600) },
  cookies: { keys: ['handbook-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Provider error</title><h1>${out.error}</h1><p>${out.error_description}</p>`;
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (uid, message) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test provider: sign in</title></head><body><main><h1>Test provider: sign in</h1>
${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autocomplete="username" required>
<button type="submit">Sign in</button></form></main></body></html>`;

async function formBody(ctx) {
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return new URLSearchParams(text);
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (match && ctx.method === 'GET' && !match[2]) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') { // granted at once, as for the organisation's own applications
      const { prompt: { details: missing }, params, session: { accountId } } = details;
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId: params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      const consent = details.grantId ? {} : { grantId };
      ctx.status = 303;
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true }));
      return;
    }
    ctx.type = 'html';
    ctx.body = page(details.uid, '');
    return;
  }
  if (match && ctx.method === 'POST' && match[2]) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const account = byLogin.get((await formBody(ctx)).get('login') || '');
    if (!account) {
      ctx.type = 'html';
      ctx.status = 401;
      ctx.body = page(details.uid, 'No such login.');
      return;
    }
    const result = { login: { accountId: account.sub } };
    const location = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(location);
    return;
  }
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body || !ctx.body.id_token) return;
  const client = ctx.oidc?.client?.clientId;
  if (client === 'other-app') otherAppIdToken = ctx.body.id_token;
  if (client === 'handbook-tampered') {
    const [header, payload, signature] = ctx.body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.sub = data.accounts.find((account) => account.sub !== claims.sub).sub;
    ctx.body = { ...ctx.body, id_token: [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.') };
  }
  if (client === 'handbook-short') await sleep(2500);
  if (client === 'handbook-audience') {
    if (!otherAppIdToken) throw new Error('sign in to other-app first: its ID token is the one handed over');
    ctx.body = { ...ctx.body, id_token: otherAppIdToken };
  }
});

provider.listen(port, '127.0.0.1', () => { console.log(`oidc-provider listening on ${issuer}`); });
