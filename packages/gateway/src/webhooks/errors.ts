/** No such subscription, or not the caller's: the two are never told apart (404). */
export class SubscriptionNotFoundError extends Error {
  override name = 'SubscriptionNotFoundError';
  constructor(readonly subscriptionId: string) {
    super(`subscription ${subscriptionId} not found`);
  }
}

/**
 * The caller has `limit` subscriptions already (`webhooks.maxSubscriptionsPerUser`): 409, not
 * 429, because waiting does not help (clients retry a 429 by themselves); deleting one does.
 */
export class TooManySubscriptionsError extends Error {
  override name = 'TooManySubscriptionsError';
  constructor(readonly limit: number) {
    super(`you have ${limit} subscriptions, the most one user may have; delete one first`);
  }
}

/** The subscription's URL is, or resolves to, an address webhooks may not go to (SSRF). */
export class WebhookAddressForbiddenError extends Error {
  override name = 'WebhookAddressForbiddenError';
  constructor(
    message: string,
    readonly host: string,
    /** The refused address when the URL names it; for a name, not said (see AddressRefusedError). */
    readonly address?: string,
  ) {
    super(message);
  }
}

/** The subscription's URL names a host that does not resolve. */
export class WebhookUrlUnresolvableError extends Error {
  override name = 'WebhookUrlUnresolvableError';
  constructor(
    message: string,
    readonly host: string,
  ) {
    super(message);
  }
}
