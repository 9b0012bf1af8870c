/** An event in an event log (AltaVista Logs/Events; also the audit trail of admin actions). */
export interface LogEvent {
  /** `<unix-seconds>.<sequence>`, unique and never reused. Assigned by the EventLog on append. */
  id: string;
  log: string;
  time: Date;
  type: string;
  text: string;
  /** Other named parameters: Mailbox, Address, Protocol, Host, Message ... */
  params: Record<string, string>;
}

export type NewLogEvent = Omit<LogEvent, 'id' | 'time'> & { time?: Date };
