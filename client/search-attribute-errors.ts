import { ServiceError } from '@temporalio/client';
import { searchAttributeRegistrationCommand } from '../contract/search-attributes';

/** Thrown by the client library when the namespace lacks the restore search attributes; says how to add them. */
export class SearchAttributesMissingError extends Error {
  override readonly name = 'SearchAttributesMissingError';
}

/**
 * Turns the server's refusal of an unregistered search attribute (on start or list) into an error that says what to
 * do; any other error is returned unchanged.
 */
export function explainSearchAttributeError(err: unknown, namespace: string): unknown {
  const reason = err instanceof ServiceError && err.cause instanceof Error ? err.cause.message : '';
  if (!/search attribute/i.test(reason)) return err;
  return new SearchAttributesMissingError(
    `Temporal namespace ${namespace} lacks the restore search attributes (${reason.replace(/^\d+ [A-Z_]+: /, '')}). ` +
      `Register them with\n  ${searchAttributeRegistrationCommand(namespace)}\n` +
      '(Temporal Cloud: tcld namespace search-attributes add), or start a worker with ' +
      'TEMPORAL_REGISTER_SEARCH_ATTRIBUTES=true'
  );
}
