// openid-client, for the SDK bundle's sign-ins: loaded the first time it asks an identity provider.
export * from 'openid-client';
