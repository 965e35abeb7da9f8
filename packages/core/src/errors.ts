/**
 * The closed catalogue of error codes (SPEC §6). Every error the API answers has one of these
 * codes; the HTTP status lives here too, so the server maps errors in one place and the web app
 * can show the same message set. docs/errors.md lists the same table; a test keeps them equal.
 */
import Type, { type Static } from 'typebox';

export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_local_time: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  version_conflict: 409,
  invalid_state: 409,
  registration_closed: 409,
  already_registered: 409,
  checkin_closed: 409,
  certificates_unavailable: 409,
  not_checked_in: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export const ErrorDetail = Type.Object({
  path: Type.String({ description: 'the field name (`endsAt`, `registrationClosesAt`); empty for the body as a whole' }),
  message: Type.String(),
});
export type ErrorDetail = Static<typeof ErrorDetail>;

/** Every error answer (SPEC §6). */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.Enum(ERROR_CODES), message: Type.String(), details: Type.Optional(Type.Array(ErrorDetail)) }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** A domain error: thrown anywhere, turned into an HTTP answer by the server's one error handler. */
export class KairosError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'KairosError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details && this.details.length > 0) error.details = this.details;
    return { error };
  }
}

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_STATUS, code);
