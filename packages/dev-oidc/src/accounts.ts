/** A person who can sign in at the provider's login page. */
export interface DevOidcUser {
  /** Becomes the token's `sub`. */
  id: string;
  username: string;
  password: string;
  groups?: string[];
}

/**
 * A client of the provider. With a secret it is a confidential machine client
 * (client_credentials, authenticated with HTTP Basic); with redirect URIs a public web client
 * (authorization code with PKCE, and refresh tokens); with neither a public client for the device
 * authorization grant and refresh tokens.
 */
export interface DevOidcClient {
  clientId: string;
  clientSecret?: string;
  /**
   * Where the authorization code flow may return. Loopback `http://127.0.0.1/...` URIs match
   * on any port (RFC 8252 §7.3), so a gateway on a port picked at run time needs no registration.
   */
  redirectUris?: string[];
}

/** Ids equal usernames so that `sub` and `preferred_username` agree for people and machines. */
export const DEMO_USERS: readonly DevOidcUser[] = [
  { id: 'alice', username: 'alice', password: 'alice' },
  { id: 'bob', username: 'bob', password: 'bob' },
  { id: 'admin', username: 'admin', password: 'admin', groups: ['hpcgate-admins'] },
  { id: 'demo', username: 'demo', password: 'demo' },
];

export const DEMO_CLIENTS: readonly DevOidcClient[] = [
  { clientId: 'hpcgate-automation', clientSecret: 'hpcgate-automation-secret' },
  { clientId: 'hpcgate-cli' },
  // The gateway's web page: the gateway signs people in on its behalf (a back-end-for-front-end).
  { clientId: 'hpcgate-web', redirectUris: ['http://127.0.0.1/auth/callback'] },
];

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Users looked up by id (the token subject) and by username (the login form). */
export class UserDirectory {
  private readonly byId = new Map<string, DevOidcUser>();
  private readonly byName = new Map<string, DevOidcUser>();

  constructor(users: readonly DevOidcUser[]) {
    for (const user of users) {
      this.byId.set(user.id, user);
      this.byName.set(user.username, user);
    }
  }

  findById(id: string): DevOidcUser | undefined {
    return this.byId.get(id);
  }

  findByUsername(username: string): DevOidcUser | undefined {
    return this.byName.get(username);
  }

  /** The user, only when the password matches. */
  authenticate(username: string, password: string): DevOidcUser | undefined {
    const user = this.byName.get(username);
    return user && user.password === password ? user : undefined;
  }
}
