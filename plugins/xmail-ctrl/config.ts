import { z } from '../../core/index.js';

/** `plugins.xmail-ctrl` settings; both listeners (xmail-ctrl, xmail-ctrls) share them. */
export const ctrlConfigSchema = z.strictObject({
  /** A session silent this long between commands is closed with no message (XMail `-Ct`). */
  idleTimeoutSeconds: z.number().int().positive().default(120),
  /** Answer `#!TLS` (XMail server.tab `EnableCTRL-TLS`); when false it gets `-00249`. */
  startTls: z.boolean().default(true),
  /** Certificate for `#!TLS` and the xmail-ctrls listener (PEM paths); default: the shared self-signed one. */
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
});

export type CtrlConfig = z.output<typeof ctrlConfigSchema>;
