/**
 * Request pieces shared by several routes, and the error answers for the OpenAPI document.
 * Every body and response shape comes from @kairos/core, where the web app takes its types from.
 */
import { ErrorBody } from '@kairos/core';
import Type from 'typebox';

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

/** The error answers a route may give, for the OpenAPI document. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorBody]));
