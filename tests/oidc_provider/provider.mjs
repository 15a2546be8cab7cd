// A real OpenID Connect provider for the tests: panva's certified `oidc-provider`, configured
// like GOV.UK One Login (private_key_jwt, PKCE, vectors of trust, back-channel logout).
// Nothing here implements OpenID Connect; it is configuration of their provider.
//
// Usage: node provider.mjs CONFIG.json   (prints "listening <issuer>" when ready)
//
// CONFIG: {port, issuer, signing_key (private JWK), clients: [...], accounts: {id: claims}}
// A small control route, POST /test/next-id-token {"id_token": "..."}, makes the next token
// response carry a token the test crafted (to prove the relying party refuses it).
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;
const craftedIdTokens = [];

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: [config.signing_key] },
  findAccount: async (ctx, id) => {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  claims: {
    openid: ['sub', 'vot', 'vtm'],
    email: ['email', 'email_verified'],
    identity: ['https://vocab.account.gov.uk/v1/coreIdentityJWT'],
  },
  // One Login puts `vot` in the ID token; with this off, scope claims go in it too.
  conformIdTokenClaims: false,
  extraParams: ['vtr'],
  clientAuthMethods: ['private_key_jwt'],
  enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'] },
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    claimsParameter: { enabled: true },
  },
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  cookies: { keys: ['test-cookie-key'] },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/next-id-token' && ctx.method === 'POST') {
    let raw = '';
    for await (const chunk of ctx.req) raw += chunk;
    craftedIdTokens.push(JSON.parse(raw).id_token);
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && craftedIdTokens.length) {
    ctx.body = { ...ctx.body, id_token: craftedIdTokens.shift() };
  }
});

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${config.issuer}\n`);
});
