/**
 * A failure with an SMTP-style reply (`550 5.1.2 ...`): `permanent` ones fail the recipient,
 * others defer it. Thrown by the DNS and SMTP client steps of remote delivery.
 */
export class DeliveryError extends Error {
  constructor(
    readonly reply: string,
    readonly permanent: boolean,
    readonly summary: string = permanent ? 'Delivery failed' : 'Delivery deferred',
  ) {
    super(reply);
    this.name = 'DeliveryError';
  }
}
