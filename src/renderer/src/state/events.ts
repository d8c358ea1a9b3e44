import { useEffect, useRef } from 'react';
import { subscriberName } from '../../../shared/ipc/contract';
import type { EventName, EventPayload, SubscribeApi } from '../../../shared/ipc/contract';
import { api } from '../api/client';

/** Subscribe to a main → renderer event for the component's lifetime (latest callback wins). */
export function useEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    const subscribe = api()[subscriberName(event)] as SubscribeApi[`on${Capitalize<E>}`] as unknown as (
      l: (p: EventPayload<E>) => void,
    ) => () => void;
    return subscribe((p) => ref.current(p));
  }, [event]);
}
