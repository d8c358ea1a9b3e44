import { useEffect, useEffectEvent } from 'react';
import { subscriberName } from '@shared/ipc/contract';
import type { EventName, EventPayload, SubscribeApi } from '@shared/ipc/contract';
import { api } from '../api/client';

/** Subscribe to a main → renderer event for the component's lifetime (latest callback wins). */
export function useEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void {
  const onEvent = useEffectEvent(listener);
  useEffect(() => {
    const subscribe = api()[subscriberName(event)] as SubscribeApi[`on${Capitalize<E>}`] as unknown as (
      l: (p: EventPayload<E>) => void,
    ) => () => void;
    return subscribe((p) => onEvent(p));
  }, [event]);
}
