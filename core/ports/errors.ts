/** Errors every adapter throws for the same conditions, so services can map them to protocol codes. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} does not exist`);
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'AlreadyExistsError';
  }
}

/** A conditional write lost a race or a precondition (IMAP UNCHANGEDSINCE, a non-empty folder ...). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
