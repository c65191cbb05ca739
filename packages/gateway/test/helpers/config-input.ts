/**
 * Config pieces that parse but are never contacted: for tests of the config itself and of code
 * built from it (a verifier, a plugin), with no cluster and no identity provider.
 */
export const paperAuth = {
  issuer: 'https://issuer.example',
  audience: 'hpcgate',
  jwksFile: '/etc/jwks.json',
};

/** An execution system on a host nobody reaches, its key pinned. */
export const paperSystem = (id = 'cluster-a') => ({
  id,
  host: 'login.example.org',
  hostKey: { fingerprints: ['SHA256:yjn/kldO2vz8mFY89rLcHi4eoByvuAdkBY8iniqBovY'] },
  user: 'hpcgate',
  privateKeyPath: '/keys/id_ed25519',
  userKeysDir: '/keys/users',
});
