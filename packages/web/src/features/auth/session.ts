import type { Viewer } from '@kairos/core';
import { useQuery } from '@tanstack/react-query';
import { ApiError, api } from '../../lib/api.ts';
import type { User } from '../../lib/types.ts';

/** The signed-in user, or null for the public. */
export function useSession(): { user: User | null; viewer: Viewer; loading: boolean } {
  const q = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return (await api<{ user: User }>('GET', '/auth/me')).user;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  const user = q.data ?? null;
  return { user, viewer: user ? { role: user.role, userId: user.id } : { role: 'public' }, loading: q.isPending };
}
