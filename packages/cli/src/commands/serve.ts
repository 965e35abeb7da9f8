import { serve } from '@kairos/server';

export const serveCommand = (): Promise<void> => serve(process.env);
