export * from './mailbox-event.js';
export { MailboxEventBus, type MailboxEventBusOptions } from './mailbox-event-bus.js';
export { NotifyingMailStore } from './notifying-mail-store.js';
export { NotifyingStorage } from './notifying-storage.js';
