// A local OpenID Connect provider configured like ID-porten, for the portal's tests.
//
// Like ID-porten it publishes a discovery document and a JWKS, requires PKCE (S256) and a
// client secret, puts the person's national identity number in the `pid` claim of the ID
// token and the level of assurance in `acr`, gives a pairwise `sub` and a `sid`, and offers
// RP-initiated logout. Its login page is a stand-in for ID-porten's test login ("TestID"):
// a form where the test types the identity number and chooses the level.
//
// It listens on 127.0.0.1 on PORT (by default a free one) and prints one line,
// `listening <issuer>`, when ready. The portal's side is read from the environment:
// OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_POST_LOGOUT_REDIRECT_URI.
//
// To test that the portal refuses a bad answer, POST /_test/misbehave with `mode` set to
// one of MISBEHAVIOURS: the next ID tokens from the token endpoint then carry that one
// defect. An empty mode makes it behave again.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const ACR_VALUES = ['idporten-loa-substantial', 'idporten-loa-high', 'idporten-loa-low'];

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

const client = {
  client_id: required('OIDC_CLIENT_ID'),
  client_secret: required('OIDC_CLIENT_SECRET'),
  redirect_uris: [required('OIDC_REDIRECT_URI')],
  post_logout_redirect_uris: [required('OIDC_POST_LOGOUT_REDIRECT_URI')],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  subject_type: 'pairwise',
};

async function signingKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

const kid = randomUUID();
const key = await signingKey(kid);
const otherKey = await signingKey(kid); // the same key id, another key: a forged signature

async function resign(payload, jwk) {
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .sign(await jose.importJWK(jwk, 'RS256'));
}

const now = () => Math.floor(Date.now() / 1000);

// Each takes the claims of a good ID token and returns the ID token to send instead.
const MISBEHAVIOURS = {
  'wrong-key': (claims) => resign(claims, otherKey),
  'wrong-audience': (claims) => resign({ ...claims, aud: 'another-service' }, key),
  'wrong-issuer': (claims) => resign({ ...claims, iss: 'https://idporten.example' }, key),
  expired: (claims) => resign({ ...claims, iat: now() - 7200, exp: now() - 3600 }, key),
  // The claims changed after signing: the signature no longer matches.
  tampered: async (claims) => {
    const [header, , signature] = (await resign(claims, key)).split('.');
    const changed = Buffer.from(JSON.stringify({ ...claims, pid: '01010012345' }));
    return [header, changed.toString('base64url'), signature].join('.');
  },
};
let misbehaviour = '';

const server = http.createServer();
await new Promise((resolve) => { server.listen(Number(process.env.PORT || 0), '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

// ID-porten puts `sid` in every ID token; this provider does so for clients with back-channel
// logout, so the portal's client gets one that reaches a sink here.
Object.assign(client, {
  backchannel_logout_uri: `${issuer}/_test/backchannel`,
  backchannel_logout_session_required: true,
});

const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const provider = new Provider(issuer, {
  clients: [client],
  jwks: { keys: [key] },
  acrValues: ACR_VALUES,
  claims: { openid: ['sub'], profile: ['pid', 'locale'] },
  // ID-porten puts pid in the ID token itself.
  conformIdTokenClaims: false,
  subjectTypes: ['pairwise'],
  pairwiseIdentifier: async (ctx, accountId, forClient) => createHash('sha256')
    .update(`${forClient.sectorIdentifier}:${accountId}`)
    .digest('base64url'),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Log out', `${form}<button type="submit" form="op.logoutForm"
          name="logout" value="yes">Log out</button>`);
      },
    },
  },
  findAccount: async (ctx, pid) => ({
    accountId: pid,
    claims: async () => ({ sub: pid, pid, locale: 'nb' }),
  }),
  // ID-porten asks no consent: every client gets the scopes it asks for.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile');
    grant.addOIDCClaims(['pid', 'locale', 'sid']);
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    IdToken: 3600,
    AccessToken: 3600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  cookies: { keys: [randomUUID()] },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<p id="error">${out.error}: ${out.error_description}</p>`);
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (misbehaviour && ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    const claims = jose.decodeJwt(ctx.body.id_token);
    ctx.body = { ...ctx.body, id_token: await MISBEHAVIOURS[misbehaviour](claims) };
  }
});

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(html);
}

// The stand-in for ID-porten's test login: type the identity number, choose the level.
async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p>Unknown interaction</p>'));
  if (req.method === 'GET') {
    const options = ACR_VALUES.map((acr) => `<option>${acr}</option>`).join('');
    return send(res, 200, page('TestID', `<form method="post" action="/interaction/${uid}">
      <label>pid <input name="pid" inputmode="numeric"></label>
      <label>acr <select name="acr">${options}</select></label>
      <button type="submit">Log in</button></form>`));
  }
  const form = await readForm(req);
  const pid = form.get('pid') || '';
  if (!/^\d{11}$/.test(pid)) return send(res, 400, page('Error', '<p>pid: 11 digits</p>'));
  const result = { login: { accountId: pid, acr: form.get('acr') || ACR_VALUES[0] } };
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function misbehave(req, res) {
  const mode = (await readForm(req)).get('mode') || '';
  if (mode && !(mode in MISBEHAVIOURS)) return send(res, 400, `unknown mode ${mode}`);
  misbehaviour = mode;
  return send(res, 204, '');
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    const { pathname } = new URL(req.url, issuer);
    const uid = pathname.match(/^\/interaction\/([\w-]+)$/)?.[1];
    if (uid) return await interaction(req, res, uid);
    if (pathname === '/_test/misbehave' && req.method === 'POST') return await misbehave(req, res);
    if (pathname === '/_test/backchannel') return send(res, 200, '');
    return callback(req, res);
  } catch (error) {
    return send(res, 500, page('Error', `<p>${error.message}</p>`));
  }
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
console.log(`listening ${issuer}`);
