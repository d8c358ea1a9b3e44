/**
 * One entry point for every request, whatever the transport: look up the channel, validate the
 * payload with the contract's zod schema, run the handler, validate the answer. Never throws.
 */
import { channels } from '@shared/ipc/contract';
import type { ApiResult, ChannelName } from '@shared/ipc/contract';
import { toApiError, zodIssues } from './api-error';
import type { Handlers } from './handlers';

const isChannel = (c: string): c is ChannelName => Object.prototype.hasOwnProperty.call(channels, c);

export async function dispatch(
  handlers: Handlers,
  channel: string,
  request: unknown,
): Promise<ApiResult<unknown>> {
  if (typeof channel !== 'string' || !isChannel(channel))
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel "${String(channel)}"` } };
  const spec = channels[channel];
  const parsed = spec.request.safeParse(request);
  if (!parsed.success) {
    return {
      ok: false,
      error: {
        code: 'BAD_REQUEST',
        message: `invalid request for ${channel}`,
        issues: zodIssues(parsed.error),
      },
    };
  }
  try {
    const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
    const out = spec.response.safeParse(await handler(parsed.data));
    if (!out.success) {
      console.error(`[dispatch] ${channel} answered outside its schema:`, out.error.issues.slice(0, 5));
      return { ok: false, error: { code: 'INTERNAL', message: `${channel} produced an invalid response` } };
    }
    return { ok: true, data: out.data };
  } catch (e) {
    const error = toApiError(e);
    if (error.code === 'INTERNAL') console.error(`[dispatch] ${channel} failed:`, e);
    return { ok: false, error };
  }
}
