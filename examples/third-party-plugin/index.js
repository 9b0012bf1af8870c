// An example third-party plugin, as it would be published on npm: plain JavaScript, `mailwright`
// as a peer dependency, everything done through hooks. Settings (under plugins.<this package> in the
// server's config):
//   rejectAddress: recipient refused at RCPT with 550
//   deliveryLog:   file that gets one line per delivered recipient
import { appendFile } from 'node:fs/promises';
import { definePlugin, pass, reject, z } from 'mailwright';

const configSchema = z.strictObject({
  rejectAddress: z.string().min(3),
  deliveryLog: z.string().min(1),
});

export default definePlugin({
  name: 'reject-and-log',
  version: '1.0.0',
  configSchema,
  start(ctx) {
    const refused = ctx.config.rejectAddress.toLowerCase();
    ctx.hooks.on('rcpt', 'reject-and-log', ({ address }) =>
      address.toLowerCase() === refused ? reject(550, '5.7.1 This address does not take mail') : pass(),
    );
    ctx.hooks.on('delivered', 'reject-and-log', async ({ queueId, recipient, destination }) => {
      await appendFile(
        ctx.config.deliveryLog,
        `${new Date().toISOString()} ${queueId} ${recipient} ${destination}\n`,
      );
      return pass();
    });
  },
});
