import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type MessageOutcome = 'accepted' | 'delivered' | 'deferred' | 'bounced';

/**
 * The kernel's Prometheus metrics, in a registry of its own so two kernels in one process never
 * share counters. Plugins add theirs to `registry`.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Counter({
    name: 'mailwright_connections_total',
    help: 'Connections accepted, by protocol',
    labelNames: ['protocol'],
    registers: [this.registry],
  });
  readonly activeConnections = new Gauge({
    name: 'mailwright_connections_active',
    help: 'Connections open now, by protocol',
    labelNames: ['protocol'],
    registers: [this.registry],
  });
  readonly connectionErrors = new Counter({
    name: 'mailwright_connection_errors_total',
    help: "Unexpected failures of the code serving a connection (answered with the protocol's temporary error), by protocol",
    labelNames: ['protocol'],
    registers: [this.registry],
  });
  readonly refusedConnections = new Counter({
    name: 'mailwright_connections_refused_total',
    help: 'Connections refused by a cap, by protocol and reason (total, per-address)',
    labelNames: ['protocol', 'reason'],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'mailwright_commands_total',
    help: 'Protocol commands handled, by protocol and command',
    labelNames: ['protocol', 'command'],
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'mailwright_messages_total',
    help: 'Messages by outcome: accepted (SMTP 250), delivered, deferred, bounced',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly queueDepthSources: (() => Promise<Record<string, number>>)[] = [];

  constructor() {
    const sources = this.queueDepthSources;
    new Gauge({
      name: 'mailwright_queue_depth',
      help: 'Delivery queue jobs by state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const source of sources) {
          for (const [key, value] of Object.entries(await source())) {
            const [queue, state] = key.split(':');
            this.set({ queue, state }, value);
          }
        }
      },
    });
    for (const outcome of ['accepted', 'delivered', 'deferred', 'bounced'] as const)
      this.messages.inc({ outcome }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'mailwright_' });
  }

  /** The queue plugin reports depths as `{ 'queue:state': count }`, read at each scrape. */
  addQueueDepthSource(source: () => Promise<Record<string, number>>): void {
    this.queueDepthSources.push(source);
  }

  countMessage(outcome: MessageOutcome, n = 1): void {
    this.messages.inc({ outcome }, n);
  }
}
