/**
 * `kairos webhook add|list|rm` (SPEC §12): the same service the admin API calls, on the configured
 * database directly (like `kairos user`), so it works with or without a running server. A server
 * running on the same database picks the change up at its next write: deliveries are created
 * inside write transactions, which read the endpoints afresh.
 */
import { KairosError, WEBHOOK_TYPES, type WebhookType } from '@kairos/core';
import { toWebhookView, type WebhooksService } from '@kairos/server';
import { fail, openConfigured } from './context.ts';

async function withService<T>(fn: (webhooks: WebhooksService) => Promise<T>): Promise<T> {
  const { store, webhooks } = await openConfigured();
  try {
    return await fn(webhooks);
  } catch (error) {
    if (error instanceof KairosError) fail(error.details?.map((d) => `${d.path} ${d.message}`).join('; ') || error.message, 1);
    throw error;
  } finally {
    await store.close();
  }
}

export async function webhookAdd(opts: { url: string; type?: string[]; description?: string }): Promise<void> {
  const unknown = opts.type?.find((t) => !(WEBHOOK_TYPES as readonly string[]).includes(t));
  if (unknown !== undefined) fail(`unknown type ${unknown}; use one of ${WEBHOOK_TYPES.join(', ')}`);
  await withService(async (webhooks) => {
    const w = await webhooks.create({
      url: opts.url,
      types: opts.type as WebhookType[] | undefined,
      description: opts.description,
    });
    process.stdout.write(`created ${w.id} → ${w.url}\ntypes: ${w.types.join(', ')}\nsecret: ${w.secret}\n(shown once)\n`);
  });
}

export async function webhookList(opts: { json?: boolean }): Promise<void> {
  await withService(async (webhooks) => {
    const list = (await webhooks.list()).map(toWebhookView);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return;
    }
    if (list.length === 0) process.stdout.write('no webhooks\n');
    for (const w of list) {
      const types = w.types.length === WEBHOOK_TYPES.length ? 'all types' : w.types.join(',');
      process.stdout.write(
        `${w.id}  ${w.active ? 'active  ' : 'inactive'}  ${w.url}  ${types}${w.description ? `  ${w.description}` : ''}\n`,
      );
    }
  });
}

export async function webhookRemove(id: string): Promise<void> {
  await withService(async (webhooks) => {
    await webhooks.remove(id);
    process.stdout.write(`removed ${id}\n`);
  });
}
